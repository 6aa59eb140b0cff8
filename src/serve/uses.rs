//! Recording use off the request path: a valid verify queues its token id,
//! and one thread writes the queue every second, at most once a minute per
//! token, so that requests only ever read and a writer holding the
//! database (a CLI `purge`) never stalls a verify.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, TrySendError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::core::error::{Result, runtime};
use crate::core::id::TokenId;
use crate::core::rules::{self, USE_INTERVAL};
use crate::store::Target;
use crate::time::{self, Epoch};

/// Ids waiting to be written; a flood beyond this is dropped (the next
/// verify of the same token queues it again).
const QUEUE: usize = 65_536;
/// How often the queue is written.
const EVERY: Duration = Duration::from_secs(1);

/// Where verifies queue the tokens they accepted.
#[derive(Clone)]
pub struct Uses {
    tx: SyncSender<TokenId>,
}

impl Uses {
    /// Starts the recording thread with a connection of its own.
    pub fn start(target: &Target) -> Result<(Uses, JoinHandle<()>)> {
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let target = target.clone();
        let handle = std::thread::Builder::new()
            .name("uses".into())
            .spawn(move || record(&target, &rx))
            .map_err(|e| runtime(format!("cannot start the use recorder ({e})")))?;
        Ok((Uses { tx }, handle))
    }

    /// Queues a use; whether it was queued.
    pub fn note(&self, id: TokenId) -> bool {
        match self.tx.try_send(id) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }
}

/// Writes what is queued every [`EVERY`], and once more when every sender
/// is gone. It sleeps between rounds rather than wait on the queue: a
/// sender then never has a thread to wake, whatever the rate of requests.
fn record(target: &Target, rx: &Receiver<TokenId>) {
    let mut store = None;
    // When this process last wrote each token's use.
    let mut written: HashMap<TokenId, Epoch> = HashMap::new();
    let mut pending: Vec<TokenId> = Vec::new();
    loop {
        std::thread::sleep(EVERY);
        let now = time::now();
        let done = loop {
            match rx.try_recv() {
                Ok(id) => {
                    if rules::use_due(written.get(&id).copied(), now) {
                        written.insert(id, now);
                        pending.push(id);
                    }
                }
                Err(TryRecvError::Empty) => break false,
                Err(TryRecvError::Disconnected) => break true,
            }
        };
        if !pending.is_empty() {
            write(target, &mut store, &pending);
            pending.clear();
        }
        written.retain(|_, at| !rules::use_due(Some(*at), now));
        if done {
            return;
        }
    }
}

fn write(target: &Target, store: &mut Option<Box<dyn crate::store::Store>>, ids: &[TokenId]) {
    if store.is_none() {
        match target.open_existing() {
            Ok(s) => *store = Some(s),
            Err(e) => {
                super::access::note(&format!("cannot record use: {e}"));
                return;
            }
        }
    }
    let Some(s) = store.as_mut() else { return };
    let now = time::now();
    if let Err(e) = s.record_use(ids, now, now - USE_INTERVAL) {
        super::access::note(&format!("cannot record use: {e}"));
        *store = None;
    }
}
