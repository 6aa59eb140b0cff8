//! Typed queries on the audit trail, which outlives purged tokens.

use rusqlite::params;

use super::Store;
use crate::error::{Error, Result};
use crate::model::{Action, Event};

impl Store {
    /// Calls `each` for the most recent `limit` events (all when `None`),
    /// of one token or of all, oldest first, without holding them all in
    /// memory. An id that was never issued is [`Error::NotFound`], before
    /// `each` is called, so a caller that streams has printed nothing yet;
    /// a purged token's history is still there.
    pub fn log(
        &self,
        token_id: Option<u64>,
        limit: Option<u32>,
        mut each: impl FnMut(Event) -> Result<()>,
    ) -> Result<()> {
        let id = match token_id.map(i64::try_from) {
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => return Err(Error::NotFound(token_id.unwrap_or_default())),
            None => None,
        };
        if let Some(i) = id {
            // Every issued token has a `created` event, kept through purge.
            let issued: bool = self
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM audit WHERE token_id = ?1)")?
                .query_row([i], |r| r.get(0))?;
            if !issued {
                return Err(Error::NotFound(token_id.unwrap_or_default()));
            }
        }
        // The most recent N, oldest first, without a sort: everything after
        // the (N+1)-th most recent event, in seq order (the primary key).
        // One statement, so the bound and the rows come from one snapshot.
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, token_id, action, actor, detail FROM audit
             WHERE (?1 IS NULL OR token_id = ?1)
               AND (?2 IS NULL OR seq > ifnull(
                     (SELECT seq FROM audit WHERE (?1 IS NULL OR token_id = ?1)
                      ORDER BY seq DESC LIMIT 1 OFFSET ?2),
                     seq - 1))
             ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![id, limit.map(i64::from)], |r| {
            let code: i64 = r.get(2)?;
            Ok(Event {
                at: r.get(0)?,
                token_id: r.get(1)?,
                action: Action::from_code(code)
                    .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(2, code))?,
                actor: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        for event in rows {
            each(event?)?;
        }
        Ok(())
    }
}
