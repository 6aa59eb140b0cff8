//! Every SQL statement of the PostgreSQL store: the [`Reader`] and
//! [`Writer`] queries, inside the transaction `PgStore` started, each
//! prepared once per connection.

use std::collections::HashMap;
use std::sync::Arc;

use postgres::fallible_iterator::FallibleIterator;
use postgres::types::{ToSql, Type};
use postgres::{Row, Statement, Transaction};

use crate::core::chain::Link;
use crate::core::error::{Result, runtime};
use crate::core::id::TokenId;
use crate::core::model::{Action, Event, Found, Token};
use crate::core::token::TokenHash;
use crate::store::{
    Fields, Hashes, ListFilter, LogFilter, NewRow, NewSecret, Reader, Writer, join_scopes,
    split_scopes,
};
use crate::time::Epoch;

/// The columns of a token, as a literal so statements stay `&'static str`,
/// the keys of the prepared-statement cache.
macro_rules! columns {
    () => {
        "t.id, t.name, t.owner, t.scopes, t.disabled, t.last4, t.created_at, \
         t.created_by, t.expires_at, t.last_used_at, t.revoked_at, t.previous_valid_until"
    };
}

/// A transaction, with what its rows need and the connection's prepared
/// statements.
pub(super) struct Pg<'a, 'b> {
    pub tx: &'a mut Transaction<'b>,
    pub prefix: &'a Arc<str>,
    pub statements: &'a mut HashMap<&'static str, Statement>,
    /// The trail's end as read under the write lock, then as this
    /// transaction's appends moved it; `None` until read.
    pub trail: Option<Option<(i64, Option<Link>)>>,
}

fn id_of(n: i64) -> Result<TokenId> {
    TokenId::new(n).ok_or_else(|| {
        runtime(format!(
            "PostgreSQL returned the id {n}, which is not positive"
        ))
    })
}

fn ids_of(rows: Vec<Row>) -> Result<Vec<TokenId>> {
    rows.iter().map(|r| id_of(r.get(0))).collect()
}

fn hash_of(bytes: &[u8]) -> Result<TokenHash> {
    bytes
        .try_into()
        .map_err(|_| runtime("a stored hash is not 32 bytes"))
}

/// The lookup of presented tokens by their hashes.
pub(super) const BY_HASHES: &str = concat!(
    "SELECT ",
    columns!(),
    ", h.hash, h.replaced FROM token_hashes h JOIN tokens t ON t.id = h.id WHERE h.hash = ANY($1)"
);

/// The rows of [`BY_HASHES`] as answers in the order of `hashes`: the same
/// secret twice gets the same answer twice.
pub(super) fn answer_in_order(
    rows: &[Row],
    hashes: &[TokenHash],
    prefix: &Arc<str>,
    found: &mut Vec<Option<Found>>,
) -> Result<()> {
    let mut by_hash: HashMap<TokenHash, Found> = HashMap::with_capacity(rows.len());
    for r in rows {
        let hash: &[u8] = r.get(12);
        let found = Found {
            token: Pg::token_of(r, prefix)?,
            replaced: r.get(13),
        };
        by_hash.insert(hash_of(hash)?, found);
    }
    found.extend(hashes.iter().map(|h| by_hash.get(h).cloned()));
    Ok(())
}

/// tokenctl's advisory lock for writing ("tokenwri"), as `lock_writers`
/// and the migration 0003 spell it.
pub(super) const WRITE_LOCK: i64 = 0x746f_6b65_6e77_7269;

