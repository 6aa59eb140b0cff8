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
//! - PostgreSQL: the time the query was sent; an answer is reused for less
//!   than [`FRESH`], so a change committed anywhere is seen within it
//!   (SPEC §9: within one second). Lookups cross the network on a store
//!   thread.
//!
//! A token that was not found is never kept: a new token works at once,
//! and random tokens cannot fill the memory. A change this server makes
//! forgets everything kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::core::error::Result;
use crate::core::model::Found;
use crate::core::token::TokenHash;
use crate::store::Target;

use super::pool::{Pool, Slot};

/// How long a PostgreSQL lookup's answer is reused.
pub const FRESH: Duration = Duration::from_millis(500);
const SHARDS: usize = 16;
/// Tokens kept per shard at most.
const PER_SHARD: usize = 4096;
/// A WAL-index header, as SQLite lays it out at the start of `-shm`.
const HEADER: usize = 48;

/// When a kept answer is still good.
#[derive(Clone, PartialEq, Eq)]
enum Stamp {
    /// While the WAL-index header reads like this.
    Wal([u8; HEADER]),
    /// Until [`FRESH`] after this.
    At(Instant),
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
    Remote(Cache),
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
            Target::Postgres(_) => Lookup::Remote(Cache::default()),
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
            Lookup::Remote(cache) => {
                let asked_in = cache.generation();
                let now = Instant::now();
                let fresh = |kept: &Stamp| matches!(kept, Stamp::At(at) if now.saturating_duration_since(*at) < FRESH);
                if let Some(found) = cache.get(&hash, fresh) {
                    // Past half its life an answer in use is asked again in
                    // the background, so a busy token is never looked up
                    // while a request waits.
                    if cache.claim_refresh(&hash, now) {
                        let (cache, pool) = (cache.clone(), pool.clone());
                        tokio::spawn(async move {
                            match pool.run(move |store| one(store, hash)).await {
                                Ok(Some(f)) => cache.put(hash, f, Stamp::At(now), asked_in),
                                Ok(None) => cache.remove(&hash),
                                // The next request past the answer's life asks itself.
                                Err(_) => cache.unclaim(&hash),
                            }
                        });
                    }
                    return Ok(Some(found));
                }
                let found = pool.run(move |store| one(store, hash)).await?;
                if let Some(f) = &found {
                    cache.put(hash, f.clone(), Stamp::At(now), asked_in);
                }
                Ok(found)
            }
        }
    }

    /// Forgets every answer kept: this server just changed a token, and
    /// its next request must see the change at once.
    pub fn forget(&self) {
        let (Lookup::Local { cache, .. } | Lookup::Remote(cache)) = self;
        cache
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        for shard in cache.shards.iter() {
            shard.lock().unwrap_or_else(PoisonError::into_inner).clear();
        }
    }
}

/// The `-shm` file of the database at `path` (next to the file a symbolic
/// link names, where SQLite keeps it).
fn shm_of(path: &std::path::Path) -> Option<File> {
    let real = std::fs::canonicalize(path).ok()?;
    let mut name = real.into_os_string();
    name.push("-shm");
    File::open(name).ok()
}

/// The WAL-index header, when both of its copies read alike and it is
/// initialised; `None` (keep nothing, trust nothing kept) otherwise, as
/// while a writer is rewriting it.
fn wal_header(shm: &File) -> Option<[u8; HEADER]> {
    let mut buf = [0u8; 2 * HEADER];
    let n = rustix::io::pread(shm, &mut buf, 0).ok()?;
    let (first, second) = buf.split_at(HEADER);
    // isInit, the thirteenth byte, is 1 once the header is valid.
    if n < buf.len() || first != second || first[12] != 1 {
        return None;
    }
    first.try_into().ok()
}

fn one(store: &mut dyn crate::store::Store, hash: TokenHash) -> Result<Option<Found>> {
    let mut found = Vec::with_capacity(1);
    store.lookup(std::slice::from_ref(&hash), &mut found)?;
    Ok(found.pop().flatten())
}

/// What a lookup found, its stamp, and whether it is being asked again.
struct Kept {
    found: Found,
    stamp: Stamp,
    refreshing: bool,
}

type Shard = HashMap<TokenHash, Kept>;

/// What recent lookups found, by hash, with their stamps; clones share it.
#[derive(Clone)]
pub struct Cache {
    shards: std::sync::Arc<[Mutex<Shard>]>,
    /// Counts [`Lookup::forget`]s: an answer asked before one is not kept.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
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

    /// Whether the caller is to ask `hash` again: its answer is past half
    /// of [`FRESH`] at `now`, and nobody is asking yet.
    fn claim_refresh(&self, hash: &TokenHash, now: Instant) -> bool {
        let mut shard = self.shard(hash);
        match shard.get_mut(hash) {
            Some(k) if !k.refreshing => {
                let old = matches!(k.stamp,
                    Stamp::At(at) if now.saturating_duration_since(at) >= FRESH / 2);
                k.refreshing = old;
                old
            }
            _ => false,
        }
    }

    /// Which forget the cache is at; taken before a lookup is asked.
    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn unclaim(&self, hash: &TokenHash) {
        if let Some(k) = self.shard(hash).get_mut(hash) {
            k.refreshing = false;
        }
    }

