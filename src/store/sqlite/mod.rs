//! The SQLite store: opening and creating the database file (after the
//! checks of `trust`), pragmas, migrations, snapshots and transactions. No
//! SQL of SQLite's lives outside this module.

#[cfg(test)]
mod bulk_tests;
mod error;
mod frozen;
mod helper;
mod migrate;
mod queries;
pub mod trust;
pub mod wal;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

use std::fs::{DirBuilder, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use rusqlite::{Connection, OpenFlags};

use crate::core::error::{Error, Result, StoreErrorKind, runtime};
use crate::core::id::TokenId;
use crate::core::model::Found;
use crate::core::token::TokenHash;
use crate::time::Epoch;
use error::DatabaseError;
use queries::Sql;

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// A tokenctl database in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    /// The path as messages show it.
    name: String,
    prefix: Arc<str>,
    path: Option<PathBuf>,
    created: bool,
    /// The connection is read-only.
    read_only: bool,
    /// It is read-only by choice, and the first write reopens it read-write.
    may_write: bool,
    /// Page cache asked for by [`Store::set_cache_size`], in MiB.
    cache_mib: Option<u32>,
    /// The schema version read: [`migrate::LATEST`], unless a user who may
    /// only read has an older database.
    schema: i64,
    /// The connection is an immutable view of a file in a directory this
    /// user cannot write; every snapshot opens it anew (see `frozen`).
    frozen: bool,
    /// A second read-only connection, which looks up part of each long
    /// list of hashes on a thread of its own (`verify --batch`, on a
    /// machine with more than one core).
    helper: Helper,
    /// The `-shm` file whose header tells a batch when nothing has been
    /// committed (see [`Store::commit_mark`]); read only for a batch.
    shm: Option<wal::Shm>,
}

