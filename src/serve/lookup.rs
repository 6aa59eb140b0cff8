//! How `serve` finds a presented token, and what it may reuse.
//!
//! What a lookup found is kept, by hash, with a stamp saying when it is
//! still exactly what a fresh lookup would find:
//!
//! - SQLite: the WAL-index header in the `-shm` file, read (one `pread`)
//!   before the lookup. Every commit, by any process, rewrites that header
//!   before it returns (SQLite's own readers decide the same way whether
//!   their page cache is still good, <https://www.sqlite.org/walformat.html>),
//!   so while it reads the same, nothing has changed: every request that
//!   starts after a commit sees it. The lookups run on the request's own
//!   thread, through a connection of its own (SQLite never makes a reader
//!   wait for a writer). Without a readable `-shm` nothing is kept.
//! - PostgreSQL: the head of the audit trail. Every change tokenctl makes
//!   appends its event in the same transaction, and events are numbered
//!   in commit order, so while the head is the same nothing has changed. A
//!   background task reads the head every [`CHECK_EVERY`]; answers are
//!   used only while its latest reading is less than [`FRESH`] old, so a
//!   change committed anywhere is seen within that (SPEC §9: within one
//!   second), and nothing is reused when the checks stop getting through.
//!   Lookups cross the network on a store thread.
//!
//! A token that was not found is never kept: a new token works at once,
//! and random tokens cannot fill the memory. A change this server makes
//! forgets everything kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::core::error::Result;
use crate::core::model::Found;
use crate::core::token::TokenHash;
use crate::store::Target;
use crate::store::sqlite::wal::{HEADER, shm_of, wal_header};

use super::pool::{Pool, Slot};

/// How often a PostgreSQL server's trail head is read.
pub const CHECK_EVERY: Duration = Duration::from_millis(200);
/// How old the latest reading of the head may be for answers to be reused.
pub const FRESH: Duration = Duration::from_millis(500);
const SHARDS: usize = 16;
/// Tokens kept per shard at most.
const PER_SHARD: usize = 4096;

/// When a kept answer is still good.
#[derive(Clone, PartialEq, Eq)]
enum Stamp {
    /// While the WAL-index header reads like this.
    Wal([u8; HEADER]),
    /// While the trail's head is this event.
    Head(i64),
}

/// Where lookups go.
pub enum Lookup {
    /// SQLite, on the request's own thread.
    Local {
        /// The database.
        target: Target,
        /// Its `-shm` file, if it could be opened.
        shm: Option<File>,
        /// A connection held open as long as the server runs, never used:
        /// while one is open SQLite keeps the `-shm` file (the last
        /// connection to close deletes it, and a new one would be another
        /// file than the one read here).
        _anchor: Option<Box<Mutex<crate::store::sqlite::SqliteStore>>>,
        /// What lookups found.
        cache: Cache,
    },
    /// PostgreSQL, through the store threads.
    Remote(Cache, Arc<Head>),
}

/// The latest reading of a PostgreSQL trail's head.
pub struct Head {
    seq: AtomicI64,
    /// When it was read, in milliseconds after `start`; 0: never.
    read_at: AtomicU64,
    start: Instant,
}

impl Head {
    fn new() -> Head {
        Head {
            seq: AtomicI64::new(0),
            read_at: AtomicU64::new(0),
            start: Instant::now(),
        }
    }

    /// The head, if its latest reading is fresh at `now`.
    fn current(&self, now: Instant) -> Option<i64> {
        let read_at = self.read_at.load(Ordering::SeqCst);
        let age = now.saturating_duration_since(self.start).as_millis() as u64;
        (read_at > 0 && age.saturating_sub(read_at) < FRESH.as_millis() as u64)
            .then(|| self.seq.load(Ordering::SeqCst))
    }

    /// Records a reading taken when the query was sent at `asked`.
    fn record(&self, seq: i64, asked: Instant) {
        self.seq.store(seq, Ordering::SeqCst);
        let ms = asked.saturating_duration_since(self.start).as_millis() as u64;
        self.read_at.store(ms.max(1), Ordering::SeqCst);
    }
}

