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
///
/// Each way round, the vectors come back to be filled again: one allocated
/// on one thread and freed on the other at every group made glibc sort out
/// the other thread's free memory at every such free.
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

/// One list to share: the hashes, how many of them are left, and an empty
/// vector for what the thread finds.
type Job = (Vec<TokenHash>, Left, Vec<Option<Found>>);

/// The thread and its channels. Dropping it ends the thread.
pub(super) struct LookupThread {
    jobs: Option<SyncSender<Job>>,
    answers: Receiver<Answer>,
    thread: Option<JoinHandle<()>>,
    /// Answers still to come, of lists the thread took nothing of.
    owed: usize,
    /// The list to hand over next, kept between uses.
    spare: Vec<TokenHash>,
    /// The vector the thread fills next, kept between uses.
    spare_found: Vec<Option<Found>>,
}

impl LookupThread {
    /// Starts the thread on `conn`. Fails only when no thread can be made.
    pub fn start(conn: Connection, prefix: Arc<str>, schema: i64) -> std::io::Result<LookupThread> {
        let (jobs, todo) = sync_channel::<Job>(1);
        let (done, answers) = sync_channel::<Answer>(1);
        let thread = std::thread::Builder::new()
            .name("lookups".into())
            .spawn(move || {
                let mut sql = Sql {
                    conn: &conn,
                    prefix: &prefix,
                    schema,
                };
                let mut chunk = Vec::with_capacity(CHUNK);
                for (hashes, left, mut found) in todo {
                    // Woken after the other side took everything: no
                    // snapshot at all, so none begins after its next one.
                    let found = match left.take() {
                        None => Ok(found),
                        Some(first) => snapshot(&mut sql, |r| {
                            found.clear();
                            let mut end = hashes.len();
                            let mut n = first;
                            loop {
                                chunk.clear();
                                r.by_hashes(&hashes[end - n..end], &mut chunk)?;
                                found.extend(chunk.drain(..).rev());
                                end -= n;
                                match left.take() {
                                    Some(next) => n = next,
                                    None => return Ok(std::mem::take(&mut found)),
                                }
                            }
                        }),
                    };
                    if done.send((hashes, found)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(LookupThread {
            jobs: Some(jobs),
            answers,
            thread: Some(thread),
            owed: 0,
            spare: Vec::new(),
            spare_found: Vec::new(),
        })
    }

    /// Shares `hashes` out from `from` on: the thread takes chunks from
    /// the back, the caller from the front through the [`Left`] returned,
    /// until they meet. The thread's snapshot begins after this call.
    /// `None` when the thread has stopped.
    pub fn share(&mut self, hashes: &[TokenHash], from: usize) -> Option<Left> {
        while self.owed > 0 {
            let (list, found) = self.answers.recv().ok()?;
            self.spare = list;
            if let Ok(found) = found {
                self.spare_found = found;
            }
            self.owed -= 1;
        }
        let mut list = std::mem::take(&mut self.spare);
        list.clear();
        list.extend_from_slice(hashes);
        let left = isize::try_from(hashes.len().saturating_sub(from)).unwrap_or(isize::MAX);
        let left = Left(Arc::new(AtomicIsize::new(left)));
        let mut found = std::mem::take(&mut self.spare_found);
        found.clear();
        let job = (list, Left(Arc::clone(&left.0)), found);
        self.jobs.as_ref()?.send(job).ok()?;
        Some(left)
    }

    /// Appends to `found` what the thread found of the list shared out
    /// last, in the list's order. When the caller took them all
    /// (`took_all`), the thread took none, and its answer is not waited
    /// for: it may not even have woken up yet.
    pub fn take(&mut self, took_all: bool, found: &mut Vec<Option<Found>>) -> Result<()> {
        if took_all {
            self.owed += 1;
            return Ok(());
        }
        let (list, theirs) = self
            .answers
            .recv()
            .map_err(|_| runtime("the lookup thread stopped"))?;
        self.spare = list;
        let mut theirs = theirs?;
        found.extend(theirs.drain(..).rev());
        self.spare_found = theirs;
        Ok(())
    }
}

impl Drop for LookupThread {
    fn drop(&mut self) {
        // A closed channel ends the thread's loop; an answer not taken
        // is dropped with the channel.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
