//! Every SQL statement of the SQLite store: the [`Reader`] and [`Writer`]
//! queries, run inside the read snapshot or `BEGIN IMMEDIATE` transaction
//! that `SqliteStore` opened.

use std::sync::{Arc, LazyLock};

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::core::chain::Link;
use crate::core::error::Result;
use crate::core::id::TokenId;
use crate::core::model::{Action, Event, Found, Token};
use crate::core::token::TokenHash;
use crate::store::{
    Fields, Hashes, ListFilter, LogFilter, NewRow, NewSecret, Reader, Writer, join_scopes,
    split_scopes,
};
use crate::time::Epoch;

/// A token's columns, each name after `$t` (a table's alias and a dot, or
/// nothing): a literal, so that the lookup below is one too.
macro_rules! columns {
    ($t:literal) => {
        columns!(@ $t; id, name, owner, scopes, disabled, last4, created_at, created_by,
                 expires_at, last_used_at, revoked_at, previous_valid_until)
    };
    (@ $t:literal; $first:ident $(, $c:ident)*) => {
        concat!($t, stringify!($first) $(, ", ", $t, stringify!($c))*)
    };
}

const COLUMNS: &str = columns!("");
/// The same for a schema before 4, which had no rotation with a grace
/// period (a reader that may not upgrade the database reads it so).
const COLUMNS_3: &str = "id, name, owner, scopes, disabled, last4, created_at, created_by, \
                         expires_at, last_used_at, revoked_at, NULL";

/// The schema that brought rotation with a grace period and the policy.
const ROTATION: i64 = 4;
/// The schema whose events carry their link in the hash chain.
pub(super) const CHAIN: i64 = 5;

/// `COLUMNS` of the table aliased `t`.
fn of_t(columns: &str) -> String {
    columns
        .split(", ")
        .map(|c| {
            if c == "NULL" {
                c.to_owned()
            } else {
                format!("t.{c}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The lookup of a presented token: `verify --batch` runs it for every
/// line, `serve` for every request. One probe of token_hashes' primary
/// key, then one of tokens'.
///
/// The hash comes through `(SELECT ?1)`: compared with the bare parameter
/// in a join, SQLite propagates it as a constant, which marks the
/// statement to be prepared again whenever its parameters are cleared,
/// that is at every use of a cached statement (11 µs a lookup instead of
/// 2; two scalar subqueries avoid that too, at the cost of a second probe).
///
/// A literal rather than a string built at first use: building it was 1%
/// of a `verify` process's instructions.
const BY_HASH: &str = concat!(
    "SELECT ",
    columns!("t."),
    ", h.replaced FROM token_hashes h JOIN tokens t ON t.id = h.id \
     WHERE h.hash = (SELECT ?1)"
);
/// The same lookup in schemas 2 and 3, where every hash was current.
static BY_HASH_3: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {COLUMNS_3}, 0 FROM tokens WHERE id = (SELECT id FROM token_hashes WHERE hash = ?1)"
    )
});
/// The same lookup in schema 1, where the hash was a column of `tokens`.
static BY_HASH_1: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS_3}, 0 FROM tokens WHERE hash = ?1"));

/// A connection inside a snapshot or transaction, with what its rows need.
pub(super) struct Sql<'a> {
    pub conn: &'a Connection,
    pub prefix: &'a Arc<str>,
    /// The schema version read (1 for a database a reader may not upgrade).
    pub schema: i64,
}

impl ToSql for TokenId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.get()))
    }
}

impl FromSql for TokenId {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = i64::column_result(value)?;
        TokenId::new(n).ok_or(FromSqlError::OutOfRange(n))
    }
}