thread_local! {
    static LOCAL: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

impl Lookup {
    /// The way to look up tokens of `target`. For SQLite, call it once the
    /// database is open, so that its `-shm` file exists.
    pub fn for_target(target: &Target) -> Lookup {
        match target {
            Target::Sqlite(path) => {
                let anchor = crate::store::sqlite::SqliteStore::open_existing(path).ok();
                let shm = anchor.as_ref().and_then(|_| shm_of(path));
                Lookup::Local {
                    target: target.clone(),
                    shm,
                    _anchor: anchor.map(|a| Box::new(Mutex::new(a))),
                    cache: Cache::default(),
                }
            }
            Target::Postgres(_) => Lookup::Remote(Cache::default(), Arc::new(Head::new())),
        }
    }

    /// The token whose current or replaced secret has this hash.
    pub async fn find(&self, pool: &Pool, hash: TokenHash) -> Result<Option<Found>> {
        match self {
            Lookup::Local {
                target, shm, cache, ..
            } => {
                let asked_in = cache.generation();
                let stamp = shm.as_ref().and_then(wal_header).map(Stamp::Wal);
                if let Some(s) = &stamp {
                    if let Some(found) = cache.get(&hash, |kept| kept == s) {
                        return Ok(Some(found));
                    }
                }
                let found = LOCAL.with(|cell| {
                    let mut cell = cell.borrow_mut();
                    let slot = cell.get_or_insert_with(|| Slot::new(target.clone()));
                    slot.run(|store| one(store, hash))
                })?;
                if let (Some(s), Some(f)) = (stamp, &found) {
                    cache.put(hash, f.clone(), s, asked_in);
                }
                Ok(found)
            }
            Lookup::Remote(cache, head) => {
                let asked_in = cache.generation();
                let now = Instant::now();
                let seq = head.current(now);
                if let Some(seq) = seq {
                    if let Some(found) = cache.get(&hash, |kept| *kept == Stamp::Head(seq)) {
                        return Ok(Some(found));
                    }
                }
                let found = pool.run(move |store| one(store, hash)).await?;
                if let (Some(seq), Some(f)) = (seq, &found) {
                    cache.put(hash, f.clone(), Stamp::Head(seq), asked_in);
                }
                Ok(found)
            }
        }
    }

    /// On PostgreSQL, reads the trail's head every [`CHECK_EVERY`] for as
    /// long as the server runs; on SQLite, nothing.
    pub async fn watch(&self, pool: Pool) {
        let Lookup::Remote(_, head) = self else {
            return;
        };
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let asked = Instant::now();
            let read = pool
                .run(|store| crate::store::read(store, |r| crate::core::ops::head_seq(r)))
                .await;
            if let Ok(seq) = read {
                head.record(seq.unwrap_or(0), asked);
            }
        }
    }

    /// Notes in what is kept for `hash` that its use was just queued, so
    /// later answers from it do not queue it again (a use written to
    /// PostgreSQL changes no trail head, so nothing kept would show it).
    pub fn used(&self, hash: &TokenHash, at: crate::time::Epoch) {
        let (Lookup::Local { cache, .. } | Lookup::Remote(cache, _)) = self;
        if let Some(k) = cache.shard(hash).get_mut(hash) {
            k.found.token.last_used_at = Some(at);
        }
    }

    /// Forgets every answer kept: this server just changed a token, and
    /// its next request must see the change at once.
    pub fn forget(&self) {
        let (Lookup::Local { cache, .. } | Lookup::Remote(cache, _)) = self;
        cache.generation.fetch_add(1, Ordering::SeqCst);
        for shard in cache.shards.iter() {
            shard.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }
}

fn one(store: &mut dyn crate::store::Store, hash: TokenHash) -> Result<Option<Found>> {
    let mut found = Vec::with_capacity(1);
    store.lookup(std::slice::from_ref(&hash), &mut found)?;
    Ok(found.pop().flatten())
}

/// What a lookup found, and its stamp.
struct Kept {
    found: Found,
    stamp: Stamp,
}

type Shard = HashMap<TokenHash, Kept>;

/// What recent lookups found, by hash, with their stamps; clones share it.
#[derive(Clone)]
pub struct Cache {
    shards: Arc<[Mutex<Shard>]>,
    /// Counts [`Lookup::forget`]s: an answer asked before one is not kept.
    generation: Arc<AtomicU64>,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            generation: Default::default(),
        }
    }
}

