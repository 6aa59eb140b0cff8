//! The SQLite store: opening and creating the database file, pragmas, and
//! the typed queries. No SQL lives outside this module.

mod audit;
#[cfg(test)]
mod bulk_tests;
mod frozen;
mod migrate;
mod tokens;
pub mod trust;

#[cfg(test)]
mod tests;

use std::fs::{DirBuilder, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{DatabaseError, Error, Result, runtime};

pub(crate) use tokens::revoked_conflict;
pub use tokens::{Change, ListFilter, Lookup, NewToken, Purge};

/// How long a writer waits for another process's lock before giving up.
const BUSY_TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// A tokenctl database.
///
/// Every method takes the time as an argument, so one command reads the clock
/// once and tests can move it.
pub struct Store {
    conn: Connection,
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
}

impl Store {
    /// Opens the database at `path`, creating it (directory 0700, file 0600)
    /// when it is missing. `prefix` is the token prefix of a new database;
    /// `None` means `tok`. The files are checked first (see [`trust`]).
    pub fn open(path: &Path, prefix: Option<&str>) -> Result<Store> {
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
        let mut store = Store {
            conn,
            path: Some(path.to_owned()),
            created,
            read_only: false,
            may_write: false,
            cache_mib: None,
            schema: migrate::LATEST,
            frozen: false,
        };
        store.prepare(prefix)?;
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
    pub fn open_existing(path: &Path) -> Result<Store> {
        let checked = trust::check(path)?;
        if !checked.exists {
            return Err(runtime(format!(
                "no database at {}; create one with 'tokenctl init' or 'tokenctl create', or pass --db",
                path.display()
            )));
        }
        let path = checked.path.as_path();
        let conn = connect(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let mut store = Store {
            conn,
            path: Some(path.to_owned()),
            created: false,
            read_only: true,
            may_write: true,
            cache_mib: None,
            schema: migrate::LATEST,
            frozen: false,
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
        Ok(store)
    }

    /// A fresh database in memory, for tests and embedding.
    pub fn open_in_memory() -> Result<Store> {
        let conn = Connection::open_in_memory()?;
        let mut store = Store {
            conn,
            path: None,
            created: true,
            read_only: false,
            may_write: false,
            cache_mib: None,
            schema: migrate::LATEST,
            frozen: false,
        };
        store.prepare(None)?;
        Ok(store)
    }

    /// The database file; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Whether this open created the database file.
    pub fn created(&self) -> bool {
        self.created
    }

    /// Whether the database can only be read (verify then records no use).
    /// A store opened by [`Store::open_existing`] finds out at its first
    /// write; until then this is `false`.
    pub fn read_only(&self) -> bool {
        self.read_only && !self.may_write
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
        // A negative cache_size is in KiB rather than pages.
        self.conn
            .pragma_update(None, "cache_size", -i64::from(mib) * 1024)?;
        Ok(())
    }

    /// The token prefix of this database.
    pub fn prefix(&self) -> Result<String> {
        let p = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'prefix'")?
            .query_row([], |r| r.get(0))?;
        Ok(p)
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

    /// A runtime error, naming the database.
    fn in_context(&self, e: Error) -> Error {
        match e {
            Error::Runtime(e) => {
                Error::Runtime(e.context(format!("cannot use database {}", self.display_path())))
            }
            other => other,
        }
    }

    fn display_path(&self) -> String {
        self.path
            .as_deref()
            .map_or_else(|| ":memory:".into(), |p| p.display().to_string())
    }
}

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
    let Error::Runtime(e) = e else { return false };
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<DatabaseError>()
                .and_then(DatabaseError::code),
            Some(rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
        )
    })
}

/// Why a file or directory for a new database could not be made, and what
/// to do about it.
fn cannot_create(what: &str, path: &Path, e: &std::io::Error) -> Error {
    runtime(format!(
        "cannot create {what} {} ({e}); pass --db with a path in a directory this user may write",
        path.display()
    ))
}
