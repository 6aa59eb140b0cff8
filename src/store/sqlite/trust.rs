//! Whether a database path may be used at all: a regular file, never an
//! SQLite special name, and only files and a directory that nobody but this
//! user (or root, or for a reader the database's own owner) can write, as
//! ssh and gpg demand of their files (SPEC §5).

use std::fs::Metadata;
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::core::error::{Error, Result, StoreErrorKind, runtime};

/// What the checks found out, for opening the database afterwards.
#[derive(Debug)]
pub struct Checked {
    /// The absolute path SQLite gets: `:memory:` or `file:x?mode=memory`
    /// typed as `--db` are file names in the working directory, nothing
    /// else.
    pub path: PathBuf,
    /// Whether the database file exists.
    pub exists: bool,
}

/// `path` as SQLite must get it, checked. For a database that exists, its
/// directory and its `-wal` and `-shm` files, and the file itself: each
/// must be owned by this user or root and writable by nobody else.
///
/// A database owned by another account is accepted only when this user
/// cannot write it: a service account that may only read its owner's
/// database (verify) is the case this allows, and files next to it must
/// then belong to that owner (or root) too.
pub fn check(given: &Path) -> Result<Checked> {
    let path = std::path::absolute(given).map_err(|e| {
        runtime(format!(
            "cannot resolve database path {} ({e})",
            given.display()
        ))
    })?;
    let meta = match std::fs::metadata(&path) {
        Ok(m) => Some(m),
        // A missing file, or a file where a directory should be: nothing
        // to check; creating it reports the second.
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => None,
        Err(e) => {
            return Err(Error::store(
                StoreErrorKind::Unreachable,
                format!("cannot reach database {} ({e})", path.display()),
            ));
        }
    };
    let Some(meta) = meta else {
        // A new database: its directory must be safe to create it in.
        if let Some(dir) = path.parent().filter(|d| d.is_dir()) {
            let mut trusted = Owners::mine();
            trusted.check(dir, &meta_of(dir)?, Kind::Directory)?;
            for side in sidecars(&path) {
                if let Some(m) = optional_meta(&side)? {
                    trusted.check(&side, &m, Kind::File)?;
                }
            }
        }
        return Ok(Checked {
            path,
            exists: false,
        });
    };
    refuse_special(&path, &meta)?;
    // SQLite puts -wal and -shm next to the file a symbolic link names.
    let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let mut trusted = Owners::mine();
    if !trusted.has(meta.uid()) {
        if rustix::fs::access(&real, rustix::fs::Access::WRITE_OK).is_ok() {
            return Err(Error::store(
                StoreErrorKind::Untrusted,
                format!(
                    "refusing to use database {}: it belongs to {}, not to this user; \
                 run as that user, or chown it if it is yours",
                    path.display(),
                    user_name(meta.uid())
                ),
            ));
        }
        trusted.others_db = Some(meta.uid());
    }
    if let Some(dir) = real.parent() {
        trusted.check(dir, &meta_of(dir)?, Kind::Directory)?;
    }
    trusted.check(&real, &meta, Kind::File)?;
    for side in sidecars(&real) {
        if let Some(m) = optional_meta(&side)? {
            refuse_special(&side, &m)?;
            trusted.check(&side, &m, Kind::File)?;
        }
    }
    Ok(Checked { path, exists: true })
}

/// A FIFO would hang SQLite, a device is no database, and SQLite would
/// put a journal next to either: refused before SQLite sees them.
fn refuse_special(path: &Path, meta: &Metadata) -> Result<()> {
    let t = meta.file_type();
    let what = if t.is_file() {
        return Ok(());
    } else if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Err(Error::store(
        StoreErrorKind::NotAFile,
        format!("{} is {what}, not a database file", path.display()),
    ))
}

#[derive(Clone, Copy)]
enum Kind {
    File,
    Directory,
}

/// Whose files may be trusted.
struct Owners {
    me: u32,
    /// The owner of a database this user may only read.
    others_db: Option<u32>,
}

impl Owners {
    fn mine() -> Owners {
        Owners {
            me: rustix::process::geteuid().as_raw(),
            others_db: None,
        }
    }

    fn has(&self, uid: u32) -> bool {
        uid == 0 || uid == self.me || Some(uid) == self.others_db
    }

    fn check(&mut self, path: &Path, meta: &Metadata, kind: Kind) -> Result<()> {
        let mode = meta.mode() & 0o7777;
        if !self.has(meta.uid()) {
            return Err(Error::store(
                StoreErrorKind::Untrusted,
                format!(
                    "refusing to use {} {}: it belongs to {}, not to this user or root, so \
                 someone else may have planted it; remove it if you did not make it",
                    noun(kind),
                    path.display(),
                    user_name(meta.uid())
                ),
            ));
        }
        if mode & 0o022 != 0 {
            let fix = match kind {
                Kind::File => format!("chmod 600 {}", path.display()),
                Kind::Directory => format!("chmod go-w {}", path.display()),
            };
            return Err(Error::store(
                StoreErrorKind::Untrusted,
                format!(
                    "refusing to use {} {}: its mode {mode:04o} lets other users write it; \
                 fix it with '{fix}'",
                    noun(kind),
                    path.display()
                ),
            ));
        }
        Ok(())
    }
}

fn noun(kind: Kind) -> &'static str {
    match kind {
        Kind::File => "database file",
        Kind::Directory => "database directory",
    }
}

fn meta_of(path: &Path) -> Result<Metadata> {
    std::fs::metadata(path).map_err(|e| {
        runtime(format!(
            "cannot reach database directory {} ({e}); check that this user may enter it",
            path.display()
        ))
    })
}

fn optional_meta(path: &Path) -> Result<Option<Metadata>> {
    // lstat: a link planted as -wal is refused as what it is, a link.
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(Error::store(
            StoreErrorKind::Untrusted,
            format!(
                "refusing to use database file {}: it is a symbolic link, which SQLite never makes; \
             remove it if you did not make it",
                path.display()
            ),
        )),
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(runtime(format!("cannot check {} ({e})", path.display()))),
    }
}

/// SQLite's `-wal` and `-shm` files of the database at `path`.
pub fn sidecars(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|suffix| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    })
}

/// `alice (uid 1001)`, or `uid 1001` for an account with no name.
fn user_name(uid: u32) -> String {
    let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
        p.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            let id = f.nth(1)?;
            (id.parse::<u32>().ok()? == uid).then(|| name.to_owned())
        })
    });
    match name {
        Some(n) => format!("user {} (uid {uid})", crate::text::escape(&n)),
        None => format!("uid {uid}"),
    }
}
