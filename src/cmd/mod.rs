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

use std::path::PathBuf;

use crate::cli::{Cli, Command, ExpiryArgs};
use crate::error::{Error, Result, runtime};
use crate::model::Token;
use crate::output::Output;
use crate::store::Store;
use crate::time::{self, Epoch};
use crate::token::Secret;

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
    let actor = match global.actor {
        Some(actor) => actor,
        None if command.writes() => whoami::username()
            .ok()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".into()),
        None => String::new(),
    };
    let now = time::now();
    let mut ctx = Ctx { out, actor, now };
    let write = || Store::open(&path, None);
    let read = || Store::open_existing(&path);
    let code = match command {
        Command::Init { prefix } => init::run(
            &Store::open(&path, prefix.as_deref())?,
            &mut ctx,
            prefix.as_deref(),
        ),
        Command::Create(args) => {
            let expires_at = expiry(&args.expiry, now)?;
            create::run(&mut write()?, &mut ctx, args, expires_at)
        }
        Command::List(args) => list::run(&read()?, &mut ctx, &args),
        Command::Show { id } => show::run(&read()?, &mut ctx, id),
        Command::Revoke(args) => revoke::run(&mut write()?, &mut ctx, &args),
        Command::Reset(args) => {
            let expires_at = expiry(&args.expiry, now)?;
            reset::run(&mut write()?, &mut ctx, &args, expires_at)
        }
        Command::Enable { id } => enable::run(&mut write()?, &mut ctx, id),
        Command::Disable { id } => disable::run(&mut write()?, &mut ctx, id),
        Command::Verify(args) => {
            verify::refuse_argv(&args)?;
            verify::run(&mut read()?, &mut ctx, &args)
        }
        Command::Purge(args) => purge::run(&mut write()?, &mut ctx, &args),
        Command::Log(args) => log::run(&read()?, &mut ctx, &args),
        Command::Completions { .. } => unreachable!("handled above"),
    }?;
    ctx.out.finish()?;
    Ok(code)
}

/// `--db`, else `$TOKENCTL_DB` (both through clap), else the data directory.
fn db_path(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(p) if p.as_os_str().is_empty() => Err(Error::Usage("--db (or TOKENCTL_DB) must not be empty".into())),
        Some(p) => Ok(p),
        None => default_db_path()
            .ok_or_else(|| runtime("cannot find a home directory for the default database; pass --db or set TOKENCTL_DB")),
    }
}

/// `<data dir>/tokens.db`, e.g. `~/.local/share/tokenctl/tokens.db` on Linux.
pub fn default_db_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tokenctl").map(|d| d.data_dir().join("tokens.db"))
}

fn expiry(args: &ExpiryArgs, now: Epoch) -> Result<Option<Epoch>> {
    time::resolve_expiry(args.expires_in, args.expires_at, args.no_expiry, now)
        .map_err(Error::Usage)
}

/// Prints a new secret exactly once, after its transaction has committed.
/// If it cannot be delivered, the token is revoked at once: nobody holds its
/// secret, so nobody may use it.
fn deliver(
    store: &mut Store,
    ctx: &mut Ctx,
    token: &Token,
    secret: Secret,
    verb: &str,
) -> Result<u8> {
    let mut buf = zeroize::Zeroizing::new(Vec::with_capacity(512));
    if ctx.out.json {
        serde_json::to_writer(&mut *buf, &token.json(ctx.now).with_secret(secret.expose()))
            .map_err(anyhow::Error::from)?;
    } else {
        buf.extend_from_slice(secret.expose().as_bytes());
    }
    buf.push(b'\n');
    drop(secret);
    if let Err(e) = ctx.out.deliver_secret(&buf) {
        let detail = format!("secret not delivered: {e}");
        store.revoke(token.id as u64, &ctx.actor, ctx.now, Some(&detail))?;
        return Err(runtime(format!(
            "could not write the secret of token {} to stdout ({e}); the token was revoked, since nobody holds its secret",
            token.id
        )));
    }
    ctx.out.note(format!(
        "{verb} token {} {}",
        token.id,
        describe(token, ctx.now)
    ));
    ctx.out
        .note("This is the only time the secret is shown: store it now.");
    Ok(0)
}

/// `"CI deploy" (owner alice, tok_****F7bX)`: how prompts and notes name a token.
fn describe(t: &Token, now: Epoch) -> String {
    let owner = t
        .owner
        .as_deref()
        .map(|o| format!("owner {o}, "))
        .unwrap_or_default();
    let expiry = match t.expires_at {
        Some(e) if e > now => format!(", expires {}", time::relative(e, now)),
        Some(_) => ", expired".into(),
        None => String::new(),
    };
    format!("{:?} ({owner}{}{expiry})", t.name, t.masked())
}

/// `enable` and `disable`: one switch, two directions.
fn switch(store: &mut Store, ctx: &mut Ctx, id: u64, disabled: bool) -> Result<u8> {
    let state = if disabled { "disabled" } else { "enabled" };
    match store.set_disabled(id, disabled, &ctx.actor, ctx.now)? {
        crate::store::Change::Done(_) => ctx.out.note(format!("{state} token {id}")),
        crate::store::Change::Already(_) => ctx
            .out
            .note(format!("token {id} is already {state}; nothing changed")),
    }
    Ok(0)
}