impl Pg<'_, '_> {
    /// Waits for the database's write lock, held until the transaction
    /// ends.
    ///
    /// The trail's end comes back in the same round trip: a second
    /// statement of one simple query, which (READ COMMITTED) reads from a
    /// snapshot taken after the first has the lock. Nearly every write
    /// appends to the trail, and a `create` is a handful of round trips.
    /// (Ordered by the column, not by the text it is shown as: "9" sorts
    /// after "10".)
    pub fn lock_writers(&mut self) -> Result<()> {
        use postgres::SimpleQueryMessage;
        let sql = format!(
            "SELECT pg_advisory_xact_lock({WRITE_LOCK});
             SELECT seq::text, encode(hash, 'hex') FROM audit ORDER BY audit.seq DESC LIMIT 1"
        );
        let messages = self.tx.simple_query(&sql)?;
        let mut statements = 0;
        let mut end = None;
        for m in &messages {
            match m {
                SimpleQueryMessage::CommandComplete(_) => statements += 1,
                SimpleQueryMessage::Row(r) if statements == 1 => {
                    let seq = r
                        .get(0)
                        .and_then(|v| v.parse::<i64>().ok())
                        .ok_or_else(|| runtime("the trail's last seq is not a number"))?;
                    end = Some((seq, r.get(1).and_then(crate::core::chain::unhex)));
                }
                _ => {}
            }
        }
        if statements != 2 {
            return Err(runtime("the write lock's query did not run whole"));
        }
        self.trail = Some(end);
        Ok(())
    }

    /// The statement for `sql`, prepared on first use.
    fn stmt(&mut self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.statements.insert(sql, s.clone());
        Ok(s)
    }

    fn query(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let s = self.stmt(sql)?;
        Ok(self.tx.query(&s, params)?)
    }

    fn execute(&mut self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let s = self.stmt(sql)?;
        Ok(self.tx.execute(&s, params)?)
    }

    /// Streams the rows of `sql` to `each`, without holding them all.
    fn stream(
        &mut self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let s = self.stmt(sql)?;
        let mut rows = self.tx.query_raw(&s, params.iter().copied())?;
        while let Some(row) = rows.next()? {
            each(&row)?;
        }
        Ok(())
    }

    fn token(&self, r: &Row) -> Result<Token> {
        Pg::token_of(r, self.prefix)
    }
}

impl Reader for Pg<'_, '_> {
    fn get(&mut self, id: TokenId) -> Result<Option<Token>> {
        let rows = self.query(
            concat!("SELECT ", columns!(), " FROM tokens t WHERE t.id = $1"),
            &[&id.get()],
        )?;
        rows.first().map(|r| self.token(r)).transpose()
    }

