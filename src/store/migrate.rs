//! Numbered schema migrations, embedded in the binary and keyed on
//! `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Result, runtime};
use crate::token::DEFAULT_PREFIX;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[include_str!("migrations/0001_init.sql")];

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to date. When it already is, this is one read of
/// the file header, so it stays off the hot path of `verify`.
pub fn migrate(conn: &mut Connection, prefix: Option<&str>) -> Result<()> {
    let version = user_version(conn)?;
    if version == LATEST {
        return Ok(());
    }
    check_not_newer(version)?;
    if version == 0 {
        // Persistent in the file, so it is set once, when the database is made.
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while this one waited for the lock.
    let version = user_version(&tx)?;
    check_not_newer(version)?;
    if version == 0 {
        let tables: i64 = tx.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
        if tables > 0 {
            return Err(runtime(
                "it is an SQLite database of some other program, not tokenctl's; pass --db with another path",
            ));
        }
    }
    for sql in &MIGRATIONS[usize::try_from(version).unwrap_or(0)..] {
        tx.execute_batch(sql)?;
    }
    if version == 0 {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('prefix', ?1)",
            [prefix.unwrap_or(DEFAULT_PREFIX)],
        )?;
    }
    tx.pragma_update(None, "user_version", LATEST)?;
    tx.commit()?;
    Ok(())
}

/// Whether the schema is the one this binary writes: the check every open
/// makes, one read of the file header. An error means it cannot be read.
pub fn is_current(conn: &Connection) -> Result<bool> {
    let version = user_version(conn)?;
    check_not_newer(version)?;
    Ok(version == LATEST)
}

fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

fn check_not_newer(version: i64) -> Result<()> {
    if version > LATEST {
        return Err(runtime(format!(
            "its schema version {version} is newer than this tokenctl understands ({LATEST}); upgrade tokenctl"
        )));
    }
    if version < 0 {
        return Err(runtime(format!(
            "its schema version {version} is not one tokenctl writes"
        )));
    }
    Ok(())
}