/// The second connection of a batch: not for this store, wanted but not
/// needed yet, or open.
enum Helper {
    Off,
    Wanted,
    Open(helper::LookupThread),
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (directory 0700, file 0600)
    /// when it is missing. `prefix` is the token prefix of a new database;
    /// `None` means `tok`. The files are checked first (see [`trust`]).
    pub fn open(path: &Path, prefix: Option<&str>) -> Result<SqliteStore> {
        let checked = trust::check(path)?;
        let path = checked.path.as_path();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| cannot_create("directory", dir, &e))?;
            }
        }
        let created = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => true,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
            Err(e) => return Err(cannot_create("database", path, &e)),
        };
        if !checked.exists && !created {
            // Another process made it between the check and now: check
            // what it made.
            trust::check(path)?;
        }
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        let mut store = SqliteStore {
            conn,
            name: path.display().to_string(),
            prefix: Arc::from(""),
            path: Some(path.to_owned()),
            created,
            read_only: false,
            may_write: false,
            cache_mib: None,
            schema: migrate::LATEST,
            frozen: false,
            helper: Helper::Off,
            shm: None,
        };
        store.prepare(prefix)?;
        store.prefix = store.read_prefix().map_err(|e| store.in_context(e))?.into();
        Ok(store)
    }

    /// Opens an existing database, for every command but those that may
    /// create one. A missing database is an error, and nothing is created.
    /// A database the caller may only read is opened read-only.
    ///
    /// The connection starts read-only even when the file is writable: that
    /// way it neither creates and deletes the `-wal` and `-shm` files nor
    /// checkpoints when it closes, most of what a short-lived reader spends
    /// on the database. The first write (verify recording use, or any
    /// change) reopens it read-write.
    pub fn open_existing(path: &Path) -> Result<SqliteStore> {
        let checked = trust::check(path)?;
        if !checked.exists {
            return Err(Error::store(
                StoreErrorKind::Missing,
                format!("no database at {}", path.display()),
            ));
        }
        let path = checked.path.as_path();
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut store = SqliteStore {
            conn,
            name: path.display().to_string(),
            prefix: Arc::from(""),
            path: Some(path.to_owned()),
            created: false,
            read_only: true,
            may_write: true,
            cache_mib: None,
            schema: migrate::LATEST,
            frozen: false,
            helper: Helper::Off,
            shm: None,
        };
        match store.prepare_read() {
            Ok(()) => {}
            Err(e) if cannot_open_shm(&e) && frozen::wal_is_empty(path) => {
                // A read-only directory with no -shm file: SQLite cannot set
                // up WAL shared memory. With no pending WAL content the main
                // file is complete, so it can be read as immutable: one
                // snapshot at a time, each checked against the file (see
                // `frozen`).
                store.conn = frozen::connect(path)?;
                store.may_write = false;
                store.frozen = true;
                store.prepare_read()?;
            }
            Err(e) if cannot_open_shm(&e) => return Err(frozen::unreadable_wal(path)),
            Err(e) => return Err(e),
        }
        store.read_only = store.conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true);
        store.prefix = store.read_prefix().map_err(|e| store.in_context(e))?.into();
        Ok(store)
    }

    /// A fresh database in memory, for tests and embedding.
    pub fn open_in_memory() -> Result<SqliteStore> {
        let conn = Connection::open_in_memory()?;
        let mut store = SqliteStore {
            conn,
            name: ":memory:".into(),
            prefix: Arc::from(""),
            path: None,
            created: true,
            read_only: false,
            may_write: false,
            cache_mib: None,
            schema: migrate::LATEST,
            frozen: false,
            helper: Helper::Off,
            shm: None,
        };
        store.prepare(None)?;
        store.prefix = store.read_prefix().map_err(|e| store.in_context(e))?.into();
        Ok(store)
    }

    /// The database file; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Before a first write: replaces a connection that is read-only by
    /// choice with a read-write one. A file the caller may not write stays
    /// read-only; any other store is left as it is.
    fn reopen_writable(&mut self) -> Result<()> {
        if let Some(path) = self.path.as_deref().filter(|_| self.may_write) {
            self.conn = connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            self.may_write = false;
            self.read_only = self.conn.is_readonly(rusqlite::MAIN_DB)?;
            if let Some(mib) = self.cache_mib {
                self.apply_cache_size(mib)?;
            }
        }
        Ok(())
    }

    /// Lets SQLite keep up to `mib` MiB of database pages in memory (its
    /// default is 2 MiB). Worth it for a long run of lookups, such as
    /// `verify --batch`, which otherwise reads most pages from the file
    /// again and again: at a million tokens the lookups touch about 60 MiB.
    pub fn set_cache_size(&mut self, mib: u32) -> Result<()> {
        self.cache_mib = Some(mib);
        self.apply_cache_size(mib)
    }

    fn apply_cache_size(&self, mib: u32) -> Result<()> {
        tune(&self.conn, mib)
    }

    /// The token prefix, read once at open: it never changes.
    fn read_prefix(&self) -> Result<String> {
        let p = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'prefix'")?
            .query_row([], |r| r.get(0))?;
        Ok(p)
    }

    fn sql(&self) -> Sql<'_> {
        Sql {
            conn: &self.conn,
            prefix: &self.prefix,
            schema: self.schema,
        }
    }

    /// `f` in one read transaction on the connection as it is.
    pub(super) fn plain_snapshot<T>(
        &self,
        f: impl FnMut(&mut dyn crate::store::Reader) -> Result<T>,
    ) -> Result<T> {
        snapshot(&mut self.sql(), f)
    }

    /// [`Store::lookup`] of a long list on two connections at once: this
    /// one takes hashes from the front, the helper's thread from the back,
    /// until they meet (see `helper`); the helper's snapshot begins only
    /// once this one's has (after its first probe), so no line is answered
    /// from older data than a line before it.
    fn lookup_on_two(
        &mut self,
        hashes: &[TokenHash],
        found: &mut Vec<Option<Found>>,
    ) -> Option<Result<()>> {
        if hashes.len() < TWO_CONNECTIONS_FROM {
            return None;
        }
        if matches!(self.helper, Helper::Wanted) {
            // Opened at the first long list: a co-process sending one token
            // at a time never needs it. It only saves time, so a connection
            // (or thread) that cannot be had (no file descriptor left, say)
            // leaves the batch on one.
            let path = self.path.as_deref()?;
            self.helper = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| tune(&c, BATCH_CACHE_MIB).map(|()| c))
                .ok()
                .and_then(|c| {
                    helper::LookupThread::start(c, Arc::clone(&self.prefix), self.schema).ok()
                })
                .map_or(Helper::Off, Helper::Open);
        }
        let Helper::Open(helper) = &mut self.helper else {
            return None;
        };
        let mut ours = Sql {
            conn: &self.conn,
            prefix: &self.prefix,
            schema: self.schema,
        };
        // The helper's snapshot begins after this one's first read, and the
        // next list's after the helper's answer: each line of a batch sees
        // the database as it was no earlier than the line before it did.
        let mut shared = false;
        let mut next = 1;
        let here = snapshot(&mut ours, |r| {
            found.clear();
            r.by_hashes(&hashes[..1], found)?;
            let left = helper
                .share(hashes, 1)
                .ok_or_else(|| runtime("the lookup thread stopped"))?;
            shared = true;
            while let Some(n) = left.take() {
                r.by_hashes(&hashes[next..next + n], found)?;
                next += n;
            }
            Ok(())
        });
        // Each hash is taken once, by one side or the other.
        let there = if shared {
            helper.take(here.is_ok() && next == hashes.len(), found)
        } else {
            Ok(())
        };
        Some(here.and(there))
    }

    fn prepare(&mut self, prefix: Option<&str>) -> Result<()> {
        migrate::migrate(&mut self.conn, prefix, true).map_err(|e| self.in_context(e))
    }

    /// `prepare` for a command that only reads, on a connection that is
    /// read-only by choice: when the schema is current, one read of the file
    /// header, there is nothing to do; an older one is migrated by a
    /// read-write connection. An empty file (a database another process is
    /// creating right now, or a stray one) is not made into a database here.
    ///
    /// A user who may only read cannot upgrade an older schema: until its
    /// owner's next command does, such a database is read as it is, so a
    /// service account's `verify` keeps working across an upgrade of
    /// tokenctl.
    fn prepare_read(&mut self) -> Result<()> {
        let version = migrate::version(&self.conn).map_err(|e| self.in_context(e))?;
        if version == migrate::LATEST {
            return Ok(());
        }
        self.reopen_writable()?;
        if version >= migrate::READABLE_FROM && self.conn.is_readonly(rusqlite::MAIN_DB)? {
            self.schema = version;
            return Ok(());
        }
        migrate::migrate(&mut self.conn, None, false).map_err(|e| self.in_context(e))
    }

    /// One write transaction (`BEGIN IMMEDIATE`: the database's write lock
    /// from the start, so a change reads what it changes under that lock).
    fn transaction(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Writer) -> Result<()>,
    ) -> Result<()> {
        self.reopen_writable()?;
        if self.read_only {
            return Err(Error::store(
                StoreErrorKind::Other,
                format!("database {} is read-only for this user", self.name),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        f(&mut Sql {
            conn: &tx,
            prefix: &self.prefix,
            schema: self.schema,
        })?;
        tx.commit()?;
        Ok(())
    }

    /// An error SQLite gave while the database was in use names the
    /// database, like every error about a file.
    fn named(&self, e: Error) -> Error {
        match e {
            Error::Runtime(e)
                if e.downcast_ref::<DatabaseError>().is_some()
                    && !format!("{e:#}").contains(&self.name) =>
            {
                Error::Runtime(e.context(format!("database {}", self.name)))
            }
            other => other,
        }
    }

    /// An error about the database, naming it.
    fn in_context(&self, e: Error) -> Error {
        let what = format!("cannot use database {}", self.name);
        match e {
            Error::Runtime(e) => Error::Runtime(e.context(what)),
            Error::Store(mut e) => {
                e.message = format!("{what}: {}", e.message);
                Error::Store(e)
            }
            other => other,
        }
    }
}

impl crate::store::Store for SqliteStore {
    fn name(&self) -> &str {
        &self.name
    }

    fn prefix(&self) -> &str {
        &self.prefix
    }

    fn created(&self) -> bool {
        self.created
    }

    /// A store opened by [`SqliteStore::open_existing`] finds out at its
    /// first write; until then this is `false`.
    fn read_only(&self) -> bool {
        self.read_only && !self.may_write
    }

    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
    ) -> Result<()> {
        let read = if self.frozen {
            self.frozen_snapshot(f)
        } else {
            self.plain_snapshot(f)
        };
        read.map_err(|e| self.named(e))
    }

    /// One lookup is one statement, a snapshot by itself: no transaction
    /// around it (a frozen store keeps its own checks). A long list, on a
    /// store tuned for a batch, goes to two connections at once.
    fn lookup(&mut self, hashes: &[TokenHash], found: &mut Vec<Option<Found>>) -> Result<()> {
        if let Some(looked) = self.lookup_on_two(hashes, found) {
            return looked.map_err(|e| self.named(e));
        }
        if self.frozen || hashes.len() != 1 {
            return crate::store::lookup_in_snapshot(self, hashes, found);
        }
        found.clear();
        let looked = crate::store::Reader::by_hashes(&mut self.sql(), hashes, found);
        looked.map_err(|e| self.named(e))
    }

    /// On a frozen store the file is opened anew and read once, without
    /// the check that it did not change meanwhile: nothing decides a
    /// verdict this way.
    fn read_once(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
    ) -> Result<()> {
        if self.frozen {
            self.refresh_frozen().map_err(|e| self.named(e))?;
        }
        self.plain_snapshot(f).map_err(|e| self.named(e))
    }

    fn write(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Writer) -> Result<()>,
    ) -> Result<()> {
        self.transaction(f).map_err(|e| self.named(e))
    }

    /// The connection may be read-only by choice: the first use to record
    /// reopens it for writing, and a file this user may not write records
    /// nothing.
    fn record_use(&mut self, ids: &[TokenId], now: Epoch, since: Epoch) -> Result<usize> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.reopen_writable()?;
        if self.read_only {
            return Ok(0);
        }
        crate::store::write(self, |w| w.record_use(ids, now, since))
    }

    /// On a machine with more than one core, a long list of hashes is
    /// then looked up on two connections at once (see `lookup_on_two`).
    fn tune_for_batch(&mut self) -> Result<()> {
        self.set_cache_size(BATCH_CACHE_MIB)?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if self.path.is_some() && !self.frozen && cores > 1 {
            self.helper = Helper::Wanted;
        }
        // Only in WAL mode does every commit rewrite the `-shm` header; a
        // frozen view is opened anew for every snapshot.
        let wal = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0))
            .map_err(|e| self.named(e.into()))?;
        if let Some(path) = self
            .path
            .as_deref()
            .filter(|_| !self.frozen && wal == "wal")
        {
            self.shm = Some(wal::Shm::new(path));
        }
        Ok(())
    }

    fn commit_mark(&mut self) -> Option<crate::store::CommitMark> {
        self.shm.as_mut()?.header().map(crate::store::CommitMark)
    }
}

