//! PostgreSQL's numbered migrations, embedded, keyed on the `meta` row
//! `schema_version` (PostgreSQL has no user_version), applied forward under
//! an advisory lock so two hosts running `init` at once do not collide; a
//! newer schema is refused.

use postgres::{Client, GenericClient};

use crate::core::error::{Error, Result, StoreErrorKind};
use crate::core::token::DEFAULT_PREFIX;

/// Migration `n` (1-based) takes the schema from version `n - 1` to `n`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_policy_and_rotation.sql"),
    include_str!("migrations/0003_audit_chain.sql"),
];

/// The schema whose events carry their link in the hash chain.
const CHAIN: i64 = 3;

/// The schema version this binary writes.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Whether tokenctl's meta table exists, read from the catalog with the
/// statement's own snapshot: `to_regclass` goes through the backend's
/// relation cache, which an advisory lock does not refresh, so a second
/// `init` waiting on the lock would miss the tables the first just made.
const HAS_META: &str = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
                        WHERE schemaname = current_schema() AND tablename = 'meta')";

/// tokenctl's advisory lock for changing its schema.
const SCHEMA_LOCK: i64 = 0x746f_6b65_6e63_746c; // "tokenctl"

/// The schema version and prefix, or `None` when tokenctl's tables are
/// missing. A `meta` table of another shape is another program's.
fn read(client: &mut impl GenericClient, name: &str) -> Result<Option<(i64, String)>> {
    let has_meta: bool = client.query_one(HAS_META, &[])?.get(0);
    if !has_meta {
        return Ok(None);
    }
    let not_ours = || {
        Error::store(
            StoreErrorKind::NotTokenctl,
            format!("PostgreSQL database {name}: its meta table is not tokenctl's"),
        )
    };
    let rows = client
        .query(
            "SELECT key::text, value::text FROM meta WHERE key IN ('schema_version', 'prefix')",
            &[],
        )
        .map_err(|_| not_ours())?;
    let mut version = None;
    let mut prefix = None;
    for row in rows {
        let key: String = row.get(0);
        let value: String = row.get(1);
        match key.as_str() {
            "schema_version" => version = value.parse::<i64>().ok(),
            _ => prefix = Some(value),
        }
    }
    match (version, prefix) {
        (Some(v), Some(p)) => Ok(Some((v, p))),
        _ => Err(not_ours()),
    }
}

fn check_not_newer(name: &str, version: i64) -> Result<()> {
    if version > LATEST {
        return Err(Error::store(
            StoreErrorKind::Newer,
            format!(
                "PostgreSQL database {name}: its schema version {version} is newer than this tokenctl understands ({LATEST}); upgrade tokenctl"
            ),
        ));
    }
    Ok(())
}

/// The schema version and prefix in one round trip (a simple query needs
/// no prepare), for every command's open; `None` when there is no `meta`
/// table. Anything else odd is left to [`read`] to name.
fn read_fast(client: &mut Client, name: &str) -> Result<Option<(i64, String)>> {
    use postgres::SimpleQueryMessage;
    let sql = "SELECT (SELECT value FROM meta WHERE key = 'schema_version'), \
                      (SELECT value FROM meta WHERE key = 'prefix')";
    match client.simple_query(sql) {
        Ok(messages) => {
            let row = messages.iter().find_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some((
                    r.get(0).and_then(|v| v.parse::<i64>().ok()),
                    r.get(1).map(str::to_owned),
                )),
                _ => None,
            });
            match row {
                Some((Some(v), Some(p))) => Ok(Some((v, p))),
                _ => read(client, name),
            }
        }
        Err(e) if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) => Ok(None),
        Err(_) => read(client, name),
    }
}

/// The prefix of an existing tokenctl database, migrated forward when it
/// is older (and this role may change it).
pub fn existing(client: &mut Client, name: &str) -> Result<String> {
    match read_fast(client, name)? {
        None => Err(Error::store(
            StoreErrorKind::NoTables,
            format!("PostgreSQL database {name} has no tokenctl tables"),
        )),
        Some((version, prefix)) => {
            check_not_newer(name, version)?;
            if version < LATEST {
                migrate(client, name, None)?;
            }
            Ok(prefix)
        }
    }
}

/// Makes tokenctl's tables when they are missing; returns the prefix and
/// whether they were made now.
pub fn create(client: &mut Client, name: &str, prefix: Option<&str>) -> Result<(String, bool)> {
    if let Some((version, found)) = read_fast(client, name)? {
        check_not_newer(name, version)?;
        if version == LATEST {
            return Ok((found, false));
        }
    }
    migrate(client, name, prefix)
}

/// Applies the missing migrations in one transaction, under the schema
/// lock: another host that got there first has left nothing to do.
fn migrate(client: &mut Client, name: &str, prefix: Option<&str>) -> Result<(String, bool)> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])?;
    let (from, found) = match read(&mut tx, name)? {
        Some((v, p)) => (v, Some(p)),
        None => (0, None),
    };
    check_not_newer(name, from)?;
    for (n, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        tx.batch_execute(sql)?;
        if n as i64 + 1 == CHAIN {
            link_trail(&mut tx)?;
        }
    }
    let prefix = match found {
        Some(p) => p,
        None => {
            let p = prefix.unwrap_or(DEFAULT_PREFIX).to_owned();
            tx.execute("INSERT INTO meta (key, value) VALUES ('prefix', $1)", &[&p])?;
            p
        }
    };
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&LATEST.to_string()],
    )?;
    tx.commit()?;
    Ok((prefix, from == 0))
}

/// Links the events of a trail written before the chain, in seq order, a
/// chunk at a time, each chunk one read and one write.
fn link_trail(tx: &mut postgres::Transaction<'_>) -> Result<()> {
    const CHUNK: i64 = 10_000;
    let (mut after, mut prev) = (0i64, crate::core::chain::GENESIS);
    loop {
        let rows = tx.query(
            "SELECT seq, at, token_id, action, actor, detail, hash FROM audit
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&after, &CHUNK],
        )?;
        let mut events = rows
            .iter()
            .map(super::queries::event_row)
            .collect::<Result<Vec<_>>>()?;
        let Some(last) = events.last() else {
            return Ok(());
        };
        after = last.seq;
        crate::core::chain::fill(&mut events, prev);
        let seqs: Vec<i64> = events.iter().map(|e| e.seq).collect();
        let hashes: Vec<&[u8]> = events
            .iter()
            .filter_map(|e| e.hash.as_ref().map(|h| &h[..]))
            .collect();
        if let Some(h) = events.last().and_then(|e| e.hash) {
            prev = h;
        }
        tx.execute(
            "UPDATE audit SET hash = u.hash
             FROM unnest($1::bigint[], $2::bytea[]) AS u(seq, hash)
             WHERE audit.seq = u.seq",
            &[&seqs, &hashes],
        )?;
    }
}