    fn remove(&self, hash: &TokenHash) {
        self.shard(hash).remove(hash);
    }

    /// Keeps what a lookup found; a full shard first drops what is stale
    /// (PostgreSQL's old answers; SQLite's of another header), and takes
    /// nothing more if that frees no room.
    fn put(&self, hash: TokenHash, found: Found, stamp: Stamp, asked_in: u64) {
        let mut shard = self.shard(&hash);
        // Under the shard's lock, so a forget cannot come between.
        if self.generation() != asked_in {
            return;
        }
        if shard.len() >= PER_SHARD {
            shard.retain(|_, k| match (&k.stamp, &stamp) {
                (Stamp::At(at), Stamp::At(now)) => now.saturating_duration_since(*at) < FRESH,
                (kept, now) => kept == now,
            });
            if shard.len() >= PER_SHARD {
                return;
            }
        }
        shard.insert(
            hash,
            Kept {
                found,
                stamp,
                refreshing: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::id::TokenId;
    use crate::core::model::Token;

    fn found(id: i64) -> Found {
        Found {
            token: Token {
                id: TokenId::new(id).unwrap(),
                name: "t".into(),
                owner: None,
                scopes: vec![],
                disabled: false,
                last4: "abcd".into(),
                prefix: "tok".into(),
                created_at: 0,
                created_by: "me".into(),
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
                previous_valid_until: None,
            },
            replaced: false,
        }
    }

    #[test]
    fn an_answer_is_good_while_its_stamp_says_so() {
        let c = Cache::default();
        let t0 = Instant::now();
        c.put([1; 32], found(1), Stamp::At(t0), 0);
        let fresh_at =
            |now: Instant| move |s: &Stamp| matches!(s, Stamp::At(at) if now - *at < FRESH);
        assert!(
            c.get(&[1; 32], fresh_at(t0 + FRESH - Duration::from_millis(1)))
                .is_some()
        );
        assert!(c.get(&[1; 32], fresh_at(t0 + FRESH)).is_none());
        assert!(c.get(&[2; 32], fresh_at(t0)).is_none());
        let header = Stamp::Wal([7; HEADER]);
        c.put([3; 32], found(3), header.clone(), 0);
        assert!(c.get(&[3; 32], |s| *s == header).is_some());
        assert!(c.get(&[3; 32], |s| *s == Stamp::Wal([8; HEADER])).is_none());
    }

    #[test]
    fn an_answer_asked_before_a_forget_is_not_kept() {
        let l = Lookup::Remote(Cache::default());
        let Lookup::Remote(c) = &l else {
            unreachable!()
        };
        let t0 = Instant::now();
        let asked_in = c.generation();
        l.forget();
        c.put([1; 32], found(1), Stamp::At(t0), asked_in);
        assert!(c.get(&[1; 32], |_| true).is_none());
        c.put([1; 32], found(1), Stamp::At(t0), c.generation());
        assert!(c.get(&[1; 32], |_| true).is_some());
    }

    #[test]
    fn a_busy_answer_is_asked_again_once_past_half_its_life() {
        let c = Cache::default();
        let t0 = Instant::now();
        c.put([1; 32], found(1), Stamp::At(t0), 0);
        assert!(!c.claim_refresh(&[1; 32], t0));
        assert!(c.claim_refresh(&[1; 32], t0 + FRESH / 2));
        assert!(!c.claim_refresh(&[1; 32], t0 + FRESH / 2), "asked twice");
        c.unclaim(&[1; 32]);
        assert!(c.claim_refresh(&[1; 32], t0 + FRESH / 2));
        assert!(!c.claim_refresh(&[2; 32], t0 + FRESH));
    }

    #[test]
    fn a_full_shard_drops_stale_answers_and_never_grows_past_its_bound() {
        let c = Cache::default();
        let t0 = Instant::now();
        let key = |i: usize| {
            let mut h = [0u8; 32];
            h[1..9].copy_from_slice(&(i as u64).to_le_bytes());
            h
        };
        for i in 0..PER_SHARD + 10 {
            c.put(key(i), found(1), Stamp::At(t0), 0);
        }
        assert_eq!(c.shards[0].lock().unwrap().len(), PER_SHARD);
        c.put(key(1 << 40), found(2), Stamp::At(t0 + FRESH), 0);
        assert_eq!(c.shards[0].lock().unwrap().len(), 1);
    }

    #[test]
    fn a_header_is_trusted_only_when_both_copies_agree_and_it_is_initialised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x-shm");
        let write = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            File::open(&path).unwrap()
        };
        let mut h = [5u8; HEADER];
        h[12] = 1;
        let good: Vec<u8> = [h, h].concat();
        assert_eq!(wal_header(&write(&good)), Some(h));
        let mut torn = good.clone();
        torn[HEADER + 20] ^= 1;
        assert_eq!(wal_header(&write(&torn)), None);
        let mut uninit = good.clone();
        uninit[12] = 0;
        uninit[HEADER + 12] = 0;
        assert_eq!(wal_header(&write(&uninit)), None);
        assert_eq!(wal_header(&write(&good[..50])), None);
    }
}
