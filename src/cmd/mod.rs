//! The dispatcher: resolves the global options, opens the database the way
//! the command needs it (or not at all), and runs the command.

mod completions;
mod create;
mod disable;
mod enable;
mod init;
mod list;
mod log;
mod purge;
mod reset;
mod revoke;
mod show;
mod verify;

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command, ExpiryArgs};
use crate::error::{DatabaseError, Error, Result, runtime};
use crate::model::Token;
use crate::output::Output;
use crate::store::Store;
use crate::text;
use crate::time::{self, Epoch};

/// What every command gets besides the store.
pub struct Ctx {
    /// stdout and stderr.
    pub out: Output,
    /// Who is acting, for the audit trail; empty for a command that only
    /// reads.
    pub actor: String,
    /// The time, read once for the whole command.
    pub now: Epoch,
}

/// Runs a parsed command line; returns the exit code of a command that
/// succeeded (0, or verify's 3 and 4).
pub fn run(cli: Cli) -> Result<u8> {
    let Cli { global, command } = cli;
    let out = Output::new(global.json, global.quiet, global.color);
    if let Command::Completions { shell } = command {
        let mut out = out;
        completions::run(&mut out, shell)?;
        return out.finish().map(|()| 0);
    }
    let path = db_path(global.db)?;
    // Only a command that writes records an actor: looking up the OS user
    // (NSS, /etc/passwd) stays off the read paths, verify's above all.
    let actor = if command.writes() {
        actor(global.actor)?
    } else {
        String::new()
    };
    if command.holds_secrets() {
        crate::guard::protect()?;
    }
    let now = time::now();
    let mut ctx = Ctx { out, actor, now };
    // Only init and create may make a database: anything else pointed at
    // a wrong path must fail, not leave an empty database behind.
    let existing = || Store::open_existing(&path);
    let answers = matches!(command, Command::Verify(_));
    let code = match command {
        Command::Init { prefix } => init::run(
            &Store::open(&path, prefix.as_deref())?,
            &mut ctx,
            prefix.as_deref(),
        ),
        Command::Create(args) => {
            let expires_at = expiry(&args.expiry, now)?;
            create::run(&mut Store::open(&path, None)?, &mut ctx, args, expires_at)
        }
        Command::List(args) => list::run(&mut existing()?, &mut ctx, &args),
        Command::Show { id } => show::run(&existing()?, &mut ctx, id),
        Command::Revoke(args) => revoke::run(&mut existing()?, &mut ctx, &args),
        Command::Reset(args) => {
            let expires_at = expiry(&args.expiry, now)?;
            reset::run(&mut existing()?, &mut ctx, &args, expires_at)
        }
        Command::Enable { id } => enable::run(&mut existing()?, &mut ctx, id),
        Command::Disable { id } => disable::run(&mut existing()?, &mut ctx, id),
        Command::Verify(args) => {
            verify::refuse_argv(&args)?;
            verify::run(&mut existing()?, &mut ctx, &args)
        }
        Command::Purge(args) => purge::run(&mut existing()?, &mut ctx, &args),
        Command::Log(args) => log::run(&mut existing()?, &mut ctx, &args),
        Command::Completions { .. } => unreachable!("handled above"),
    }
    .map_err(|e| name_database(e, &path))?;
    let flushed = ctx.out.finish();
    // The exit code of a command that answers a question is the answer,
    // whatever became of its output.
    if !answers {
        flushed?;
    }
    Ok(code)
}

/// The actor for the audit trail: `--actor`, else `$TOKENCTL_ACTOR`, else
/// the OS user. Checked here, where it is used, naming where it came from.
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
    match crate::validate::actor(&actor) {
        Ok(_) => Ok(actor),
        Err(e) if source == "the OS user name" => Err(Error::Usage(format!(
            "{e} (taken from the OS user name); pass --actor"
        ))),
        Err(e) => Err(Error::Usage(format!("{source}: {e}"))),
    }
}

