//! Typed queries on the tokens table: create, look up, list, verify, and the
//! lifecycle changes, each change written with its audit event in one
//! `BEGIN IMMEDIATE` transaction.

use std::sync::LazyLock;

use rusqlite::{OptionalExtension, Row, Transaction, TransactionBehavior, params};

use super::Store;
use crate::error::{Error, Result};
use crate::model::{Action, Reason, Status, Token, Verdict};
use crate::time::Epoch;
use crate::token::{self, Secret};
use crate::validate;

const COLUMNS: &str = "id, name, owner, scopes, disabled, last4, created_at, created_by, \
                       expires_at, last_used_at, revoked_at";

/// The lookup of a presented token, formatted once: `verify --batch` runs
/// it for every line.
static BY_HASH: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM tokens WHERE id = (SELECT id FROM token_hashes WHERE hash = ?1)")
});
/// The same lookup in schema 1, where the hash was a column of `tokens`.
static BY_HASH_1: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM tokens WHERE hash = ?1"));

/// Use is recorded at most once per this many seconds per token.
const USE_GRANULARITY: Epoch = 60;

/// A well-formed presented token, reduced to what its lookup needs: its
/// prefix and hash. Once this exists, the plaintext can be wiped.
#[derive(Clone)]
pub struct Lookup {
    prefix: [u8; 16],
    prefix_len: u8,
    hash: token::TokenHash,
}

impl Lookup {
    /// `None` for a malformed token (wrong shape or checksum).
    pub fn of(presented: &str) -> Option<Lookup> {
        let prefix = token::parse(presented)?;
        let mut buf = [0u8; 16];
        buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
        Some(Lookup {
            prefix: buf,
            prefix_len: u8::try_from(prefix.len()).ok()?,
            hash: token::hash(presented),
        })
    }

    fn prefix(&self) -> &str {
        std::str::from_utf8(&self.prefix[..usize::from(self.prefix_len)]).unwrap_or_default()
    }
}

impl std::fmt::Debug for Lookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lookup({}_…)", self.prefix())
    }
}

/// What `create` needs to know; validated by [`Store::create`].
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// Display name, 1-100 characters, no control characters.
    pub name: String,
    /// The user, e-mail or application it belongs to.
    pub owner: Option<String>,
    /// Scopes to grant; empty means `read` and `write`.
    pub scopes: Vec<String>,
    /// When it expires; `None`: never.
    pub expires_at: Option<Epoch>,
}

/// Which tokens `list` shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only tokens in this state.
    pub status: Option<Status>,
    /// Only tokens of this owner.
    pub owner: Option<String>,
    /// Only tokens, not revoked, whose expiry lies in (now, now + this].
    pub expiring_within: Option<Epoch>,
}

/// Which tokens `purge` removes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Purge {
    /// Only tokens expired (or revoked) at least this many seconds ago.
    pub older_than: Epoch,
    /// Also tokens revoked at least `older_than` ago.
    pub include_revoked: bool,
    /// Report what would go, change nothing.
    pub dry_run: bool,
}

/// The outcome of a change that may already have been made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The token was changed; this is its new state.
    Done(Token),
    /// It was already so; nothing was written.
    Already(Token),
}

impl Store {
    /// Issues a token: stores its hash and returns the record and the secret,
    /// which exists nowhere else. The transaction has committed on return.
    pub fn create(&mut self, new: &NewToken, actor: &str, now: Epoch) -> Result<(Token, Secret)> {
        let actor = validate::actor(actor)?;
        let tx = self.write()?;
        let prefix = prefix(&tx)?;
        let (id, secret) = insert(&tx, &prefix, new, actor, now)?;
        let token = reread(&tx, id, &prefix)?;
        tx.commit()?;
        Ok((token, secret))
    }

    /// Issues many tokens in one transaction, for imports, seeding and
    /// benchmarks: each gets the same row and `created` audit event that
    /// [`Store::create`] writes, at a fraction of the cost of one
    /// transaction each. Returns how many were issued.
    ///
    /// `each` is called with every new token's id and secret as it is
    /// stored; keep the secrets you need and drop the rest (they are wiped).
    /// All or nothing: on an error (an invalid [`NewToken`], or an error
    /// returned by `each`) the transaction is rolled back, and any secrets
    /// already handed out belong to no token.
    pub fn create_many(
        &mut self,
        tokens: impl IntoIterator<Item = NewToken>,
        actor: &str,
        now: Epoch,
        mut each: impl FnMut(i64, Secret) -> Result<()>,
    ) -> Result<u64> {
        let actor = validate::actor(actor)?;
        let tx = self.write()?;
        let prefix = prefix(&tx)?;
        let mut n = 0;
        for new in tokens {
            let (id, secret) = insert(&tx, &prefix, &new, actor, now)?;
            each(id, secret)?;
            n += 1;
        }
        tx.commit()?;
        Ok(n)
    }

