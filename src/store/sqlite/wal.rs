//! The WAL-index header at the start of a database's `-shm` file, read
//! without SQLite: every commit, by any process, rewrites it before it
//! returns (SQLite's own readers decide the same way whether their page
//! cache is still good, <https://www.sqlite.org/walformat.html>), so two
//! equal readings mean that nothing was committed between them.

use std::fs::File;
use std::path::{Path, PathBuf};

/// A WAL-index header, as SQLite lays it out at the start of `-shm`.
pub const HEADER: usize = 48;

/// The `-shm` file of the database at `path` (next to the file a symbolic
/// link names, where SQLite keeps it).
pub fn shm_of(path: &Path) -> Option<File> {
    let real = std::fs::canonicalize(path).ok()?;
    let mut name = real.into_os_string();
    name.push("-shm");
    File::open(name).ok()
}

/// The WAL-index header, when both of its copies read alike and it is
/// initialised; `None` (keep nothing, trust nothing kept) otherwise, as
/// while a writer is rewriting it.
pub fn wal_header(shm: &File) -> Option<[u8; HEADER]> {
    let mut buf = [0u8; 2 * HEADER];
    let n = rustix::io::pread(shm, &mut buf, 0).ok()?;
    let (first, second) = buf.split_at(HEADER);
    // isInit, the thirteenth byte, is 1 once the header is valid.
    if n < buf.len() || first != second || first[12] != 1 {
        return None;
    }
    first.try_into().ok()
}

/// The `-shm` file of a database this process has open, held open to read
/// its header. SQLite deletes the file when the last connection closes
/// and the next one makes another, so a file that has lost its name is
/// opened again by name: a header read from it would never change.
pub(super) struct Shm {
    path: PathBuf,
    file: Option<File>,
}

impl Shm {
    pub(super) fn new(path: &Path) -> Shm {
        Shm {
            path: path.to_owned(),
            file: None,
        }
    }

    /// The header as it reads now; `None` when it cannot be read whole.
    pub(super) fn header(&mut self) -> Option<[u8; HEADER]> {
        let named = self
            .file
            .as_ref()
            .is_some_and(|f| rustix::fs::fstat(f).is_ok_and(|st| st.st_nlink > 0));
        if !named {
            self.file = shm_of(&self.path);
        }
        wal_header(self.file.as_ref()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_trusted_only_when_both_copies_agree_and_it_is_initialised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x-shm");
        let write = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            File::open(&path).unwrap()
        };
        let mut h = [5u8; HEADER];
        h[12] = 1;
        let good: Vec<u8> = [h, h].concat();
        assert_eq!(wal_header(&write(&good)), Some(h));
        let mut torn = good.clone();
        torn[HEADER + 20] ^= 1;
        assert_eq!(wal_header(&write(&torn)), None);
        let mut uninit = good.clone();
        uninit[12] = 0;
        uninit[HEADER + 12] = 0;
        assert_eq!(wal_header(&write(&uninit)), None);
        assert_eq!(wal_header(&write(&good[..50])), None);
    }

    #[test]
    fn a_file_that_lost_its_name_is_opened_again() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x");
        let shm = dir.path().join("x-shm");
        let header = |b: u8| {
            let mut h = [b; HEADER];
            h[12] = 1;
            [h, h].concat()
        };
        std::fs::write(&db, b"").unwrap();
        let mut watch = Shm::new(&db);
        assert_eq!(watch.header(), None, "no file yet");
        std::fs::write(&shm, header(1)).unwrap();
        assert_eq!(watch.header().unwrap()[0], 1);
        // Deleted and made anew, as SQLite does between connections.
        std::fs::remove_file(&shm).unwrap();
        std::fs::write(&shm, header(2)).unwrap();
        assert_eq!(watch.header().unwrap()[0], 2);
    }
}
