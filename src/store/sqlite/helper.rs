//! The second connection of a long batch, on a thread of its own that
//! lives as long as the store: it looks up part of each long list of
//! hashes, in a read snapshot of its own.
//!
//! The list is shared out as it goes rather than cut in two beforehand:
//! the store's own thread takes chunks from the front, this one from the
//! back, until they meet. Each side's lines stay one contiguous run, so
//! snapshots still follow the order of the lines, and neither side waits
//! for the other when one is slowed (by the thread writing answers, say).

use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::Connection;

use crate::core::error::{Result, runtime};
use crate::core::model::Found;
use crate::core::token::TokenHash;

use super::queries::Sql;
use super::snapshot;

/// What the thread sends back for one list: the list, to be filled again,
/// and what it found, from the last line backwards.
type Answer = (Vec<TokenHash>, Result<Vec<Option<Found>>>);

/// Hashes taken at a time by either side.
const CHUNK: usize = 16;

/// How many of the list's hashes neither side has taken yet (below zero
/// once they have met).
pub(super) struct Left(Arc<AtomicIsize>);

impl Left {
    /// Takes up to [`CHUNK`] hashes; `None` when none are left.
    pub fn take(&self) -> Option<usize> {
        // One atomic step: however the two sides interleave, each hash is
        // taken once.
        let before = self.0.fetch_sub(CHUNK as isize, Ordering::Relaxed);
        (before > 0).then(|| before.unsigned_abs().min(CHUNK))
    }
}

/// The thread and its channels. Dropping it ends the thread.
pub(super) struct Helper {
    jobs: Option<SyncSender<Vec<TokenHash>>>,
    answers: Receiver<Answer>,
    left: Arc<AtomicIsize>,
    thread: Option<JoinHandle<()>>,
    /// A list handed over, whose answer has not been taken yet.
    busy: bool,
    /// The list to hand over next, kept between uses.
    spare: Vec<TokenHash>,
}

impl Helper {
    /// Starts the thread on `conn`. Fails only when no thread can be made.
    pub fn start(conn: Connection, prefix: String, schema: i64) -> std::io::Result<Helper> {
        let (jobs, todo) = sync_channel::<Vec<TokenHash>>(1);
        let (done, answers) = sync_channel::<Answer>(1);
        let left = Arc::new(AtomicIsize::new(0));
        let theirs = Left(Arc::clone(&left));
        let thread = std::thread::Builder::new()
            .name("lookups".into())
            .spawn(move || {
                let mut sql = Sql {
                    conn: &conn,
                    prefix: &prefix,
                    schema,
                };
                let mut chunk = Vec::with_capacity(CHUNK);
                for hashes in todo {
                    let found = snapshot(&mut sql, |r| {
                        let mut found = Vec::with_capacity(hashes.len() / 2);
                        let mut end = hashes.len();
                        while let Some(n) = theirs.take() {
                            chunk.clear();
                            r.by_hashes(&hashes[end - n..end], &mut chunk)?;
                            found.extend(chunk.drain(..).rev());
                            end -= n;
                        }
                        Ok(found)
                    });
                    if done.send((hashes, found)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Helper {
            jobs: Some(jobs),
            answers,
            left,
            thread: Some(thread),
            busy: false,
            spare: Vec::new(),
        })
    }

    /// Shares `hashes` out from `from` on: the thread takes chunks from
    /// the back, the caller from the front through the [`Left`] returned,
    /// until they meet. The thread's snapshot begins after this call.
    /// `None` when the thread has stopped.
    pub fn share(&mut self, hashes: &[TokenHash], from: usize) -> Option<Left> {
        let mut list = std::mem::take(&mut self.spare);
        list.clear();
        list.extend_from_slice(hashes);
        // Set before the send, which the thread's first take follows.
        let left = hashes.len().saturating_sub(from);
        self.left.store(isize::try_from(left).unwrap_or(isize::MAX), Ordering::Relaxed);
        let sent = self.jobs.as_ref().is_some_and(|j| j.send(list).is_ok());
        self.busy = sent;
        sent.then(|| Left(Arc::clone(&self.left)))
    }

    /// What the thread found for the list shared out last: the hashes it
    /// took, from the last one backwards.
    pub fn take(&mut self) -> Result<Vec<Option<Found>>> {
        if !std::mem::take(&mut self.busy) {
            return Err(runtime("the lookup thread stopped"));
        }
        let (list, found) = self
            .answers
            .recv()
            .map_err(|_| runtime("the lookup thread stopped"))?;
        self.spare = list;
        found
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // A closed channel ends the thread's loop; an answer not taken
        // is dropped with the channel.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