impl Sql<'_> {
    /// The token columns this schema has.
    fn columns(&self) -> &'static str {
        if self.schema >= ROTATION {
            COLUMNS
        } else {
            COLUMNS_3
        }
    }

    fn row(&self, r: &Row<'_>) -> rusqlite::Result<Token> {
        let scopes = split_scopes(r.get_ref(3)?.as_str()?);
        Ok(Token {
            id: r.get(0)?,
            name: r.get(1)?,
            owner: r.get(2)?,
            scopes,
            disabled: r.get(4)?,
            last4: r.get(5)?,
            prefix: Arc::clone(self.prefix),
            created_at: r.get(6)?,
            created_by: r.get(7)?,
            expires_at: r.get(8)?,
            last_used_at: r.get(9)?,
            revoked_at: r.get(10)?,
            previous_valid_until: r.get(11)?,
        })
    }
}

impl Reader for Sql<'_> {
    fn chained(&self) -> bool {
        self.schema >= CHAIN
    }

    fn get(&mut self, id: TokenId) -> Result<Option<Token>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM tokens WHERE id = ?1",
                self.columns()
            ))?
            .query_row([id], |r| self.row(r))
            .optional()?)
    }

    fn by_hashes(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()> {
        // No round trips to save: one indexed lookup each.
        let mut stmt = self.conn.prepare_cached(match self.schema {
            1 => BY_HASH_1.as_str(),
            ROTATION.. => BY_HASH,
            _ => BY_HASH_3.as_str(),
        })?;
        for hash in hashes {
            found.push(
                stmt.query_row([&hash[..]], |r| {
                    Ok(Found {
                        token: self.row(r)?,
                        replaced: r.get(12)?,
                    })
                })
                .optional()?,
            );
        }
        Ok(())
    }

    fn list(
        &mut self,
        filter: &ListFilter,
        now: Epoch,
        each: &mut dyn FnMut(Token) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM tokens
             WHERE (?1 IS NULL OR owner = ?1)
               AND (?2 IS NULL OR (revoked_at IS NULL AND expires_at > ?3 AND expires_at <= ?3 + ?2))
               AND (?4 IS NULL OR id > ?4)
             ORDER BY id
             LIMIT coalesce(?5, -1)",
            self.columns()
        ))?;
        let rows = stmt.query_map(
            params![
                filter.owner,
                filter.expiring_within,
                now,
                filter.after,
                filter.limit
            ],
            |r| self.row(r),
        )?;
        for token in rows {
            each(token?)?;
        }
        Ok(())
    }

    fn issued(&mut self, id: TokenId) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM audit WHERE token_id = ?1)")?
            .query_row([id], |r| r.get(0))?)
    }

    fn log(&mut self, filter: &LogFilter, each: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
        // The most recent N that pass, oldest first, without a sort:
        // everything that passes after the (N+1)-th most recent that does,
        // in seq order (the primary key). One statement, so the bound and
        // the rows come from one snapshot. ?3 holds the actions as bits of
        // their codes.
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT seq, at, token_id, action, actor, detail, {} FROM audit a
             WHERE (?1 IS NULL OR token_id = ?1)
               AND (?2 IS NULL OR at >= ?2)
               AND (?3 IS NULL OR (?3 >> action) & 1)
               AND (?4 IS NULL OR actor = ?4)
               AND (?5 IS NULL OR seq > ?5)
               AND (?6 IS NULL OR seq > ifnull(
                     (SELECT seq FROM audit
                      WHERE (?1 IS NULL OR token_id = ?1)
                        AND (?2 IS NULL OR at >= ?2)
                        AND (?3 IS NULL OR (?3 >> action) & 1)
                        AND (?4 IS NULL OR actor = ?4)
                        AND (?5 IS NULL OR seq > ?5)
                      ORDER BY seq DESC LIMIT 1 OFFSET ?6),
                     a.seq - 1))
             ORDER BY seq",
            // An older schema a reader may not upgrade has no links yet.
            if self.schema >= CHAIN { "hash" } else { "NULL" }
        ))?;
        let rows = stmt.query_map(
            params![
                filter.token,
                filter.since,
                filter.action_mask(),
                filter.by,
                filter.after,
                filter.limit.map(i64::from)
            ],
            event_row,
        )?;
        for event in rows {
            each(event?)?;
        }
        Ok(())
    }

    fn policy(&mut self) -> Result<Vec<(String, String)>> {
        if self.schema < ROTATION {
            return Ok(Vec::new());
        }
        Ok(self
            .conn
            .prepare_cached("SELECT key, value FROM policy ORDER BY key")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn owner_exists(&mut self, owner: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM tokens WHERE owner = ?1)")?
            .query_row([owner], |r| r.get(0))?)
    }

    fn owners(&mut self, each: &mut dyn FnMut(String) -> Result<()>) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT owner FROM tokens WHERE owner IS NOT NULL")?;
        for owner in stmt.query_map([], |r| r.get::<_, String>(0))? {
            each(owner?)?;
        }
        Ok(())
    }

    fn live_tokens_of(&mut self, owner: &str) -> Result<Vec<Token>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM tokens WHERE owner = ?1 AND revoked_at IS NULL ORDER BY id",
            self.columns()
        ))?;
        let tokens = stmt
            .query_map([owner], |r| self.row(r))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(tokens)
    }

    fn purgeable(&mut self, cutoff: Epoch, include_revoked: bool) -> Result<Vec<TokenId>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id FROM tokens WHERE expires_at <= ?1 OR (?2 AND revoked_at <= ?1) ORDER BY id",
            )?
            .query_map(params![cutoff, include_revoked], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn dump_tokens(&mut self, each: &mut dyn FnMut(Token, Hashes) -> Result<()>) -> Result<()> {
        // token_hashes has no index by id: one scan of it joined to tokens
        // by their primary key, sorted once; a token's current hash comes
        // before its replaced one.
        let sql = match self.schema {
            1 => format!("SELECT {COLUMNS_3}, hash, 0 FROM tokens ORDER BY id"),
            s => format!(
                "SELECT {}, h.hash, {} AS replaced FROM token_hashes h JOIN tokens t ON t.id = h.id
                 ORDER BY t.id, replaced",
                of_t(self.columns()),
                if s >= ROTATION { "h.replaced" } else { "0" }
            ),
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([])?;
        let mut pending: Option<(Token, Hashes)> = None;
        while let Some(r) = rows.next()? {
            let hash: Vec<u8> = r.get(12)?;
            let replaced: bool = r.get(13)?;
            let id: TokenId = r.get(0)?;
            let hash: TokenHash = hash.try_into().map_err(|_| {
                crate::core::error::runtime(format!("token {id} has a hash that is not 32 bytes"))
            })?;
            match &mut pending {
                Some((t, h)) if t.id == id && replaced => h.previous = Some(hash),
                _ if replaced => {
                    return Err(crate::core::error::runtime(format!(
                        "token {id} has a replaced secret but no current one"
                    )));
                }
                _ => {
                    if let Some((t, h)) = pending.take() {
                        each(t, h)?;
                    }
                    pending = Some((
                        self.row(r)?,
                        Hashes {
                            current: hash,
                            previous: None,
                        },
                    ));
                }
            }
        }
        if let Some((t, h)) = pending {
            each(t, h)?;
        }
        Ok(())
    }

    fn head(&mut self) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT max(seq) FROM audit")?
            .query_row([], |r| r.get(0))?)
    }

    fn last_id(&mut self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'tokens'), 0)",
            )?
            .query_row([], |r| r.get(0))?)
    }

    fn is_empty(&mut self) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT NOT EXISTS (SELECT 1 FROM tokens) AND NOT EXISTS (SELECT 1 FROM audit)",
            )?
            .query_row([], |r| r.get(0))?)
    }
}