    /// The token with this id, if there is one.
    pub fn get(&self, id: u64) -> Result<Option<Token>> {
        let prefix = self.prefix()?;
        match i64::try_from(id) {
            Ok(id) => get(&self.conn, id, &prefix),
            Err(_) => Ok(None),
        }
    }

    /// The token with this id, or [`Error::NotFound`].
    pub fn require(&self, id: u64) -> Result<Token> {
        self.get(id)?.ok_or(Error::NotFound(id))
    }

    /// Calls `each` for every token that passes `filter`, in id order,
    /// without holding them all in memory.
    pub fn list(
        &self,
        filter: &ListFilter,
        now: Epoch,
        mut each: impl FnMut(Token) -> Result<()>,
    ) -> Result<()> {
        let prefix = self.prefix()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tokens
             WHERE (?1 IS NULL OR owner = ?1)
               AND (?2 IS NULL OR (revoked_at IS NULL AND expires_at > ?3 AND expires_at <= ?3 + ?2))
             ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![filter.owner, filter.expiring_within, now], |r| {
            row(r, &prefix)
        })?;
        // Status is filtered here, by Token::status, so its order has one
        // definition.
        let rows = rows.filter(|t| {
            filter
                .status
                .is_none_or(|s| t.as_ref().map_or(true, |t| t.status(now) == s))
        });
        for token in rows {
            each(token?)?;
        }
        Ok(())
    }

    /// Checks a presented token without recording its use. A malformed token
    /// is answered without touching the database.
    pub fn check(
        &self,
        presented: &str,
        required_scopes: &[String],
        now: Epoch,
    ) -> Result<Verdict> {
        match Lookup::of(presented) {
            Some(p) => self.check_presented(&p, required_scopes, now),
            None => Ok(Verdict {
                reason: Some(Reason::Malformed),
                token: None,
            }),
        }
    }

    /// [`Store::check`] of a token already parsed and hashed.
    pub fn check_presented(
        &self,
        presented: &Lookup,
        required_scopes: &[String],
        now: Epoch,
    ) -> Result<Verdict> {
        let token = self
            .conn
            .prepare_cached(if self.schema == 1 {
                &BY_HASH_1
            } else {
                &BY_HASH
            })?
            .query_row([&presented.hash[..]], |r| row(r, presented.prefix()))
            .optional()?;
        let Some(token) = token else {
            return Ok(Verdict {
                reason: Some(Reason::Unknown),
                token: None,
            });
        };
        let reason = match token.status(now) {
            Status::Revoked => Some(Reason::Revoked),
            Status::Expired => Some(Reason::Expired),
            Status::Disabled => Some(Reason::Disabled),
            Status::Active if !required_scopes.iter().all(|s| token.scopes.contains(s)) => {
                Some(Reason::MissingScope)
            }
            Status::Active => None,
        };
        Ok(Verdict {
            reason,
            token: Some(token),
        })
    }

    /// Runs `f` in one read transaction: every check in it answers from the
    /// same snapshot, taken at its first query, and SQLite's locking per
    /// statement is paid once instead of per check. `verify --batch`
    /// answers a group of lines this way. `f` may run more than once (see
    /// `frozen`), so it must only read.
    pub fn snapshot<T>(&mut self, f: impl FnMut(&Store) -> Result<T>) -> Result<T> {
        if self.frozen {
            return self.frozen_snapshot(f);
        }
        self.plain_snapshot(f)
    }

    /// [`Store::snapshot`] for a reader whose `f` cannot run twice, as it
    /// prints as it goes (`list`, `log`): on a frozen store the file is
    /// opened anew and read once, without the check that it did not change
    /// meanwhile. Nothing decides a verdict this way.
    pub fn snapshot_once<T>(&mut self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        if self.frozen {
            self.refresh_frozen()?;
        }
        let mut f = Some(f);
        self.plain_snapshot(|s| match f.take() {
            Some(f) => f(s),
            None => Err(crate::error::runtime("a snapshot ran twice")),
        })
    }

    pub(super) fn plain_snapshot<T>(&self, mut f: impl FnMut(&Store) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN")?;
        let result = f(self);
        let end = self
            .conn
            .execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        let value = result?;
        end?;
        Ok(value)
    }

    /// Checks a presented token and records its use when it is valid.
    pub fn verify(
        &mut self,
        presented: &str,
        required_scopes: &[String],
        now: Epoch,
    ) -> Result<Verdict> {
        let mut verdict = self.snapshot(|s| s.check(presented, required_scopes, now))?;
        if let Some(t) = verdict.token.as_mut().filter(|_| verdict.reason.is_none()) {
            if needs_use_recorded(t, now) && self.record_use(&[t.id], now)? > 0 {
                t.last_used_at = Some(now);
            }
        }
        Ok(verdict)
    }

    /// Whether [`Store::record_use`] would write for this verified token.
    pub fn needs_use_recorded(&self, token: &Token, now: Epoch) -> bool {
        !self.read_only() && needs_use_recorded(token, now)
    }

    /// Records that these tokens were used at `now`, in one transaction,
    /// skipping those recorded within the last minute. On a read-only
    /// database it records nothing. Returns how many rows it wrote.
    pub fn record_use(&mut self, ids: &[i64], now: Epoch) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.reopen_writable()?;
        if self.read_only {
            return Ok(0);
        }
        let tx = self.write()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE tokens SET last_used_at = ?2
                 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
            )?;
            for id in ids {
                n += stmt.execute(params![id, now, now - USE_GRANULARITY])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Revokes a token. Revoking a revoked token changes nothing.
    pub fn revoke(
        &mut self,
        id: u64,
        actor: &str,
        now: Epoch,
        detail: Option<&str>,
    ) -> Result<Change> {
        let actor = validate::actor(actor)?;
        let (tx, prefix, token) = self.lock_token(id)?;
        if token.revoked_at.is_some() {
            return Ok(Change::Already(token));
        }
        tx.prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1")?
            .execute(params![token.id, now])?;
        let token = commit_change(tx, &prefix, &token, now, Action::Revoked, actor, detail)?;
        Ok(Change::Done(token))
    }

    /// Revokes every token of `owner` that is not revoked yet, in one
    /// transaction; returns them as they are now.
    pub fn revoke_owner(&mut self, owner: &str, actor: &str, now: Epoch) -> Result<Vec<Token>> {
        let actor = validate::actor(actor)?;
        let tx = self.write()?;
        let prefix = prefix(&tx)?;
        let ids: Vec<i64> = tx
            .prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE owner = ?1 AND revoked_at IS NULL RETURNING id")?
            .query_map(params![owner, now], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut tokens = Vec::with_capacity(ids.len());
        for id in ids {
            audit(
                &tx,
                now,
                id,
                Action::Revoked,
                actor,
                Some(&format!("all tokens of owner {owner}")),
            )?;
            tokens.extend(get(&tx, id, &prefix)?);
        }
        tokens.sort_by_key(|t| t.id);
        tx.commit()?;
        Ok(tokens)
    }

    /// Whether any token in the database, revoked or not, has `owner`; if
    /// none has, [`Error::NoSuchOwner`] with the owners that differ from it
    /// only in case.
    pub fn require_owner(&self, owner: &str) -> Result<()> {
        let exists: bool = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE owner = ?1)")?
            .query_row([owner], |r| r.get(0))?;
        if exists {
            return Ok(());
        }
        let wanted = owner.to_lowercase();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT owner FROM tokens WHERE owner IS NOT NULL")?;
        let mut similar = Vec::new();
        for o in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let o = o?;
            if o.to_lowercase() == wanted && similar.len() < 5 {
                similar.push(o);
            }
        }
        similar.sort();
        Err(Error::NoSuchOwner {
            owner: owner.to_owned(),
            similar,
        })
    }

    /// The live (not revoked) tokens of `owner`, for confirming a revoke.
    pub fn live_tokens_of(&self, owner: &str) -> Result<Vec<Token>> {
        let prefix = self.prefix()?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM tokens WHERE owner = ?1 AND revoked_at IS NULL ORDER BY id"
        ))?;
        let tokens = stmt
            .query_map([owner], |r| row(r, &prefix))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(tokens)
    }

    /// Gives a token a new secret and expiry; the old secret stops verifying
    /// when this commits. A revoked token is a [`Error::Conflict`].
    pub fn reset(
        &mut self,
        id: u64,
        expires_at: Option<Epoch>,
        actor: &str,
        now: Epoch,
    ) -> Result<(Token, Secret)> {
        let actor = validate::actor(actor)?;
        let (tx, prefix, token) = self.lock_token(id)?;
        if token.revoked_at.is_some() {
            return Err(revoked_conflict("reset", id));
        }
        let secret = Secret::generate(&prefix).map_err(anyhow::Error::from)?;
        // token_hashes has no index by id (it would store every hash a
        // second time): this deletes in one scan, tens of milliseconds at a
        // million tokens, for an interactive command.
        tx.prepare_cached("DELETE FROM token_hashes WHERE id = ?1")?
            .execute([token.id])?;
        store_hash(&tx, &secret, token.id)?;
        tx.prepare_cached(
            "UPDATE tokens SET last4 = ?2, expires_at = ?3, last_used_at = NULL WHERE id = ?1",
        )?
        .execute(params![token.id, secret.last4(), expires_at])?;
        let token = commit_change(tx, &prefix, &token, now, Action::Reset, actor, None)?;
        Ok((token, secret))
    }

    /// Switches a token off (`disabled`) or on again. A revoked token is a
    /// [`Error::Conflict`]; a token already in that state changes nothing.
    pub fn set_disabled(
        &mut self,
        id: u64,
        disabled: bool,
        actor: &str,
        now: Epoch,
    ) -> Result<Change> {
        let actor = validate::actor(actor)?;
        let (tx, prefix, token) = self.lock_token(id)?;
        if token.revoked_at.is_some() {
            return Err(revoked_conflict(
                if disabled { "disable" } else { "enable" },
                id,
            ));
        }
        if token.disabled == disabled {
            return Ok(Change::Already(token));
        }
        tx.prepare_cached("UPDATE tokens SET disabled = ?2 WHERE id = ?1")?
            .execute(params![token.id, disabled])?;
        let action = if disabled {
            Action::Disabled
        } else {
            Action::Enabled
        };
        let token = commit_change(tx, &prefix, &token, now, action, actor, None)?;
        Ok(Change::Done(token))
    }

    /// Deletes expired (and, if asked, revoked) tokens, recording a `purged`
    /// event for each in the same transaction; returns their ids in order.
    /// A dry run only reads, so it works on a read-only database too.
    pub fn purge(&mut self, what: Purge, actor: &str, now: Epoch) -> Result<Vec<i64>> {
        let cutoff = now.saturating_sub(what.older_than);
        const WHERE: &str = "(expires_at <= ?1 OR (?2 AND revoked_at <= ?1))";
        if what.dry_run {
            return Ok(self
                .conn
                .prepare_cached(&format!("SELECT id FROM tokens WHERE {WHERE} ORDER BY id"))?
                .query_map(params![cutoff, what.include_revoked], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?);
        }
        // A dry run writes nothing, so it needs no actor.
        let actor = validate::actor(actor)?;
        let tx = self.write()?;
        // Three statements under one write lock, so all see the same tokens:
        // the audit rows, then the hashes (one scan of token_hashes against
        // the set of ids, as it has no index by id), then the tokens.
        let mut ids: Vec<i64> = tx
            .prepare_cached(&format!(
                "INSERT INTO audit (at, token_id, action, actor)
                 SELECT ?3, id, ?4, ?5 FROM tokens WHERE {WHERE} ORDER BY id
                 RETURNING token_id"
            ))?
            .query_map(
                params![
                    cutoff,
                    what.include_revoked,
                    now,
                    Action::Purged.code(),
                    actor
                ],
                |r| r.get(0),
            )?
            .collect::<rusqlite::Result<_>>()?;
        if ids.is_empty() {
            return Ok(ids);
        }
        ids.sort_unstable();
        tx.prepare_cached(&format!(
            "DELETE FROM token_hashes WHERE id IN (SELECT id FROM tokens WHERE {WHERE})"
        ))?
        .execute(params![cutoff, what.include_revoked])?;
        let deleted = tx
            .prepare_cached(&format!("DELETE FROM tokens WHERE {WHERE}"))?
            .execute(params![cutoff, what.include_revoked])?;
        debug_assert_eq!(deleted, ids.len());
        tx.commit()?;
        Ok(ids)
    }

    /// The start of a change to token `id`: the write lock, the prefix, and
    /// the token as it is under that lock.
    fn lock_token(&mut self, id: u64) -> Result<(Transaction<'_>, String, Token)> {
        let tx = self.write()?;
        let prefix = prefix(&tx)?;
        let token = locked(&tx, id, &prefix)?;
        Ok((tx, prefix, token))
    }

    pub(super) fn write(&mut self) -> Result<Transaction<'_>> {
        self.reopen_writable()?;
        if self.read_only {
            return Err(crate::error::runtime(format!(
                "database {} is read-only for this user",
                self.display_path()
            )));
        }
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

fn needs_use_recorded(token: &Token, now: Epoch) -> bool {
    token
        .last_used_at
        .is_none_or(|at| at <= now - USE_GRANULARITY)
}

/// Validates and stores one new token with its `created` event, inside the
/// caller's write transaction; returns its id and secret.
fn insert(
    tx: &Transaction<'_>,
    prefix: &str,
    new: &NewToken,
    actor: &str,
    now: Epoch,
) -> Result<(i64, Secret)> {
    let name = validate::name(&new.name)?;
    let owner = new.owner.as_deref().map(validate::owner).transpose()?;
    let scopes = validate::scopes(&new.scopes)?;
    let secret = Secret::generate(prefix).map_err(anyhow::Error::from)?;
    tx.prepare_cached(
        "INSERT INTO tokens (last4, name, owner, scopes, created_at, created_by, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        secret.last4(),
        name,
        owner,
        scopes.join(" "),
        now,
        actor,
        new.expires_at
    ])?;
    let id = tx.last_insert_rowid();
    store_hash(tx, &secret, id)?;
    audit(tx, now, id, Action::Created, actor, None)?;
    Ok((id, secret))
}