impl Cache {
    fn shard(&self, hash: &TokenHash) -> std::sync::MutexGuard<'_, Shard> {
        self.shards[usize::from(hash[0]) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// What was found for `hash`, if its stamp says it is still good.
    fn get(&self, hash: &TokenHash, good: impl Fn(&Stamp) -> bool) -> Option<Found> {
        let shard = self.shard(hash);
        let kept = shard.get(hash)?;
        good(&kept.stamp).then(|| kept.found.clone())
    }

    /// Which forget the cache is at; taken before a lookup is asked.
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps what a lookup found; a full shard first drops what has
    /// another stamp (stale), and takes nothing more if that frees no room.
    fn put(&self, hash: TokenHash, found: Found, stamp: Stamp, asked_in: u64) {
        let mut shard = self.shard(&hash);
        // Under the shard's lock, so a forget cannot come between.
        if self.generation() != asked_in {
            return;
        }
        if shard.len() >= PER_SHARD {
            shard.retain(|_, k| k.stamp == stamp);
            if shard.len() >= PER_SHARD {
                return;
            }
        }
        shard.insert(hash, Kept { found, stamp });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(id: i64) -> Found {
        Found::sample(id, "t")
    }

    #[test]
    fn an_answer_is_good_while_its_stamp_says_so() {
        let c = Cache::default();
        c.put([1; 32], found(1), Stamp::Head(7), 0);
        assert!(c.get(&[1; 32], |s| *s == Stamp::Head(7)).is_some());
        assert!(c.get(&[1; 32], |s| *s == Stamp::Head(8)).is_none());
        assert!(c.get(&[2; 32], |_| true).is_none());
        let header = Stamp::Wal([7; HEADER]);
        c.put([3; 32], found(3), header.clone(), 0);
        assert!(c.get(&[3; 32], |s| *s == header).is_some());
        assert!(c.get(&[3; 32], |s| *s == Stamp::Wal([8; HEADER])).is_none());
    }

    #[test]
    fn a_head_read_too_long_ago_is_no_head() {
        let h = Head::new();
        let t0 = Instant::now();
        assert_eq!(h.current(t0), None, "never read");
        h.record(42, t0 + Duration::from_millis(5));
        assert_eq!(h.current(t0 + Duration::from_millis(5)), Some(42));
        assert_eq!(h.current(t0 + FRESH), Some(42));
        assert_eq!(h.current(t0 + FRESH + Duration::from_millis(6)), None);
    }

    #[test]
    fn an_answer_asked_before_a_forget_is_not_kept() {
        let l = Lookup::Remote(Cache::default(), Arc::new(Head::new()));
        let Lookup::Remote(c, _) = &l else {
            unreachable!()
        };
        let asked_in = c.generation();
        l.forget();
        c.put([1; 32], found(1), Stamp::Head(1), asked_in);
        assert!(c.get(&[1; 32], |_| true).is_none());
        c.put([1; 32], found(1), Stamp::Head(1), c.generation());
        assert!(c.get(&[1; 32], |_| true).is_some());
    }

    #[test]
    fn a_full_shard_drops_stale_answers_and_never_grows_past_its_bound() {
        let c = Cache::default();
        let key = |i: usize| {
            let mut h = [0u8; 32];
            h[1..9].copy_from_slice(&(i as u64).to_le_bytes());
            h
        };
        for i in 0..PER_SHARD + 10 {
            c.put(key(i), found(1), Stamp::Head(1), 0);
        }
        assert_eq!(c.shards[0].lock().unwrap().len(), PER_SHARD);
        c.put(key(1 << 40), found(2), Stamp::Head(2), 0);
        assert_eq!(c.shards[0].lock().unwrap().len(), 1);
    }
}