impl Writer for Sql<'_> {
    fn lock(&mut self, id: TokenId) -> Result<Option<Token>> {
        // BEGIN IMMEDIATE already holds the database's one write lock.
        self.get(id)
    }

    fn insert(&mut self, row: &NewRow<'_>) -> Result<TokenId> {
        self.conn
            .prepare_cached(
                "INSERT INTO tokens (last4, name, owner, scopes, created_at, created_by, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                row.last4,
                row.name,
                row.owner,
                join_scopes(row.scopes),
                row.created_at,
                row.created_by,
                row.expires_at
            ])?;
        let id = TokenId::new(self.conn.last_insert_rowid()).ok_or_else(|| {
            crate::core::error::runtime("SQLite issued an id that is not positive")
        })?;
        store_hash(self.conn, row.hash, id, false)?;
        Ok(id)
    }

    fn set_revoked(&mut self, id: TokenId, at: Epoch) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE tokens SET revoked_at = ?2 WHERE id = ?1")?
            .execute(params![id, at])?;
        Ok(())
    }

    fn revoke_owner(&mut self, owner: &str, at: Epoch) -> Result<Vec<TokenId>> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE tokens SET revoked_at = ?2 WHERE owner = ?1 AND revoked_at IS NULL RETURNING id",
            )?
            .query_map(params![owner, at], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn set_disabled(&mut self, id: TokenId, disabled: bool) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE tokens SET disabled = ?2 WHERE id = ?1")?
            .execute(params![id, disabled])?;
        Ok(())
    }

    fn replace_secret(&mut self, id: TokenId, new: &NewSecret<'_>) -> Result<()> {
        // token_hashes has no index by id (it would store every hash a
        // second time): one scan finds the token's hashes, tens of
        // milliseconds at a million tokens, for an interactive command;
        // then each is changed by its primary key.
        let held: Vec<(Vec<u8>, bool)> = self
            .conn
            .prepare_cached("SELECT hash, replaced FROM token_hashes WHERE id = ?1")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (hash, replaced) in &held {
            let sql = if *replaced {
                "DELETE FROM token_hashes WHERE hash = ?1"
            } else {
                "UPDATE token_hashes SET replaced = 1 WHERE hash = ?1"
            };
            self.conn.prepare_cached(sql)?.execute([hash])?;
        }
        store_hash(self.conn, new.hash, id, false)?;
        self.conn
            .prepare_cached(
                "UPDATE tokens SET last4 = ?2, expires_at = ?3, previous_valid_until = ?4,
                        last_used_at = NULL
                 WHERE id = ?1",
            )?
            .execute(params![
                id,
                new.last4,
                new.expires_at,
                new.previous_valid_until
            ])?;
        Ok(())
    }

    fn set_fields(&mut self, id: TokenId, f: &Fields<'_>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE tokens SET name = ?2, owner = ?3, scopes = ?4, expires_at = ?5 WHERE id = ?1",
            )?
            .execute(params![id, f.name, f.owner, join_scopes(f.scopes), f.expires_at])?;
        Ok(())
    }

    fn set_policy(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self
                .conn
                .prepare_cached(
                    "INSERT INTO policy (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )?
                .execute([key, v])?,
            None => self
                .conn
                .prepare_cached("DELETE FROM policy WHERE key = ?1")?
                .execute([key])?,
        };
        Ok(())
    }

    fn record_use(&mut self, ids: &[TokenId], now: Epoch, since: Epoch) -> Result<usize> {
        let mut stmt = self.conn.prepare_cached(
            "UPDATE tokens SET last_used_at = ?2
             WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at <= ?3)",
        )?;
        let mut n = 0;
        for id in ids {
            n += stmt.execute(params![id, now, since])?;
        }
        Ok(n)
    }

    fn delete(&mut self, ids: &[TokenId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        // The hashes go in one scan of token_hashes (it has no index by
        // id) against a temporary set of the ids.
        self.conn.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS doomed (id INTEGER PRIMARY KEY); DELETE FROM doomed;",
        )?;
        {
            let mut add = self
                .conn
                .prepare_cached("INSERT INTO doomed (id) VALUES (?1)")?;
            for id in ids {
                add.execute([id])?;
            }
        }
        self.conn.execute_batch(
            "DELETE FROM token_hashes WHERE id IN (SELECT id FROM doomed);
             DELETE FROM tokens WHERE id IN (SELECT id FROM doomed);
             DELETE FROM doomed;",
        )?;
        Ok(())
    }

    fn trail_end(&mut self) -> Result<Option<(i64, Option<Link>)>> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, link_of(r.get_ref(1)?))))
            .optional()?)
    }

    fn insert_events(&mut self, events: &[Event]) -> Result<()> {
        let mut insert = self.conn.prepare_cached(
            "INSERT INTO audit (seq, at, token_id, action, actor, detail, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for e in events {
            insert.execute(params![
                e.seq,
                e.at,
                e.token_id,
                e.action.code(),
                e.actor,
                e.detail,
                e.hash.as_ref().map(|h| &h[..])
            ])?;
        }
        Ok(())
    }

    fn set_last_id(&mut self, last: i64) -> Result<()> {
        // AUTOINCREMENT keeps the highest id issued in sqlite_sequence.
        let updated = self
            .conn
            .prepare_cached("UPDATE sqlite_sequence SET seq = max(seq, ?1) WHERE name = 'tokens'")?
            .execute([last])?;
        if updated == 0 {
            self.conn
                .prepare_cached("INSERT INTO sqlite_sequence (name, seq) VALUES ('tokens', ?1)")?
                .execute([last])?;
        }
        Ok(())
    }

    fn restore_tokens(&mut self, tokens: &[(Token, Hashes)]) -> Result<()> {
        for (t, hash) in tokens {
            self.restore_token(t, hash)?;
        }
        Ok(())
    }
}

