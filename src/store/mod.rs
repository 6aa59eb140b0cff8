//! The one interface a backend implements: a database reached as read
//! snapshots and write transactions, each handing out typed queries. Every
//! rule lives in `core`; a store only reads and writes rows. SQLite
//! (`sqlite`) and PostgreSQL (`postgres`) are its two implementations,
//! each with its own numbered migrations.

pub mod postgres;
pub mod sqlite;

use std::path::PathBuf;

use crate::core::error::Result;
use crate::core::id::TokenId;
use crate::core::model::{Action, Event, Found, Status, Token};
use crate::core::token::TokenHash;
use crate::time::Epoch;

/// Which database, and so which backend.
#[derive(Debug, Clone)]
pub enum Target {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(Box<postgres::connect::Target>),
}

impl Target {
    /// Opens an existing database; a missing one is an error, and nothing
    /// is created.
    pub fn open_existing(&self) -> Result<Box<dyn Store>> {
        match self {
            Target::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::open_existing(path)?)),
            Target::Postgres(t) => Ok(Box::new(postgres::PgStore::open_existing(t)?)),
        }
    }

    /// Opens the database, creating it when it is missing, with `prefix`
    /// (else `tok`) for a new one.
    pub fn open_or_create(&self, prefix: Option<&str>) -> Result<Box<dyn Store>> {
        match self {
            Target::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::open(path, prefix)?)),
            Target::Postgres(t) => Ok(Box::new(postgres::PgStore::open_or_create(t, prefix)?)),
        }
    }
}

/// A tokenctl database, SQLite or PostgreSQL.
///
/// The closures passed to [`Store::read`] and [`Store::write`] may run more
/// than once (a snapshot retried, a transaction retried after a
/// serialization failure), so they must only change the database through
/// the handle they get, and collect their results afresh each time.
pub trait Store {
    /// The database as messages name it: a path, or `host:port/dbname`
    /// (never a password).
    fn name(&self) -> &str;

    /// The token prefix of this database.
    fn prefix(&self) -> &str;

    /// Whether opening it created it.
    fn created(&self) -> bool;

    /// Whether this user may only read it (verify then records no use).
    fn read_only(&self) -> bool;