/// `f` in one read transaction on `sql`'s connection.
fn snapshot<T>(
    sql: &mut Sql<'_>,
    mut f: impl FnMut(&mut dyn crate::store::Reader) -> Result<T>,
) -> Result<T> {
    // Cached: a server runs this for every request.
    sql.conn.prepare_cached("BEGIN")?.execute([])?;
    let result = f(sql);
    let end = sql
        .conn
        .prepare_cached(if result.is_ok() { "COMMIT" } else { "ROLLBACK" })
        .and_then(|mut s| s.execute([]));
    let value = result?;
    end?;
    Ok(value)
}

/// Lists shorter than this are looked up on one connection: a thread
/// costs more than the time it would save them.
const TWO_CONNECTIONS_FROM: usize = 64;

/// A page cache of `mib` MiB, and the file mapped, for `conn`.
fn tune(conn: &Connection, mib: u32) -> Result<()> {
    // A negative cache_size is in KiB rather than pages.
    conn.pragma_update(None, "cache_size", -i64::from(mib) * 1024)?;
    // Pages read through a mapping of the file, not copied in with a
    // read(2) each: what a long run of lookups spends most of its time on
    // once the database outgrows the cache. Safe here: tokenctl's databases
    // never shrink (auto_vacuum is off, and nothing runs VACUUM), and only
    // their owner may write them.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    Ok(())
}

/// How much of the database file a long run of lookups maps.
const MMAP_BYTES: i64 = 1 << 30;

/// A batch keeps up to this much of the database in memory, about what its
/// lookups touch at a million tokens (there: 3.3 s instead of 4.5 s for a
/// million lines).
const BATCH_CACHE_MIB: u32 = 64;

fn connect(path: &Path, flags: OpenFlags) -> Result<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(
        |e| {
            anyhow::Error::new(DatabaseError(e))
                .context(format!("cannot open database {}", path.display()))
        },
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

fn cannot_open_shm(e: &Error) -> bool {
    matches!(
        error::code(e),
        Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    )
}

/// Why a file or directory for a new database could not be made, and what
/// to do about it.
fn cannot_create(what: &str, path: &Path, e: &std::io::Error) -> Error {
    Error::store(
        StoreErrorKind::CannotCreate,
        format!("cannot create {what} {} ({e})", path.display()),
    )
}
