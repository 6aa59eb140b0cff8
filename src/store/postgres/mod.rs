//! The PostgreSQL store: connecting (`connect`), numbered migrations of its
//! own (`migrate`), read snapshots (REPEATABLE READ, read only) and write
//! transactions that are retried on a serialization failure or deadlock,
//! never shown to the user. No SQL of PostgreSQL's lives outside this
//! module.

pub mod connect;
mod migrate;
mod queries;

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::Type;
use postgres::{Client, IsolationLevel, Statement};

use crate::core::error::{Error, Result, StoreErrorKind};
use crate::core::id::TokenId;
use crate::core::model::Found;
use crate::core::token::TokenHash;
use crate::store::{Reader, Store, Writer};
use crate::time::Epoch;
use connect::Target;
use queries::Pg;

/// A write transaction is tried this often before its conflict is shown.
const ATTEMPTS: u32 = 20;

/// A tokenctl database in PostgreSQL.
pub struct PgStore {
    client: Client,
    name: String,
    prefix: Arc<str>,
    created: bool,
    read_only: bool,
    /// Statements prepared on this connection, by their SQL: a lookup is
    /// then one round trip.
    statements: HashMap<&'static str, Statement>,
}

impl PgStore {
    /// Connects to an existing tokenctl database; a database without
    /// tokenctl's tables is an error, and nothing is created.
    pub fn open_existing(target: &Target) -> Result<PgStore> {
        let mut store = PgStore::connect(target)?;
        store.prefix = migrate::existing(&mut store.client, &store.name)?.into();
        Ok(store)
    }

    /// Connects, creating tokenctl's tables (never the database itself)
    /// when they are missing, with `prefix` (else `tok`) for new ones.
    pub fn open_or_create(target: &Target, prefix: Option<&str>) -> Result<PgStore> {
        let mut store = PgStore::connect(target)?;
        let (prefix, created) = migrate::create(&mut store.client, &store.name, prefix)?;
        store.prefix = prefix.into();
        store.created = created;
        Ok(store)
    }

    fn connect(target: &Target) -> Result<PgStore> {
        let client = connect::connect(target).map_err(|e| {
            let kind = match e.exit_code() {
                2 => return Error::Usage(e.to_string()),
                _ => StoreErrorKind::Connect,
            };
            Error::store(kind, e)
        })?;
        Ok(PgStore {
            client,
            name: target.to_string(),
            prefix: Arc::from(""),
            created: false,
            read_only: false,
            statements: HashMap::new(),
        })
    }

    /// `f` in one transaction, committed when it returns `Ok`.
    fn transaction(
        &mut self,
        level: IsolationLevel,
        read_only: bool,
        f: &mut dyn FnMut(&mut Pg<'_, '_>) -> Result<()>,
    ) -> Result<()> {
        let mut tx = self
            .client
            .build_transaction()
            .isolation_level(level)
            .read_only(read_only)
            .start()?;
        f(&mut Pg {
            tx: &mut tx,
            prefix: &self.prefix,
            statements: &mut self.statements,
            trail: None,
        })?;
        tx.commit()?;
        Ok(())
    }

    /// An error of the server while the database was in use names it.
    fn named(&self, e: Error) -> Error {
        match e {
            Error::Runtime(e) if e.downcast_ref::<PgError>().is_some() => {
                Error::Runtime(e.context(format!("PostgreSQL database {}", self.name)))
            }
            other => other,
        }
    }
}

impl Store for PgStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn prefix(&self) -> &str {
        &self.prefix
    }

    fn created(&self) -> bool {
        self.created
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read(&mut self, f: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()> {
        self.read_once(f)
    }

    fn read_once(&mut self, f: &mut dyn FnMut(&mut dyn Reader) -> Result<()>) -> Result<()> {
        // One snapshot for every query in it, as SQLite's read transaction
        // gives.
        self.transaction(IsolationLevel::RepeatableRead, true, &mut |pg| f(pg))
            .map_err(|e| self.named(e))
    }

    fn write(&mut self, f: &mut dyn FnMut(&mut dyn Writer) -> Result<()>) -> Result<()> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut locked = |pg: &mut Pg<'_, '_>| {
                // One writer at a time per database, as SQLite has: ids,
                // the trail's seq and commit order then agree, across
                // hosts.
                pg.lock_writers()?;
                f(pg)
            };
            match self.transaction(IsolationLevel::ReadCommitted, false, &mut locked) {
                Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                    // Another host's transaction won this round; back off a
                    // little more each time, so they do not collide again.
                    std::thread::sleep(Duration::from_millis(u64::from(attempt) * 3));
                }
                result => return result.map_err(|e| self.named(e)),
            }
        }
    }

    /// One hash (a `verify`): one statement, outside a transaction (it is
    /// its own snapshot), its parameter typed so it needs no prepare, one
    /// round trip. A batch's group goes through the statement prepared
    /// once per connection, which PostgreSQL then need not plan again for
    /// every group.
    fn lookup(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()> {
        if hashes.len() > 1 {
            return crate::store::lookup_in_snapshot(self, hashes, found);
        }
        found.clear();
        let wanted: Vec<&[u8]> = hashes.iter().map(|h| &h[..]).collect();
        let rows = self
            .client
            .query_typed(queries::BY_HASHES, &[(&wanted, Type::BYTEA_ARRAY)])
            .map_err(|e| self.named(e.into()))?;
        queries::answer_in_order(&rows, hashes, &self.prefix, found)
    }

    /// A role that may only read (a verify-only account) records nothing:
    /// the first refusal says so, and later calls do not ask again.
    fn record_use(&mut self, ids: &[TokenId], now: Epoch, since: Epoch) -> Result<usize> {
        if ids.is_empty() || self.read_only {
            return Ok(0);
        }
        match crate::store::write(self, |w| w.record_use(ids, now, since)) {
            Err(e) if sql_state(&e) == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
                self.read_only = true;
                Ok(0)
            }
            other => other,
        }
    }
}

/// A failed call to the server, in its own words.
#[derive(Debug)]
pub struct PgError(pub postgres::Error);

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.as_db_error() {
            Some(db) => write!(f, "{}", db.message()),
            None => write!(f, "{}", self.0),
        }
    }
}

impl std::error::Error for PgError {}

impl From<postgres::Error> for Error {
    fn from(e: postgres::Error) -> Self {
        Error::Runtime(anyhow::Error::new(PgError(e)))
    }
}

/// The SQLSTATE of a server error somewhere in `e`.
fn sql_state(e: &Error) -> Option<&SqlState> {
    let Error::Runtime(e) = e else { return None };
    e.chain()
        .find_map(|c| c.downcast_ref::<PgError>())
        .and_then(|p| p.0.code())
}

/// A serialization failure or a deadlock: the transaction lost a race and
/// may simply run again.
fn retryable(e: &Error) -> bool {
    matches!(
        sql_state(e),
        Some(s) if *s == SqlState::T_R_SERIALIZATION_FAILURE || *s == SqlState::T_R_DEADLOCK_DETECTED
    )
}
