//! The command line's advice on an error, added where the error leaves the
//! library: the core and the stores say what went wrong; only the front end
//! knows which flag or command helps.

use crate::core::error::{Error, StoreErrorKind};

/// What to do about `e` on the command line, if there is advice.
pub fn hint(e: &Error) -> Option<&'static str> {
    Some(match e {
        Error::NotFound(_) => "'tokenctl list' shows the ids",
        Error::Revoked { .. } => "issue a new token with 'tokenctl create'",
        Error::Store(s) => match s.kind {
            StoreErrorKind::Missing => {
                "create one with 'tokenctl init' or 'tokenctl create', or pass --db"
            }
            StoreErrorKind::NoTables => "create them with 'tokenctl init', or pass --db",
            StoreErrorKind::NotAFile => "pass --db with the path of a database file",
            StoreErrorKind::NotTokenctl => "pass --db with another database",
            StoreErrorKind::CannotCreate => {
                "pass --db with a path in a directory this user may write"
            }
            StoreErrorKind::Unreachable => {
                "check that this user may enter its directory, or pass --db"
            }
            StoreErrorKind::Untrusted
            | StoreErrorKind::Newer
            | StoreErrorKind::Connect
            | StoreErrorKind::Other => return None,
        },
        _ => return None,
    })
}

/// The one line printed for `e`: its message, and the advice.
pub fn line(e: &Error) -> String {
    match hint(e) {
        Some(h) => format!("{e}; {h}"),
        None => e.to_string(),
    }
}
