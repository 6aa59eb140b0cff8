//! The one error type callers branch on, and the exit code of each kind
//! (SPEC §4). Errors say what went wrong and nothing about any front end:
//! the command line and the HTTP API add their own hints (see
//! `cmd::hint`).

use std::fmt;

use crate::core::id::TokenId;

/// What went wrong, sorted by what a caller (or the shell) does about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad flag or value, or a refusal to act without `--yes`: exit 2.
    #[error("{0}")]
    Usage(String),
    /// No token has this id: exit 5.
    #[error("no token with id {0}")]
    NotFound(TokenId),
    /// No token at all has this owner: exit 5. `similar` holds the owners
    /// that differ from it only in case.
    #[error("no token has owner {}{}", crate::text::quote(.owner), similar_owners(.similar))]
    NoSuchOwner {
        /// The owner asked for.
        owner: String,
        /// Owners that differ only in case.
        similar: Vec<String>,
    },
    /// A change of a revoked token: exit 6.
    #[error("cannot {verb} token {id}: it is revoked, and revocation is final")]
    Revoked {
        /// What was refused: `reset`, `enable`, `disable`.
        verb: &'static str,
        /// The token.
        id: TokenId,
    },
    /// The database's state forbids the change: exit 6.
    #[error("{0}")]
    Conflict(String),
    /// A rule of the database's policy forbids the change: exit 6.
    #[error("policy {rule}: {message}")]
    Policy {
        /// The rule.
        rule: crate::core::policy::Key,
        /// What it forbids, and what would be allowed.
        message: String,
    },
    /// A finding: the audit trail does not hold (exit 7).
    #[error("{0}")]
    Altered(String),
    /// The database could not be used: exit 1.
    #[error("{0}")]
    Store(StoreError),
    /// stdout was closed by its reader: quiet success, like `head` expects.
    #[error("broken pipe")]
    BrokenPipe,
    /// The file system, a declined confirmation, anything else: exit 1.
    #[error("{}", Chain(.0))]
    Runtime(#[from] anyhow::Error),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::NotFound(_) | Error::NoSuchOwner { .. } => 5,
            Error::Revoked { .. } | Error::Conflict(_) | Error::Policy { .. } => 6,
            Error::Altered(_) => 7,
            Error::BrokenPipe => 0,
            Error::Store(_) | Error::Runtime(_) => 1,
        }
    }

    /// A store error of this kind.
    pub fn store(kind: StoreErrorKind, message: impl fmt::Display) -> Error {
        Error::Store(StoreError {
            kind,
            message: message.to_string(),
        })
    }
}

/// Why a database could not be used, sorted by what a person does about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// There is no database file.
    Missing,
    /// A PostgreSQL database without tokenctl's tables.
    NoTables,
    /// The path is no database file: a directory, a FIFO, a device.
    NotAFile,
    /// Damaged, another program's, or empty.
    NotTokenctl,
    /// A database file or directory could not be made.
    CannotCreate,
    /// The database's directory cannot be entered.
    Unreachable,
    /// Someone else could have written its files.
    Untrusted,
    /// Its schema is newer than this binary.
    Newer,
    /// The server is down, refused the login, or has no such database.
    Connect,
    /// Anything else: disk full, I/O, read-only, locked, a server error.
    Other,
}

/// A database that could not be used, and why.
#[derive(Debug)]
pub struct StoreError {
    /// What a person does about it.
    pub kind: StoreErrorKind,
    /// What went wrong, naming the database.
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

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
            // A driver may repeat the cause in its own message; one line is enough.
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