    fn by_hashes(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()> {
        if hashes.is_empty() {
            return Ok(());
        }
        // One round trip for the whole group.
        let wanted: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        let rows = self.query(BY_HASHES, &[&wanted])?;
        answer_in_order(&rows, hashes, self.prefix, found)
    }

    fn list(
        &mut self,
        filter: &ListFilter,
        now: Epoch,
        each: &mut dyn FnMut(Token) -> Result<()>,
    ) -> Result<()> {
        let prefix = Arc::clone(self.prefix);
        self.stream(
            concat!(
                "SELECT ",
                columns!(),
                " FROM tokens t
                 WHERE ($1::text IS NULL OR t.owner = $1)
                   AND ($2::bigint IS NULL OR (t.revoked_at IS NULL AND t.expires_at > $3
                        AND t.expires_at <= $3 + $2))
                   AND ($4::bigint IS NULL OR t.id > $4)
                 ORDER BY t.id
                 LIMIT $5::bigint"
            ),
            &[
                &filter.owner,
                &filter.expiring_within,
                &now,
                &filter.after.map(TokenId::get),
                &filter.limit.map(i64::from),
            ],
            &mut |r| each(Pg::token_of(r, &prefix)?),
        )
    }

    fn issued(&mut self, id: TokenId) -> Result<bool> {
        let rows = self.query(
            "SELECT EXISTS (SELECT 1 FROM audit WHERE token_id = $1)",
            &[&id.get()],
        )?;
        Ok(rows.first().is_some_and(|r| r.get(0)))
    }

    fn log(&mut self, filter: &LogFilter, each: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
        let token = filter.token.map(TokenId::get);
        let limit = filter.limit.map(i64::from);
        // As SQLite's: everything that passes after the (N+1)-th most
        // recent event that does; $3 holds the actions as bits of their
        // codes.
        self.stream(
            "SELECT seq, at, token_id, action, actor, detail, hash FROM audit a
             WHERE ($1::bigint IS NULL OR token_id = $1)
               AND ($2::bigint IS NULL OR at >= $2)
               AND ($3::bigint IS NULL OR ($3 >> action::int) & 1 = 1)
               AND ($4::text IS NULL OR actor = $4)
               AND ($5::bigint IS NULL OR seq > $5)
               AND ($6::bigint IS NULL OR seq > coalesce(
                     (SELECT seq FROM audit
                      WHERE ($1::bigint IS NULL OR token_id = $1)
                        AND ($2::bigint IS NULL OR at >= $2)
                        AND ($3::bigint IS NULL OR ($3 >> action::int) & 1 = 1)
                        AND ($4::text IS NULL OR actor = $4)
                        AND ($5::bigint IS NULL OR seq > $5)
                      ORDER BY seq DESC LIMIT 1 OFFSET $6),
                     a.seq - 1))
             ORDER BY seq",
            &[
                &token,
                &filter.since,
                &filter.action_mask(),
                &filter.by,
                &filter.after,
                &limit,
            ],
            &mut |r| each(event_row(r)?),
        )
    }

    fn policy(&mut self) -> Result<Vec<(String, String)>> {
        let rows = self.query("SELECT key, value FROM policy ORDER BY key", &[])?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn owner_exists(&mut self, owner: &str) -> Result<bool> {
        let rows = self.query(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE owner = $1)",
            &[&owner],
        )?;
        Ok(rows.first().is_some_and(|r| r.get(0)))
    }

    fn owners(&mut self, each: &mut dyn FnMut(String) -> Result<()>) -> Result<()> {
        self.stream(
            "SELECT DISTINCT owner FROM tokens WHERE owner IS NOT NULL",
            &[],
            &mut |r| each(r.get(0)),
        )
    }

    fn live_tokens_of(&mut self, owner: &str) -> Result<Vec<Token>> {
        let rows = self.query(
            concat!(
                "SELECT ",
                columns!(),
                " FROM tokens t WHERE t.owner = $1 AND t.revoked_at IS NULL ORDER BY t.id"
            ),
            &[&owner],
        )?;
        rows.iter().map(|r| self.token(r)).collect()
    }

    fn purgeable(&mut self, cutoff: Epoch, include_revoked: bool) -> Result<Vec<TokenId>> {
        let rows = self.query(
            "SELECT id FROM tokens WHERE expires_at <= $1 OR ($2 AND revoked_at <= $1) ORDER BY id",
            &[&cutoff, &include_revoked],
        )?;
        ids_of(rows)
    }

    fn dump_tokens(&mut self, each: &mut dyn FnMut(Token, Hashes) -> Result<()>) -> Result<()> {
        let prefix = Arc::clone(self.prefix);
        // A token's current hash first, then its replaced one; the array
        // keeps them in that order.
        self.stream(
            concat!(
                "SELECT ",
                columns!(),
                ", (SELECT array_agg(h.hash ORDER BY h.replaced) FROM token_hashes h
                    WHERE h.id = t.id),
                   (SELECT array_agg(h.replaced ORDER BY h.replaced) FROM token_hashes h
                    WHERE h.id = t.id)
                 FROM tokens t ORDER BY t.id"
            ),
            &[],
            &mut |r| {
                let token = Pg::token_of(r, &prefix)?;
                let hashes: Vec<Vec<u8>> = r.get::<_, Option<_>>(12).unwrap_or_default();
                let replaced: Vec<bool> = r.get::<_, Option<_>>(13).unwrap_or_default();
                let hashes = match (hashes.as_slice(), replaced.as_slice()) {
                    ([current], [false]) => Hashes {
                        current: hash_of(current)?,
                        previous: None,
                    },
                    ([current, previous], [false, true]) => Hashes {
                        current: hash_of(current)?,
                        previous: Some(hash_of(previous)?),
                    },
                    _ => {
                        return Err(runtime(format!(
                            "token {} does not have exactly one current secret",
                            token.id
                        )));
                    }
                };
                each(token, hashes)
            },
        )
    }