/// The end of a change to `token`: its audit event, then the token as the
/// change left it, committed together.
fn commit_change(
    tx: Transaction<'_>,
    prefix: &str,
    token: &Token,
    now: Epoch,
    action: Action,
    actor: &str,
    detail: Option<&str>,
) -> Result<Token> {
    audit(&tx, now, token.id, action, actor, detail)?;
    let token = reread(&tx, token.id, prefix)?;
    tx.commit()?;
    Ok(token)
}

/// A token just written in this transaction, as it now is.
fn reread(tx: &Transaction<'_>, id: i64, prefix: &str) -> Result<Token> {
    get(tx, id, prefix)?.ok_or_else(|| crate::error::runtime(format!("token {id} vanished")))
}

/// Files a secret's hash under token `id`, for verify to find it by.
fn store_hash(tx: &Transaction<'_>, secret: &Secret, id: i64) -> Result<()> {
    tx.prepare_cached("INSERT INTO token_hashes (hash, id) VALUES (?1, ?2)")?
        .execute(params![&secret.hash()[..], id])?;
    Ok(())
}

/// Exit 6: `verb` (reset, enable, disable) is refused for a revoked token.
pub(crate) fn revoked_conflict(verb: &str, id: u64) -> Error {
    Error::Conflict(format!(
        "cannot {verb} token {id}: it is revoked, and revocation is final; issue a new token with 'tokenctl create'"
    ))
}

