//! The one error type callers branch on, and the exit code of each kind
//! (SPEC §4).

use std::fmt;

/// What went wrong, sorted by what a caller (or the shell) does about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad flag or value, or a refusal to act without `--yes`: exit 2.
    #[error("{0}")]
    Usage(String),
    /// No token has this id: exit 5.
    #[error("no token with id {0}; 'tokenctl list' shows the ids")]
    NotFound(u64),
    /// No token at all has this owner: exit 5. `similar` holds the owners
    /// that differ from it only in case.
    #[error("no token has owner {}{}", crate::text::quote(.owner), similar_owners(.similar))]
    NoSuchOwner {
        /// The owner asked for.
        owner: String,
        /// Owners that differ only in case.
        similar: Vec<String>,
    },
    /// The token's state forbids the change: exit 6.
    #[error("{0}")]
    Conflict(String),
    /// stdout was closed by its reader: quiet success, like `head` expects.
    #[error("broken pipe")]
    BrokenPipe,
    /// The database, the file system, or a declined confirmation: exit 1.
    #[error("{}", Chain(.0))]
    Runtime(#[from] anyhow::Error),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::NotFound(_) | Error::NoSuchOwner { .. } => 5,
            Error::Conflict(_) => 6,
            Error::BrokenPipe => 0,
            Error::Runtime(_) => 1,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Runtime(anyhow::Error::new(DatabaseError(e)))
    }
}

/// A failed SQLite call, told the way an operator can act on it: what is
/// wrong, SQLite's own words in parentheses, and what to do.
#[derive(Debug)]
pub struct DatabaseError(pub rusqlite::Error);

impl DatabaseError {
    /// SQLite's primary result code, if SQLite produced this error.
    pub fn code(&self) -> Option<rusqlite::ErrorCode> {
        self.0.sqlite_error_code()
    }
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
                "restore it from a backup, or pass --db with another path",
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

fn similar_owners(similar: &[String]) -> String {
    match similar {
        [] => String::new(),
        _ => {
            let quoted: Vec<String> = similar.iter().map(|o| crate::text::quote(o)).collect();
            format!("; did you mean {}?", quoted.join(" or "))
        }
    }
}

/// Builds a runtime error from a message.
pub fn runtime(msg: impl fmt::Display) -> Error {
    Error::Runtime(anyhow::anyhow!("{msg}"))
}

/// Prints an error chain on one line: `outer: inner: cause`.
struct Chain<'a>(&'a anyhow::Error);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for cause in self.0.chain() {
            let text = cause.to_string();
            // rusqlite repeats the cause in its own message; one line is enough.
            let text = text.lines().next().unwrap_or_default();
            if !first {
                f.write_str(": ")?;
            }
            f.write_str(text)?;
            first = false;
        }
        Ok(())
    }
}

/// Results of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
