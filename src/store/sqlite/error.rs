//! SQLite's errors told the way an operator can act on them: what is wrong,
//! SQLite's own words in parentheses, and what to do about the file.

use std::fmt;

use crate::core::error::Error;

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Runtime(anyhow::Error::new(DatabaseError(e)))
    }
}

/// A failed SQLite call.
#[derive(Debug)]
pub struct DatabaseError(pub rusqlite::Error);

impl DatabaseError {
    /// SQLite's primary result code, if SQLite produced this error.
    pub fn code(&self) -> Option<rusqlite::ErrorCode> {
        self.0.sqlite_error_code()
    }
}

/// The SQLite result code somewhere in `e`, if any.
pub fn code(e: &Error) -> Option<rusqlite::ErrorCode> {
    let Error::Runtime(e) = e else { return None };
    e.chain().find_map(|c| {
        c.downcast_ref::<DatabaseError>()
            .and_then(DatabaseError::code)
    })
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use rusqlite::ErrorCode as C;
        // rusqlite's message is one line of SQLite's text; its source repeats it.
        let said = self.0.to_string();
        let said = said.lines().next().unwrap_or_default();
        let (what, todo) = match self.code() {
            Some(C::NotADatabase | C::DatabaseCorrupt) => (
                "it is damaged or not a database",
                "restore it from a backup, or use another file",
            ),
            Some(C::DiskFull) => ("the disk is full", "free some space and try again"),
            Some(C::SystemIoFailure) => (
                "reading or writing it failed",
                "check that its disk has free space and works, then try again",
            ),
            Some(C::ReadOnly) => (
                "this user may only read it",
                "run as a user who may write the file and its directory",
            ),
            Some(C::PermissionDenied | C::CannotOpen) => (
                "it cannot be opened",
                "check that the file and its directory exist and that this user may read and write them",
            ),
            Some(C::DatabaseBusy | C::DatabaseLocked) => {
                ("another process kept it locked for too long", "try again")
            }
            _ => return write!(f, "database error: {said}"),
        };
        write!(f, "{what} ({said}); {todo}")
    }
}

impl std::error::Error for DatabaseError {}