fn prefix(conn: &rusqlite::Connection) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT value FROM meta WHERE key = 'prefix'")?
        .query_row([], |r| r.get(0))?)
}

fn get(conn: &rusqlite::Connection, id: i64, prefix: &str) -> Result<Option<Token>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM tokens WHERE id = ?1"))?
        .query_row([id], |r| row(r, prefix))
        .optional()?)
}

/// The token inside a write transaction, or [`Error::NotFound`].
fn locked(tx: &Transaction<'_>, id: u64, prefix: &str) -> Result<Token> {
    let found = match i64::try_from(id) {
        Ok(i) => get(tx, i, prefix)?,
        Err(_) => None,
    };
    found.ok_or(Error::NotFound(id))
}

pub(super) fn audit(
    conn: &rusqlite::Connection,
    at: Epoch,
    token_id: i64,
    action: Action,
    actor: &str,
    detail: Option<&str>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (at, token_id, action, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![at, token_id, action.code(), actor, detail])?;
    Ok(())
}

fn row(r: &Row<'_>, prefix: &str) -> rusqlite::Result<Token> {
    let scopes: String = r.get(3)?;
    Ok(Token {
        id: r.get(0)?,
        name: r.get(1)?,
        owner: r.get(2)?,
        scopes: scopes
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        disabled: r.get(4)?,
        last4: r.get(5)?,
        prefix: prefix.to_owned(),
        created_at: r.get(6)?,
        created_by: r.get(7)?,
        expires_at: r.get(8)?,
        last_used_at: r.get(9)?,
        revoked_at: r.get(10)?,
    })
}
