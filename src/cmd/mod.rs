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
use crate::model::{Token, TokenJson};
use crate::output::Output;
use crate::store::Store;
use crate::text;
use crate::time::{self, Epoch};
use crate::token::Secret;
use zeroize::Zeroizing;

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
        // A dry run changes nothing, not even by creating a missing database.
        Command::Purge(args) if args.dry_run => purge::run(&mut read()?, &mut ctx, &args),
        Command::Purge(args) => purge::run(&mut write()?, &mut ctx, &args),
        Command::Log(args) => log::run(&read()?, &mut ctx, &args),
        Command::Completions { .. } => unreachable!("handled above"),
    }
    .map_err(|e| name_database(e, &path))?;
    ctx.out.finish()?;
    Ok(code)
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
    let json = ctx.out.json.then(|| token.json(ctx.now));
    let buf = secret_bytes(json, &secret)?;
    drop(secret);
    if let Err(e) = ctx.out.deliver_secret(&buf) {
        let detail = format!("secret not delivered: {e}");
        let id = token.id;
        return Err(
            match store.revoke(id as u64, &ctx.actor, ctx.now, Some(&detail)) {
                Ok(_) => runtime(format!(
                    "could not write the secret of token {id} to stdout ({e}); the token was revoked, since nobody holds its secret"
                )),
                Err(r) => runtime(format!(
                    "could not write the secret of token {id} to stdout ({e}), and revoking it failed too ({r}); \
                 nobody holds its secret: revoke it with 'tokenctl revoke {id} --yes'"
                )),
            },
        );
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

/// What delivers a secret: the token JSON with it, or the secret alone,
/// and a newline. Sized exactly up front: a growing buffer would leave
/// copies of the secret behind in memory it gave back without wiping.
fn secret_bytes(json: Option<TokenJson<'_>>, secret: &Secret) -> Result<Zeroizing<Vec<u8>>> {
    let json = json.map(|j| j.with_secret(secret.expose()));
    let len = match &json {
        Some(json) => {
            let mut count = Count(0);
            serde_json::to_writer(&mut count, json).map_err(anyhow::Error::from)?;
            count.0
        }
        None => secret.expose().len(),
    };
    let mut buf = Zeroizing::new(Vec::with_capacity(len + 1));
    match &json {
        Some(json) => serde_json::to_writer(&mut *buf, json).map_err(anyhow::Error::from)?,
        None => buf.extend_from_slice(secret.expose().as_bytes()),
    }
    buf.push(b'\n');
    Ok(buf)
}

/// Counts bytes written, to size a buffer before a secret goes into it.
struct Count(usize);

impl std::io::Write for Count {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `"CI deploy" (owner alice, tok_****F7bX)`: how prompts and notes name a
/// token. Name and owner are escaped: a database written by an older
/// version may hold characters that would reorder or hide the question.
fn describe(t: &Token, now: Epoch) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_buffer_never_grows() {
        let secret = Secret::generate("tok").unwrap();
        let token = Token {
            id: 7,
            name: "é".repeat(100),
            owner: Some("ü".repeat(200)),
            // Far more than any fixed guess at the size would hold.
            scopes: (0..500)
                .map(|i| format!("scope{i}-{}", "x".repeat(50)))
                .collect(),
            disabled: false,
            last4: secret.last4().to_owned(),
            prefix: "tok".into(),
            created_at: 0,
            created_by: "ops".into(),
            expires_at: None,
            last_used_at: None,
            revoked_at: None,
        };
        for json in [None, Some(token.json(0))] {
            let buf = secret_bytes(json, &secret).unwrap();
            assert_eq!(buf.len(), buf.capacity(), "the buffer was reallocated");
            assert!(buf.ends_with(b"\n"));
            let text = std::str::from_utf8(&buf).unwrap();
            assert!(text.contains(secret.expose()));
        }
        let buf = secret_bytes(Some(token.json(0)), &secret).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["token"], secret.expose());
        assert_eq!(v["scopes"].as_array().unwrap().len(), 500);
    }
}
