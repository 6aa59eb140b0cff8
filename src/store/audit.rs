//! Typed queries on the audit trail, which outlives purged tokens.

use rusqlite::params;

use super::Store;
use crate::error::{Error, Result};
use crate::model::{Action, Event};

impl Store {
    /// The most recent `limit` events (all when `None`), of one token or of
    /// all, oldest first. An id that was never issued is [`Error::NotFound`];
    /// a purged token's history is still returned.
    pub fn log(&self, token_id: Option<u64>, limit: Option<u32>) -> Result<Vec<Event>> {
        let id = match token_id.map(i64::try_from) {
            Some(Ok(id)) => Some(id),
            Some(Err(_)) => return Err(Error::NotFound(token_id.unwrap_or_default())),
            None => None,
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT at, token_id, action, actor, detail FROM (
                 SELECT * FROM audit WHERE (?1 IS NULL OR token_id = ?1) ORDER BY seq DESC LIMIT ?2
             ) ORDER BY seq",
        )?;
        let events: Vec<Event> = stmt
            .query_map(params![id, limit.map_or(-1, i64::from)], |r| {
                let code: i64 = r.get(2)?;
                Ok(Event {
                    at: r.get(0)?,
                    token_id: r.get(1)?,
                    action: Action::from_code(code)
                        .ok_or_else(|| rusqlite::Error::IntegralValueOutOfRange(2, code))?,
                    actor: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        if let Some(i) = id.filter(|_| events.is_empty()) {
            // Every issued token has a `created` event, kept through purge.
            let issued: bool = self
                .conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM audit WHERE token_id = ?1)")?
                .query_row([i], |r| r.get(0))?;
            if !issued {
                return Err(Error::NotFound(token_id.unwrap_or_default()));
            }
        }
        Ok(events)
    }
}
