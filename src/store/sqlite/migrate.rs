//! Numbered schema migrations, embedded in the binary and keyed on
//! `PRAGMA user_version`.

use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode, TransactionBehavior};

use crate::core::error::{Error, Result, StoreErrorKind, runtime};
use crate::token::DEFAULT_PREFIX;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_token_hashes.sql"),
    include_str!("migrations/0003_audit_of_the_database.sql"),
    include_str!("migrations/0004_policy_and_rotation.sql"),
    include_str!("migrations/0005_audit_chain.sql"),
];

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// The oldest schema this binary reads without upgrading it, for a user who
/// may not write the database (see `Store::prepare_read`).
pub const READABLE_FROM: i64 = 1;

/// Brings the schema up to date. When it already is, this is one read of
/// the file header, so it stays off the hot path of `verify`. Without
/// `create`, an empty file is an error rather than made into a database:
/// a command that only reads leaves the new database to its writer.
pub fn migrate(conn: &mut Connection, prefix: Option<&str>, create: bool) -> Result<()> {
    let version = user_version(conn)?;
    if version == LATEST {
        return Ok(());
    }
    // Read again with the tables, in one snapshot: another process may be
    // making this database right now.
    let (version, found) = conn.query_row(
        "SELECT user_version, (SELECT count(*) FROM sqlite_master) FROM pragma_user_version",
        [],
        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
    )?;
    if version == LATEST {
        return Ok(());
    }
    check_not_newer(version)?;
    if version == 0 {
        // Checked before anything is written: another program's file is
        // left as it was.
        match found {
            0 if !create => {
                return Err(Error::store(
                    StoreErrorKind::Missing,
                    "it is empty, not yet a tokenctl database",
                ));
            }
            0 => {}
            _ => return Err(other_program()),
        }
        // Persistent in the file, so it is set once, when the database is made.
        set_wal(conn)?;
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have migrated while this one waited for the lock.
    let version = user_version(&tx)?;
    check_not_newer(version)?;
    if version == 0 && tables(&tx)? > 0 {
        return Err(other_program());
    }
    for (n, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        tx.execute_batch(sql)?;
        if n as i64 + 1 == super::queries::CHAIN {
            link_trail(&tx)?;
        }
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

/// Links the events of a trail written before the chain, in seq order,
/// a chunk at a time so memory stays flat however long the trail is.
fn link_trail(conn: &Connection) -> Result<()> {
    const CHUNK: i64 = 10_000;
    let mut read = conn.prepare(
        "SELECT seq, at, token_id, action, actor, detail, hash FROM audit
         WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    let mut write = conn.prepare("UPDATE audit SET hash = ?2 WHERE seq = ?1")?;
    let (mut after, mut prev) = (0, crate::core::chain::GENESIS);
    loop {
        let mut events = read
            .query_map([after, CHUNK], super::queries::event_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let Some(last) = events.last() else {
            return Ok(());
        };
        after = last.seq;
        crate::core::chain::fill(&mut events, prev);
        for e in &events {
            if let Some(h) = &e.hash {
                write.execute(rusqlite::params![e.seq, &h[..]])?;
                prev = *h;
            }
        }
    }
}

/// Switches a new database to WAL. Two processes making the same database
/// at once can deadlock on this switch; SQLite then answers one of them
/// "busy" at once, without waiting, so that one waits here and tries again.
fn set_wal(conn: &Connection) -> Result<()> {
    let deadline = Instant::now() + super::BUSY_TIMEOUT;
    loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(())) {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => return Ok(result?),
        }
    }
}

fn other_program() -> Error {
    Error::store(
        StoreErrorKind::NotTokenctl,
        "it is an SQLite database of some other program, not tokenctl's",
    )
}

fn tables(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?)
}

/// The schema version of the database, refused when it is newer than this
/// binary's: the check every open makes, one read of the file header.
pub fn version(conn: &Connection) -> Result<i64> {
    let version = user_version(conn)?;
    check_not_newer(version)?;
    Ok(version)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ops::NewToken;
    use crate::store::sqlite::SqliteStore;
    use crate::store::sqlite::testkit::Db;
    use crate::token::Secret;

    const T0: i64 = 1_800_000_000;

    /// A database as a tokenctl of schema 1 left it, with its newest token
    /// purged, keeps its tokens, their secrets and its id sequence.
    #[test]
    fn schema_1_is_migrated_with_its_tokens_and_ids() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute("INSERT INTO meta (key, value) VALUES ('prefix', 'tok')", [])
            .unwrap();
        let secrets: Vec<Secret> = (0..3).map(|_| Secret::generate("tok").unwrap()).collect();
        for s in &secrets {
            conn.execute(
                "INSERT INTO tokens (hash, last4, name, scopes, created_at, created_by)
                 VALUES (?1, ?2, 'old', 'read', ?3, 'ops')",
                rusqlite::params![&s.hash()[..], s.last4(), T0],
            )
            .unwrap();
        }
        conn.execute("DELETE FROM tokens WHERE id = 3", []).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();

        migrate(&mut conn, None, false).unwrap();
        assert_eq!(version(&conn).unwrap(), LATEST);
        let columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('tokens') WHERE name = 'hash'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);

        let mut store = Db(SqliteStore {
            conn,
            name: ":memory:".into(),
            prefix: "tok".into(),
            path: None,
            created: false,
            read_only: false,
            may_write: false,
            cache_mib: None,
            schema: LATEST,
            frozen: false,
            helper: crate::store::sqlite::Helper::Off,
            shm: None,
        });
        let verdicts: Vec<bool> = secrets
            .iter()
            .map(|s| store.check(s.expose(), &[], T0).unwrap().valid())
            .collect();
        assert_eq!(verdicts, [true, true, false]);
        let new = NewToken {
            name: "new".into(),
            ..NewToken::default()
        };
        let (token, secret) = store.create(&new, "ops", T0).unwrap();
        assert_eq!(token.id.get(), 4, "an id freed by purge was issued again");
        assert!(store.check(secret.expose(), &[], T0).unwrap().valid());
    }
}