/// A database error met after the database was opened names its path too,
/// like every error about a file.
fn name_database(e: Error, path: &Path) -> Error {
    match e {
        Error::Runtime(e)
            if e.downcast_ref::<DatabaseError>().is_some()
                && !format!("{e:#}").contains(&path.display().to_string()) =>
        {
            Error::Runtime(e.context(format!("database {}", path.display())))
        }
        other => other,
    }
}

/// `--db`, else `$TOKENCTL_DB`, else the data directory; an empty value is
/// an error naming where it came from.
fn db_path(given: Option<PathBuf>) -> Result<PathBuf> {
    let (path, source) = match given {
        Some(p) => (p, "--db"),
        None => match std::env::var_os("TOKENCTL_DB") {
            Some(p) => (PathBuf::from(p), "TOKENCTL_DB"),
            None => {
                return default_db_path().ok_or_else(|| {
                    runtime("cannot find a home directory for the default database; pass --db or set TOKENCTL_DB")
                });
            }
        },
    };
    if path.as_os_str().is_empty() {
        return Err(Error::Usage(format!(
            "{source} is empty; give it a database path{}",
            if source == "TOKENCTL_DB" {
                ", or unset it"
            } else {
                ""
            }
        )));
    }
    Ok(path)
}

/// `<data dir>/tokens.db`, e.g. `~/.local/share/tokenctl/tokens.db` on Linux.
pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tokenctl").map(|d| d.data_dir().join("tokens.db"))
}

fn expiry(args: &ExpiryArgs, now: Epoch) -> Result<Option<Epoch>> {
    time::resolve_expiry(args.expires_in, args.expires_at, args.no_expiry, now)
        .map_err(Error::Usage)
}

/// `"CI deploy" (owner alice, tok_****F7bX)`: how prompts and notes name a
/// token. Name and owner are escaped: a database written by an older
/// version may hold characters that would reorder or hide the question.
pub(crate) fn describe(t: &Token, now: Epoch) -> String {
    let owner = t
        .owner
        .as_deref()
        .map(|o| format!("owner {}, ", text::escape(o)))
        .unwrap_or_default();
    let expiry = match t.expires_at {
        Some(e) if e > now => format!(", expires {}", time::relative(e, now)),
        Some(_) => ", expired".into(),
        None => String::new(),
    };
    format!("{} ({owner}{}{expiry})", text::quote(&t.name), t.masked())
}

/// At most this many ids are named in a note after a change to many tokens
/// (purge, revoke --owner); `--json` lists them all.
const IDS_IN_NOTE: usize = 20;

/// `1, 2, 3 and 7 more`: ids for people, at most `max` of them named.
fn id_list(ids: &[i64], max: usize) -> String {
    let mut text: Vec<String> = ids.iter().take(max).map(i64::to_string).collect();
    if ids.len() > max {
        text.push(format!("and {} more", ids.len() - max));
    }
    text.join(", ")
}

/// `1 token`, `2 tokens`.
fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `enable` and `disable`: one switch, two directions. Unknown id: 5;
/// revoked: 6; already so: 0 with a note. `--json` prints the token as it
/// is afterwards.
fn switch(store: &mut Store, ctx: &mut Ctx, id: u64, disabled: bool) -> Result<u8> {
    let state = if disabled { "disabled" } else { "enabled" };
    let token = match store.set_disabled(id, disabled, &ctx.actor, ctx.now)? {
        crate::store::Change::Done(t) => {
            ctx.out.note(format!("{state} token {id}"));
            t
        }
        crate::store::Change::Already(t) => {
            ctx.out
                .note(format!("token {id} is already {state}; nothing changed"));
            t
        }
    };
    if !disabled && token.expires_at.is_some_and(|e| e <= ctx.now) {
        // Enabled, but still not valid: say so rather than let it surprise.
        ctx.out.note(format!(
            "token {id} has expired, so it is still not valid; 'tokenctl reset {id}' gives it a new secret and expiry"
        ));
    }
    if ctx.out.json {
        ctx.out.json_value(&token.json(ctx.now))?;
    }
    Ok(0)
}
