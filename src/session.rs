//! What a command of the command line gets: its output, the actor, the
//! time, and the database, opened when the command asks for it, the way it
//! needs it. Settings are resolved and checked here, where they are used.

use std::path::PathBuf;

use crate::cli::Global;
use crate::core::error::{Error, Result, runtime};
use crate::output::Output;
use crate::store::postgres::connect;
use crate::store::{Store, Target};
use crate::time::{self, Epoch};

/// What every command gets.
pub struct Ctx {
    /// stdout and stderr.
    pub out: Output,
    /// Who is acting, for the audit trail; empty for a command that only
    /// reads.
    pub actor: String,
    /// The time, read once for the whole command.
    pub now: Epoch,
    db: Option<PathBuf>,
    db_source: &'static str,
}

impl Ctx {
    /// The context of a command with these global options. `writes`: the
    /// command records an actor, so one is resolved and checked.
    pub fn new(global: Global, writes: bool) -> Result<Ctx> {
        let out = Output::new(global.json, global.quiet, global.color);
        let (db, db_source) = match global.db {
            Some(p) => (Some(p), "--db"),
            None => (
                std::env::var_os("TOKENCTL_DB").map(PathBuf::from),
                "TOKENCTL_DB",
            ),
        };
        // Only a command that writes records an actor: looking up the OS
        // user (NSS, /etc/passwd) stays off the read paths, verify's above
        // all.
        let actor = if writes {
            actor(global.actor)?
        } else {
            String::new()
        };
        Ok(Ctx {
            out,
            actor,
            now: time::now(),
            db,
            db_source,
        })
    }

    /// The database the options name: `--db`, else `$TOKENCTL_DB`, else
    /// the data directory.
    pub fn target(&self) -> Result<Target> {
        let path = match &self.db {
            Some(p) if p.as_os_str().is_empty() => {
                return Err(Error::Usage(format!(
                    "{} is empty; give it a database path{}",
                    self.db_source,
                    if self.db_source == "TOKENCTL_DB" {
                        ", or unset it"
                    } else {
                        ""
                    }
                )));
            }
            Some(p) => {
                if let Some(url) = p.to_str().filter(|s| connect::is_url(s)) {
                    let from_command_line = self.db_source == "--db";
                    return connect::Target::parse(url, from_command_line)
                        .map(|t| Target::Postgres(Box::new(t)))
                        .map_err(|e| match e.exit_code() {
                            2 => Error::Usage(e.to_string()),
                            _ => Error::store(crate::core::error::StoreErrorKind::Connect, e),
                        });
                }
                p.clone()
            }
            None => default_db_path().ok_or_else(|| {
                runtime("cannot find a home directory for the default database; pass --db or set TOKENCTL_DB")
            })?,
        };
        Ok(Target::Sqlite(path))
    }

    /// Opens the existing database; a missing one is an error, and nothing
    /// is created.
    pub fn open(&self) -> Result<Box<dyn Store>> {
        self.target()?.open_existing()
    }

    /// Opens the database, creating it when it is missing (`init`,
    /// `create`) with `prefix`, else `tok`.
    pub fn open_or_create(&self, prefix: Option<&str>) -> Result<Box<dyn Store>> {
        self.target()?.open_or_create(prefix)
    }
}

/// The actor for the audit trail: `--actor`, else `$TOKENCTL_ACTOR`, else
/// the OS user, checked and named by where it came from.
fn actor(given: Option<String>) -> Result<String> {
    let (actor, source) = match given {
        Some(a) => (a, "--actor"),
        None => match std::env::var("TOKENCTL_ACTOR") {
            Ok(a) => (a, "TOKENCTL_ACTOR"),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Error::Usage(
                    "TOKENCTL_ACTOR is not valid UTF-8; unset it or pass --actor".into(),
                ));
            }
            Err(std::env::VarError::NotPresent) => {
                let user = whoami::username()
                    .ok()
                    .or_else(|| std::env::var("USER").ok())
                    .unwrap_or_else(|| "unknown".into());
                (user, "the OS user name")
            }
        },
    };
    match crate::core::validate::actor(&actor) {
        Ok(_) => Ok(actor),
        Err(e) if source == "the OS user name" => Err(Error::Usage(format!(
            "{e} (taken from the OS user name); pass --actor"
        ))),
        Err(e) if source == "TOKENCTL_ACTOR" => Err(Error::Usage(format!(
            "TOKENCTL_ACTOR: {e}; fix or unset it, or pass --actor"
        ))),
        Err(e) => Err(Error::Usage(format!("{source}: {e}"))),
    }
}

/// `<data dir>/tokens.db`, e.g. `~/.local/share/tokenctl/tokens.db` on Linux.
pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tokenctl").map(|d| d.data_dir().join("tokens.db"))
}