    fn head(&mut self) -> Result<Option<i64>> {
        let rows = self.query("SELECT max(seq) FROM audit", &[])?;
        Ok(rows.first().and_then(|r| r.get(0)))
    }

    fn last_id(&mut self) -> Result<i64> {
        let rows = self.query(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END
             FROM tokens_id_seq",
            &[],
        )?;
        Ok(rows.first().map_or(0, |r| r.get(0)))
    }

    fn is_empty(&mut self) -> Result<bool> {
        let rows = self.query(
            "SELECT NOT EXISTS (SELECT 1 FROM tokens) AND NOT EXISTS (SELECT 1 FROM audit)",
            &[],
        )?;
        Ok(rows.first().is_some_and(|r| r.get(0)))
    }
}

impl Pg<'_, '_> {
    fn token_of(r: &Row, prefix: &Arc<str>) -> Result<Token> {
        let scopes: String = r.get(3);
        Ok(Token {
            id: id_of(r.get(0))?,
            name: r.get(1),
            owner: r.get(2),
            scopes: split_scopes(&scopes),
            disabled: r.get(4),
            last4: r.get(5),
            prefix: Arc::clone(prefix),
            created_at: r.get(6),
            created_by: r.get(7),
            expires_at: r.get(8),
            last_used_at: r.get(9),
            revoked_at: r.get(10),
            previous_valid_until: r.get(11),
        })
    }
}

impl Writer for Pg<'_, '_> {
    fn lock(&mut self, id: TokenId) -> Result<Option<Token>> {
        let rows = self.query(
            concat!(
                "SELECT ",
                columns!(),
                " FROM tokens t WHERE t.id = $1 FOR UPDATE"
            ),
            &[&id.get()],
        )?;
        rows.first().map(|r| self.token(r)).transpose()
    }

