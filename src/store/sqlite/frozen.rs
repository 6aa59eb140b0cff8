//! A database read by a user who cannot write its directory, when SQLite's
//! `-shm` file is missing so WAL mode cannot be set up: the file is read as
//! immutable, and since SQLite then neither locks nor notices changes, each
//! snapshot opens it anew and is used only if the file did not change while
//! it was read. A long-running verifier so sees every commit by the next
//! group of lines, and never answers from a frozen copy (SPEC §5).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{SqliteStore, cannot_open_shm, trust};
use crate::error::{Error, Result, runtime};

/// A snapshot is tried this often while the file keeps changing under it.
const ATTEMPTS: usize = 50;

/// What a reader can see of the files without locking them: enough to
/// notice that a writer touched them.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    db: (u64, u64, u64, i64, i64, i64, i64),
    wal: Option<(u64, u64, i64, i64)>,
}

impl Stamp {
    fn of(path: &Path) -> Result<Stamp> {
        let m = std::fs::metadata(path)
            .map_err(|e| runtime(format!("cannot read database {} ({e})", path.display())))?;
        let [wal, _] = trust::sidecars(path);
        let wal = std::fs::metadata(&wal)
            .ok()
            .map(|w| (w.ino(), w.len(), w.mtime(), w.mtime_nsec()));
        Ok(Stamp {
            db: (
                m.dev(),
                m.ino(),
                m.len(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec(),
            ),
            wal,
        })
    }

    /// Whether a writer left committed changes in the `-wal` file.
    fn pending(&self) -> bool {
        self.wal.is_some_and(|w| w.1 > 0)
    }
}

/// Whether the `-wal` file of `path` is missing or empty.
pub(super) fn wal_is_empty(path: &Path) -> bool {
    let [wal, _] = trust::sidecars(path);
    std::fs::metadata(wal).map_or(true, |m| m.len() == 0)
}

/// The error of a reader that cannot see changes committed to the `-wal`
/// file: better no answer than one from stale data.
pub(super) fn unreadable_wal(path: &Path) -> Error {
    let [wal, _] = trust::sidecars(path);
    let why = match std::fs::File::open(&wal) {
        Ok(_) => "no write access to its directory",
        Err(_) => "this user may not read it",
    };
    runtime(format!(
        "cannot read the pending changes in {} ({why}); verify as a user who can write there, \
         or have the owner checkpoint the database (any tokenctl command of the owner does, \
         once no other process has it open)",
        wal.display()
    ))
}

/// An immutable, read-only connection to `path`.
pub(super) fn connect(path: &Path) -> Result<Connection> {
    super::connect(
        &immutable_uri(path),
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )
}

impl SqliteStore {
    /// `f` in one read transaction on a frozen store: a connection opened
    /// for it, and its answer used only when the files did not change
    /// meanwhile. When a writer has left changes in the `-wal` file, the
    /// connection is an ordinary one, whose locks keep it consistent; if
    /// that cannot be opened, the pending changes cannot be read and this
    /// is an error.
    pub(super) fn frozen_snapshot<T>(
        &mut self,
        mut f: impl FnMut(&mut dyn crate::store::Reader) -> Result<T>,
    ) -> Result<T> {
        let path = self.path.clone().unwrap_or_default();
        for _ in 0..ATTEMPTS {
            let (before, locked) = self.refresh_frozen()?;
            let value = self.plain_snapshot(&mut f)?;
            if locked || Stamp::of(&path)? == before {
                return Ok(value);
            }
        }
        Err(runtime(format!(
            "database {} changed during each of {ATTEMPTS} reads; try again",
            path.display()
        )))
    }
}

impl SqliteStore {
    /// Opens a frozen store's file anew: immutable when no changes are
    /// pending, else an ordinary connection (or the error that the pending
    /// changes cannot be read). Returns the files' stamp before, and
    /// whether the connection is an ordinary, locking one.
    pub(super) fn refresh_frozen(&mut self) -> Result<(Stamp, bool)> {
        let path = self.path.clone().unwrap_or_default();
        let before = Stamp::of(&path)?;
        let locked = before.pending();
        self.conn = if locked {
            let conn = super::connect(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            // The header read that fails without a usable -shm.
            match super::migrate::version(&conn) {
                Ok(_) => conn,
                Err(e) if cannot_open_shm(&e) => return Err(unreadable_wal(&path)),
                Err(e) => return Err(e),
            }
        } else {
            connect(&path)?
        };
        if let Some(mib) = self.cache_mib {
            self.apply_cache_size(mib)?;
        }
        self.prepare_read()?;
        Ok((before, locked))
    }
}

/// `file:` URI for `path`, opened immutable; bytes that mean something in a
/// URI are percent-encoded.
fn immutable_uri(path: &Path) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    PathBuf::from(uri)
}
