//! How `serve` finds a presented token. SQLite answers from memory in
//! microseconds and never makes a reader wait for a writer, so each tokio
//! thread reads through a connection of its own, with no hand-over. On
//! PostgreSQL every lookup crosses the network to a store thread; in front
//! of them, what a lookup found is reused for at most [`FRESH`], counted
//! from before the query was sent, so a change committed anywhere is seen
//! by every request that starts [`FRESH`] after it (SPEC §9: within one
//! second). A token that was not found is never kept: a new token works at
//! once, and random tokens cannot fill the memory.

use std::cell::RefCell;
use std::collections::HashMap;
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

/// Where lookups go.
pub enum Lookup {
    /// SQLite, on the request's own thread.
    Local(Target),
    /// PostgreSQL, through the store threads and the short cache.
    Cached(Cache),
}

thread_local! {
    static LOCAL: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

impl Lookup {
    /// The way to look up tokens of `target`.
    pub fn for_target(target: &Target) -> Lookup {
        match target {
            Target::Sqlite(_) => Lookup::Local(target.clone()),
            Target::Postgres(_) => Lookup::Cached(Cache::default()),
        }
    }

    /// The token whose current or replaced secret has this hash.
    pub async fn find(&self, pool: &Pool, hash: TokenHash) -> Result<Option<Found>> {
        match self {
            Lookup::Local(target) => LOCAL.with(|cell| {
                let mut cell = cell.borrow_mut();
                let slot = cell.get_or_insert_with(|| Slot::new(target.clone()));
                slot.run(|store| one(store, hash))
            }),
            Lookup::Cached(cache) => {
                let now = Instant::now();
                if let Some(found) = cache.get(&hash, now) {
                    return Ok(Some(found));
                }
                let found = pool.run(move |store| one(store, hash)).await?;
                if let Some(f) = &found {
                    cache.put(hash, f.clone(), now);
                }
                Ok(found)
            }
        }
    }
}

impl Lookup {
    /// Forgets every answer kept: this server just changed a token, and
    /// its next request must see the change (others' changes are seen
    /// within [`FRESH`]).
    pub fn forget(&self) {
        if let Lookup::Cached(cache) = self {
            for shard in &cache.shards {
                shard.lock().unwrap_or_else(PoisonError::into_inner).clear();
            }
        }
    }
}

fn one(store: &mut dyn crate::store::Store, hash: TokenHash) -> Result<Option<Found>> {
    let mut found = Vec::with_capacity(1);
    store.lookup(std::slice::from_ref(&hash), &mut found)?;
    Ok(found.pop().flatten())
}

/// What recent lookups found, by hash, with when each was asked.
pub struct Cache {
    shards: Vec<Mutex<HashMap<TokenHash, (Found, Instant)>>>,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }
}

impl Cache {
    fn shard(
        &self,
        hash: &TokenHash,
    ) -> std::sync::MutexGuard<'_, HashMap<TokenHash, (Found, Instant)>> {
        self.shards[usize::from(hash[0]) % SHARDS]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// What a lookup asked less than [`FRESH`] before `now` found.
    pub fn get(&self, hash: &TokenHash, now: Instant) -> Option<Found> {
        let shard = self.shard(hash);
        let (found, asked) = shard.get(hash)?;
        (now.saturating_duration_since(*asked) < FRESH).then(|| found.clone())
    }

    /// Keeps what a lookup asked at `asked` found.
    pub fn put(&self, hash: TokenHash, found: Found, asked: Instant) {
        let mut shard = self.shard(&hash);
        if shard.len() >= PER_SHARD {
            shard.retain(|_, (_, at)| asked.saturating_duration_since(*at) < FRESH);
            if shard.len() >= PER_SHARD {
                return;
            }
        }
        shard.insert(hash, (found, asked));
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
    fn an_answer_is_reused_for_less_than_fresh_from_when_it_was_asked() {
        let c = Cache::default();
        let t0 = Instant::now();
        c.put([1; 32], found(1), t0);
        assert!(
            c.get(&[1; 32], t0 + FRESH - Duration::from_millis(1))
                .is_some()
        );
        assert!(c.get(&[1; 32], t0 + FRESH).is_none());
        assert!(c.get(&[2; 32], t0).is_none());
    }

    #[test]
    fn a_full_shard_drops_stale_answers_and_never_grows_past_its_bound() {
        let c = Cache::default();
        let t0 = Instant::now();
        for i in 0..PER_SHARD + 10 {
            let mut h = [0u8; 32];
            h[1..9].copy_from_slice(&(i as u64).to_le_bytes());
            c.put(h, found(1), t0);
        }
        assert_eq!(c.shards[0].lock().unwrap().len(), PER_SHARD);
        let later = t0 + FRESH;
        c.put(
            [
                0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                9, 9, 9, 9,
            ],
            found(2),
            later,
        );
        assert_eq!(c.shards[0].lock().unwrap().len(), 1);
    }
}