    /// Runs `f` in one read snapshot.
    fn read(&mut self, f: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()>;

    /// Runs `f` once, in one read snapshot, for a reader that prints as it
    /// goes; it is never retried.
    fn read_once(&mut self, f: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()>;

    /// Runs `f` in one write transaction, committed when it returns `Ok`.
    fn write(&mut self, f: &mut dyn FnMut(&mut dyn Writer) -> Result<()>) -> Result<()>;

    /// The tokens whose current or replaced secret has these hashes, in order, as
    /// [`Reader::by_hashes`] in a snapshot of its own: what one `verify`
    /// asks, and each group of `verify --batch`. A backend may answer it
    /// with fewer round trips, since one statement is a snapshot by itself,
    /// or split a long list into parts looked up at once, each in a
    /// snapshot that begins after the one of the part before it has (no
    /// hash is then answered from older data than one before it).
    fn lookup(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()> {
        lookup_in_snapshot(self, hashes, found)
    }

    /// Records that these tokens were used at `now`, skipping any recorded
    /// after `since`, in one transaction. On a database this user may only
    /// read, it records nothing. Returns how many it wrote.
    fn record_use(&mut self, ids: &[TokenId], now: Epoch, since: Epoch) -> Result<usize> {
        if ids.is_empty() || self.read_only() {
            return Ok(0);
        }
        write(self, |w| w.record_use(ids, now, since))
    }

    /// Prepares for a long run of lookups (`verify --batch`).
    fn tune_for_batch(&mut self) -> Result<()> {
        Ok(())
    }

    /// How the database's last commit looks, read without a query, once
    /// [`Store::tune_for_batch`] has run: two equal marks, read one after
    /// the other, mean that nothing was committed between them, by any
    /// process, so what a lookup found between them is what a lookup would
    /// find again. `None` when the store cannot tell (then nothing found
    /// may be reused).
    fn commit_mark(&mut self) -> Option<CommitMark> {
        None
    }
}

/// See [`Store::commit_mark`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CommitMark(pub [u8; sqlite::wal::HEADER]);

/// Queries inside a read snapshot or a write transaction.
pub trait Reader {
    /// Whether the trail's events carry their links: false only for an
    /// older schema that a user who may not write it reads as it is.
    fn chained(&self) -> bool {
        true
    }

    /// The token with this id.
    fn get(&mut self, id: TokenId) -> Result<Option<Token>>;

    /// The tokens whose current or replaced secret has these hashes, in
    /// order; one round trip for all of them where the backend has round
    /// trips.
    fn by_hashes(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()>;

    /// Every token that passes `filter`, in id order, streamed.
    fn list(
        &mut self,
        filter: &ListFilter,
        now: Epoch,
        each: &mut dyn FnMut(Token) -> Result<()>,
    ) -> Result<()>;

    /// Whether any event names `id` (every issued token has its
    /// `created` event, kept through purge).
    fn issued(&mut self, id: TokenId) -> Result<bool>;

    /// The events that pass `filter`, oldest first, streamed.
    fn log(&mut self, filter: &LogFilter, each: &mut dyn FnMut(Event) -> Result<()>) -> Result<()>;

    /// The policy's stored pairs, key and value as set.
    fn policy(&mut self) -> Result<Vec<(String, String)>>;

    /// Whether any token (revoked or not) has exactly this owner.
    fn owner_exists(&mut self, owner: &str) -> Result<bool>;

    /// Every distinct owner, streamed (to suggest one that differs only in
    /// case).
    fn owners(&mut self, each: &mut dyn FnMut(String) -> Result<()>) -> Result<()>;

    /// The tokens of `owner` not revoked yet, in id order.
    fn live_tokens_of(&mut self, owner: &str) -> Result<Vec<Token>>;

    /// Ids of the tokens `purge` would remove: expired at or before
    /// `cutoff`, or (with `include_revoked`) revoked at or before it.
    fn purgeable(&mut self, cutoff: Epoch, include_revoked: bool) -> Result<Vec<TokenId>>;

    /// Every token with the hashes of its secrets, in id order, streamed
    /// (for `dump`).
    fn dump_tokens(&mut self, each: &mut dyn FnMut(Token, Hashes) -> Result<()>) -> Result<()>;

    /// The seq of the newest event, if any: one probe of the trail's
    /// primary key.
    fn head(&mut self) -> Result<Option<i64>>;

    /// The highest id ever issued (0 for none), purged ones included.
    fn last_id(&mut self) -> Result<i64>;

    /// Whether the database holds no token and no event.
    fn is_empty(&mut self) -> Result<bool>;
}

/// Changes, inside a write transaction; each is written with the events the
/// core appends in the same transaction.
pub trait Writer: Reader {
    /// The token with this id, locked against other writers until the
    /// transaction ends.
    fn lock(&mut self, id: TokenId) -> Result<Option<Token>>;

    /// Stores a new token; returns its id, never one issued before.
    fn insert(&mut self, row: &NewRow<'_>) -> Result<TokenId>;

    /// Sets `revoked_at`.
    fn set_revoked(&mut self, id: TokenId, at: Epoch) -> Result<()>;

    /// Revokes every token of `owner` not revoked yet; returns their ids.
    fn revoke_owner(&mut self, owner: &str, at: Epoch) -> Result<Vec<TokenId>>;

    /// Sets the disabled switch.
    fn set_disabled(&mut self, id: TokenId, disabled: bool) -> Result<()>;

    /// Gives a token a new secret: the current one becomes its replaced
    /// secret (forgetting any replaced before), and its last use is
    /// cleared.
    fn replace_secret(&mut self, id: TokenId, new: &NewSecret<'_>) -> Result<()>;

    /// Sets what `edit` (and `reset --owner`) may change.
    fn set_fields(&mut self, id: TokenId, fields: &Fields<'_>) -> Result<()>;

    /// Sets a policy key, or unsets it with `None`.
    fn set_policy(&mut self, key: &str, value: Option<&str>) -> Result<()>;

    /// Records that these tokens were used at `now`, skipping any whose use
    /// was recorded after `since`; returns how many it wrote.
    fn record_use(&mut self, ids: &[TokenId], now: Epoch, since: Epoch) -> Result<usize>;

    /// Deletes these tokens and their hashes (the trail keeps them).
    fn delete(&mut self, ids: &[TokenId]) -> Result<()>;

    /// The trail's latest event: its seq and its link, if it has one.
    /// Appending goes through `core::chain::append`, which reads this and
    /// links each new event to it.
    fn trail_end(&mut self) -> Result<Option<(i64, Option<crate::core::chain::Link>)>>;

    /// Stores events as given, seqs and links and all: new ones from
    /// `core::chain::append`, or a dump's (for `load`); a backend with
    /// round trips sends many in one.
    fn insert_events(&mut self, events: &[Event]) -> Result<()>;

    /// Stores tokens as a dump holds them, ids and all (for `load`); a
    /// backend with round trips sends many in one.
    fn restore_tokens(&mut self, tokens: &[(Token, Hashes)]) -> Result<()>;

    /// Makes sure no id up to `last` is ever issued (for `load`).
    fn set_last_id(&mut self, last: i64) -> Result<()>;
}

/// A token about to be stored, already validated by the core.
#[derive(Debug)]
pub struct NewRow<'a> {
    /// SHA-256 of the secret.
    pub hash: &'a TokenHash,
    /// Its last four characters.
    pub last4: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Owner.
    pub owner: Option<&'a str>,
    /// Scopes, sorted, without repeats.
    pub scopes: &'a [&'a str],
    /// When it was made.
    pub created_at: Epoch,
    /// Who made it.
    pub created_by: &'a str,
    /// When it expires.
    pub expires_at: Option<Epoch>,
}

/// The hashes of a token's secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashes {
    /// Of the current secret.
    pub current: TokenHash,
    /// Of the secret its latest reset replaced, if it is remembered.
    pub previous: Option<TokenHash>,
}

/// A token's new secret, from `reset`.
#[derive(Debug, Clone, Copy)]
pub struct NewSecret<'a> {
    /// SHA-256 of the new secret.
    pub hash: &'a TokenHash,
    /// Its last four characters.
    pub last4: &'a str,
    /// The token's new expiry.
    pub expires_at: Option<Epoch>,
    /// Until when the replaced secret still verifies; `None`: not at all.
    pub previous_valid_until: Option<Epoch>,
}

/// What `edit` writes: every field as it is to be.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    /// Display name.
    pub name: &'a str,
    /// Owner.
    pub owner: Option<&'a str>,
    /// Scopes, sorted, without repeats.
    pub scopes: &'a [&'a str],
    /// Expiry.
    pub expires_at: Option<Epoch>,
}

/// An event about to be appended.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    /// When.
    pub at: Epoch,
    /// The token; `None` for an event of the whole database.
    pub token_id: Option<TokenId>,
    /// What happened.
    pub action: Action,
    /// Who did it.
    pub actor: &'a str,
    /// More about it.
    pub detail: Option<&'a str>,
}