impl Sql<'_> {
    fn restore_token(&mut self, t: &Token, hashes: &Hashes) -> Result<()> {
        self.conn
            .prepare_cached(&format!(
                "INSERT INTO tokens ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))?
            .execute(params![
                t.id,
                t.name,
                t.owner,
                t.scopes.join(" "),
                t.disabled,
                t.last4,
                t.created_at,
                t.created_by,
                t.expires_at,
                t.last_used_at,
                t.revoked_at,
                t.previous_valid_until
            ])?;
        store_hash(self.conn, &hashes.current, t.id, false)?;
        if let Some(previous) = &hashes.previous {
            store_hash(self.conn, previous, t.id, true)?;
        }
        Ok(())
    }
}

/// Files a secret's hash under token `id`, for verify to find it by.
fn store_hash(conn: &Connection, hash: &TokenHash, id: TokenId, replaced: bool) -> Result<()> {
    conn.prepare_cached("INSERT INTO token_hashes (hash, id, replaced) VALUES (?1, ?2, ?3)")?
        .execute(params![&hash[..], id, replaced])?;
    Ok(())
}

/// An event of the `log` query's columns.
pub(super) fn event_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    let code: i64 = r.get(3)?;
    Ok(Event {
        seq: r.get(0)?,
        at: r.get(1)?,
        token_id: r.get(2)?,
        action: Action::from_code(code).ok_or(rusqlite::Error::IntegralValueOutOfRange(3, code))?,
        actor: r.get(4)?,
        detail: r.get(5)?,
        hash: link_of(r.get_ref(6)?),
    })
}

/// A stored link, or `None` for a value that cannot be one (a row edited
/// by hand): the chain's check then names it.
fn link_of(v: ValueRef<'_>) -> Option<Link> {
    match v {
        ValueRef::Blob(b) => Link::try_from(b).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{COLUMNS, COLUMNS_3, of_t};

    #[test]
    fn the_aliased_columns_are_the_columns() {
        assert_eq!(
            COLUMNS,
            "id, name, owner, scopes, disabled, last4, created_at, created_by, \
             expires_at, last_used_at, revoked_at, previous_valid_until"
        );
        assert_eq!(COLUMNS_3, COLUMNS.replace("previous_valid_until", "NULL"));
        assert_eq!(columns!("t."), of_t(COLUMNS));
        assert!(super::BY_HASH.starts_with(&format!("SELECT {}, h.replaced ", of_t(COLUMNS))));
    }
}