    fn insert(&mut self, row: &NewRow<'_>) -> Result<TokenId> {
        let scopes = join_scopes(row.scopes);
        let rows = self.query(
            "INSERT INTO tokens (last4, name, owner, scopes, created_at, created_by, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            &[
                &row.last4,
                &row.name,
                &row.owner,
                &scopes,
                &row.created_at,
                &row.created_by,
                &row.expires_at,
            ],
        )?;
        let id = id_of(rows.first().map_or(0, |r| r.get(0)))?;
        self.execute(
            "INSERT INTO token_hashes (hash, id) VALUES ($1, $2)",
            &[&&row.hash[..], &id.get()],
        )?;
        Ok(id)
    }

    fn set_revoked(&mut self, id: TokenId, at: Epoch) -> Result<()> {
        self.execute(
            "UPDATE tokens SET revoked_at = $2 WHERE id = $1",
            &[&id.get(), &at],
        )?;
        Ok(())
    }

    fn revoke_owner(&mut self, owner: &str, at: Epoch) -> Result<Vec<TokenId>> {
        let rows = self.query(
            "UPDATE tokens SET revoked_at = $2 WHERE owner = $1 AND revoked_at IS NULL RETURNING id",
            &[&owner, &at],
        )?;
        ids_of(rows)
    }

    fn set_disabled(&mut self, id: TokenId, disabled: bool) -> Result<()> {
        self.execute(
            "UPDATE tokens SET disabled = $2 WHERE id = $1",
            &[&id.get(), &disabled],
        )?;
        Ok(())
    }

    fn replace_secret(&mut self, id: TokenId, new: &NewSecret<'_>) -> Result<()> {
        self.execute(
            "DELETE FROM token_hashes WHERE id = $1 AND replaced",
            &[&id.get()],
        )?;
        self.execute(
            "UPDATE token_hashes SET replaced = true WHERE id = $1",
            &[&id.get()],
        )?;
        self.execute(
            "INSERT INTO token_hashes (hash, id) VALUES ($1, $2)",
            &[&&new.hash[..], &id.get()],
        )?;
        self.execute(
            "UPDATE tokens SET last4 = $2, expires_at = $3, previous_valid_until = $4,
                    last_used_at = NULL
             WHERE id = $1",
            &[
                &id.get(),
                &new.last4,
                &new.expires_at,
                &new.previous_valid_until,
            ],
        )?;
        Ok(())
    }

    fn set_fields(&mut self, id: TokenId, f: &Fields<'_>) -> Result<()> {
        let scopes = join_scopes(f.scopes);
        self.execute(
            "UPDATE tokens SET name = $2, owner = $3, scopes = $4, expires_at = $5 WHERE id = $1",
            &[&id.get(), &f.name, &f.owner, &scopes, &f.expires_at],
        )?;
        Ok(())
    }

    fn set_policy(&mut self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.execute(
                "INSERT INTO policy (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &v],
            )?,
            None => self.execute("DELETE FROM policy WHERE key = $1", &[&key])?,
        };
        Ok(())
    }

    fn record_use(&mut self, ids: &[TokenId], now: Epoch, since: Epoch) -> Result<usize> {
        let ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        let n = self.execute(
            "UPDATE tokens SET last_used_at = $2
             WHERE id = ANY($1) AND (last_used_at IS NULL OR last_used_at <= $3)",
            &[&ids, &now, &since],
        )?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    fn delete(&mut self, ids: &[TokenId]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
        // The hashes go with them (ON DELETE CASCADE).
        self.execute("DELETE FROM tokens WHERE id = ANY($1)", &[&ids])?;
        Ok(())
    }

    fn trail_end(&mut self) -> Result<Option<(i64, Option<Link>)>> {
        if let Some(end) = self.trail {
            return Ok(end);
        }
        let rows = self.query("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
        Ok(rows.first().map(|r| (r.get(0), link_of(r.get(1)))))
    }

    /// One statement per chunk: columns as arrays, unnested into rows.
    fn restore_tokens(&mut self, tokens: &[(Token, Hashes)]) -> Result<()> {
        let ids: Vec<i64> = tokens.iter().map(|(t, _)| t.id.get()).collect();
        let names: Vec<&str> = tokens.iter().map(|(t, _)| t.name.as_str()).collect();
        let owners: Vec<Option<&str>> = tokens.iter().map(|(t, _)| t.owner.as_deref()).collect();
        let scopes: Vec<String> = tokens.iter().map(|(t, _)| t.scopes.join(" ")).collect();
        let disabled: Vec<bool> = tokens.iter().map(|(t, _)| t.disabled).collect();
        let last4: Vec<&str> = tokens.iter().map(|(t, _)| t.last4.as_str()).collect();
        let created_at: Vec<i64> = tokens.iter().map(|(t, _)| t.created_at).collect();
        let created_by: Vec<&str> = tokens.iter().map(|(t, _)| t.created_by.as_str()).collect();
        let expires_at: Vec<Option<i64>> = tokens.iter().map(|(t, _)| t.expires_at).collect();
        let last_used_at: Vec<Option<i64>> = tokens.iter().map(|(t, _)| t.last_used_at).collect();
        let revoked_at: Vec<Option<i64>> = tokens.iter().map(|(t, _)| t.revoked_at).collect();
        let previous_valid_until: Vec<Option<i64>> =
            tokens.iter().map(|(t, _)| t.previous_valid_until).collect();
        let mut hashes: Vec<&[u8]> = Vec::with_capacity(tokens.len());
        let mut hash_ids: Vec<i64> = Vec::with_capacity(tokens.len());
        let mut replaced: Vec<bool> = Vec::with_capacity(tokens.len());
        for (t, h) in tokens {
            let previous = h.previous.as_ref().map(|p| (p, true));
            for (hash, old) in std::iter::once((&h.current, false)).chain(previous) {
                hashes.push(&hash[..]);
                hash_ids.push(t.id.get());
                replaced.push(old);
            }
        }
        self.execute(
            "INSERT INTO tokens (id, name, owner, scopes, disabled, last4, created_at, created_by,
                                 expires_at, last_used_at, revoked_at, previous_valid_until)
             SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::boolean[],
                                  $6::text[], $7::bigint[], $8::text[], $9::bigint[], $10::bigint[],
                                  $11::bigint[], $12::bigint[])",
            &[
                &ids,
                &names,
                &owners,
                &scopes,
                &disabled,
                &last4,
                &created_at,
                &created_by,
                &expires_at,
                &last_used_at,
                &revoked_at,
                &previous_valid_until,
            ],
        )?;
        self.execute(
            "INSERT INTO token_hashes (hash, id, replaced)
             SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::boolean[])",
            &[&hashes, &hash_ids, &replaced],
        )?;
        Ok(())
    }

    /// One statement for any number: columns as arrays, unnested into
    /// rows. The seq is given, not drawn from the column's sequence: the
    /// chain covers it, and writers take turns (see `lock_writers`).
    fn insert_events(&mut self, events: &[Event]) -> Result<()> {
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        let at: Vec<i64> = events.iter().map(|e| e.at).collect();
        let tokens: Vec<Option<i64>> = events
            .iter()
            .map(|e| e.token_id.map(TokenId::get))
            .collect();
        let codes = events
            .iter()
            .map(|e| {
                i16::try_from(e.action.code()).map_err(|_| runtime("action code out of range"))
            })
            .collect::<Result<Vec<i16>>>()?;
        let actors: Vec<&str> = events.iter().map(|e| e.actor.as_str()).collect();
        let details: Vec<Option<&str>> = events.iter().map(|e| e.detail.as_deref()).collect();
        let hashes: Vec<Option<&[u8]>> = events
            .iter()
            .map(|e| e.hash.as_ref().map(|h| &h[..]))
            .collect();
        // Typed, so one round trip with no statement to prepare first.
        self.tx.query_typed(
            "INSERT INTO audit (seq, at, token_id, action, actor, detail, hash)
             SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7)",
            &[
                (&seqs, Type::INT8_ARRAY),
                (&at, Type::INT8_ARRAY),
                (&tokens, Type::INT8_ARRAY),
                (&codes, Type::INT2_ARRAY),
                (&actors, Type::TEXT_ARRAY),
                (&details, Type::TEXT_ARRAY),
                (&hashes, Type::BYTEA_ARRAY),
            ],
        )?;
        if let Some(last) = events.last() {
            self.trail = Some(Some((last.seq, last.hash)));
        }
        Ok(())
    }

    /// Also moves the trail's sequence past the events loaded, so the next
    /// event follows them.
    fn set_last_id(&mut self, last: i64) -> Result<()> {
        self.execute(
            "SELECT setval('tokens_id_seq', greatest($1::bigint, 1), $1::bigint > 0)",
            &[&last],
        )?;
        self.execute(
            "SELECT setval('audit_seq_seq', coalesce((SELECT max(seq) FROM audit), 1),
                           (SELECT max(seq) FROM audit) IS NOT NULL)",
            &[],
        )?;
        Ok(())
    }
}

/// An event of the `log` query's columns.
pub(super) fn event_row(r: &Row) -> Result<Event> {
    let code: i16 = r.get(3);
    let token_id: Option<i64> = r.get(2);
    Ok(Event {
        seq: r.get(0),
        at: r.get(1),
        token_id: token_id.map(id_of).transpose()?,
        action: Action::from_code(i64::from(code))
            .ok_or_else(|| runtime(format!("unknown action code {code} in the trail")))?,
        actor: r.get(4),
        detail: r.get(5),
        hash: link_of(r.get(6)),
    })
}

/// A stored link, or `None` for a value that cannot be one (a row edited
/// by hand): the chain's check then names it.
fn link_of(v: Option<Vec<u8>>) -> Option<Link> {
    v.and_then(|v| Link::try_from(v.as_slice()).ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_write_lock_is_spelled_alike_everywhere() {
        let n = super::WRITE_LOCK.to_string();
        assert_eq!(n, "8390042714203714153");
        assert!(include_str!("migrations/0003_audit_chain.sql").contains(&n));
    }
}