/// Which tokens `list` shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only tokens in this state (applied by the core's `Token::status`).
    pub status: Option<Status>,
    /// Only tokens of this owner.
    pub owner: Option<String>,
    /// Only tokens, not revoked, whose expiry lies in (now, now + this].
    pub expiring_within: Option<Epoch>,
    /// Only tokens with a higher id (a page after the previous one).
    pub after: Option<TokenId>,
    /// At most this many rows, counted before the status filter.
    pub limit: Option<u32>,
}

/// Which events `log` shows. Every filter narrows; `limit` applies after
/// the others.
#[derive(Debug, Clone, Default)]
pub struct LogFilter {
    /// Only the events of this token.
    pub token: Option<TokenId>,
    /// Only events at or after this time.
    pub since: Option<Epoch>,
    /// Only these actions; empty: all.
    pub actions: Vec<Action>,
    /// Only events by this actor.
    pub by: Option<String>,
    /// Only events after this seq (`log --follow`).
    pub after: Option<i64>,
    /// Only the N most recent of the events that pass, still oldest first.
    pub limit: Option<u32>,
}

impl LogFilter {
    /// The actions as a bit set of their codes, for one SQL parameter;
    /// `None`: all.
    pub fn action_mask(&self) -> Option<i64> {
        (!self.actions.is_empty()).then(|| self.actions.iter().fold(0, |m, a| m | 1 << a.code()))
    }
}

/// What a backend reads and writes a token's scopes as: sorted, space
/// separated.
pub fn join_scopes(scopes: &[&str]) -> String {
    scopes.join(" ")
}

/// The scopes stored as [`join_scopes`] wrote them.
pub fn split_scopes(stored: &str) -> Vec<String> {
    stored
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Runs `f` in a read snapshot of `store` and returns what it computed.
pub fn read<T, S: Store + ?Sized>(
    store: &mut S,
    mut f: impl FnMut(&mut dyn Reader) -> Result<T>,
) -> Result<T> {
    let mut out = None;
    store.read(&mut |r| {
        out = Some(f(r)?);
        Ok(())
    })?;
    out.ok_or_else(|| crate::core::error::runtime("a read returned nothing"))
}

/// [`Store::lookup`] as [`Reader::by_hashes`] in one [`Store::read`]: what
/// a backend's own `lookup` falls back on.
pub fn lookup_in_snapshot<S: Store + ?Sized>(
    store: &mut S,
    hashes: &[TokenHash],
    found: &mut Vec<Option<Found>>,
) -> Result<()> {
    store.read(&mut |r| {
        found.clear();
        r.by_hashes(hashes, found)
    })
}

/// Runs `f` in a write transaction of `store` and returns what it computed
/// in the run that committed.
pub fn write<T, S: Store + ?Sized>(
    store: &mut S,
    mut f: impl FnMut(&mut dyn Writer) -> Result<T>,
) -> Result<T> {
    let mut out = None;
    store.write(&mut |w| {
        out = Some(f(w)?);
        Ok(())
    })?;
    out.ok_or_else(|| crate::core::error::runtime("a write returned nothing"))
}
