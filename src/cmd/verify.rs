//! `tokenctl verify`: check tokens read from stdin, one or a stream of
//! them, with the core's verify engine; the terminal without echo and the
//! exit code that is the verdict are this front end's.

use std::io::{self, IsTerminal};

use zeroize::Zeroizing;

use super::Ctx;
use crate::cli::VerifyArgs;
use crate::core::error::{Error, Result, runtime};
use crate::core::model::Verdict;
use crate::core::rules::{self, Wanted};
use crate::core::token::Presented;
use crate::core::verify::{self, Answers, Input, MAX_LINE};
use crate::guard;
use crate::output::Output;

/// A token in argv would be visible in `ps` and shell history: refused,
/// before anything else, and without echoing it.
pub fn refuse_argv(args: &VerifyArgs) -> Result<()> {
    if args.token.is_some() {
        return Err(Error::Usage(
            "verify takes the token on stdin, not as an argument (argv shows in ps and shell history): \
             printf '%s\\n' \"$TOKEN\" | tokenctl verify"
                .into(),
        ));
    }
    Ok(())
}

/// Verifies one token, or with `--batch` every line of stdin. The exit
/// code is the verdict whatever becomes of stdout: a reader that went away
/// must not turn a "no" into a "yes".
pub fn run(ctx: &mut Ctx, args: &VerifyArgs) -> Result<u8> {
    refuse_argv(args)?;
    // Opened before the input is read: a missing or unreadable database is
    // exit 1 whatever was presented.
    let mut store = ctx.open()?;
    let store = store.as_mut();
    let mut input = if args.batch {
        Input::stdin()
    } else {
        Input::stdin_one()
    };
    // Typed at a terminal, a token stays out of the scrollback.
    let echo = NoEcho::start();
    let wanted = Wanted {
        scopes: &args.require_scopes,
        owner: args.owner.as_deref(),
    };
    if args.batch {
        store.tune_for_batch()?;
        verify::batch(store, input, &wanted, &mut Stdout(&mut ctx.out))?;
        return Ok(0);
    }
    if echo.is_some() {
        ctx.out
            .note("reading a token from stdin (it is not shown; end with Enter)");
    }
    let mut line = Presented::new(String::new());
    let mut scratch = Zeroizing::new(Vec::with_capacity(MAX_LINE));
    let read = verify::read_line(&mut input, &mut line, &mut scratch)?;
    let empty = read.is_none() || (read == Some(true) && line.trimmed().is_empty());
    let verdict = match read {
        Some(true) => verify::verify(store, line.trimmed(), &wanted, ctx.now)?,
        _ => rules::malformed(),
    };
    drop(line);
    let now = ctx.now;
    // Errors writing the answer are ignored: the exit code is the answer.
    if ctx.out.json {
        let _ = ctx.out.json_value(&verdict.json(now));
    } else if !ctx.out.quiet {
        let _ = ctx.out.line(human(&verdict));
        if empty {
            ctx.out.note("no token was read from stdin");
        }
    }
    let _ = ctx.out.flush();
    Ok(verdict.exit_code())
}

/// A batch's answers on stdout. `--batch` exits 0 only once every line is
/// answered: a stdout that fails first is a runtime error, never the quiet
/// end other commands make of a broken pipe.
struct Stdout<'a>(&'a mut Output);

impl Answers for Stdout<'_> {
    fn write(&mut self, answers: &[u8]) -> Result<()> {
        self.0.raw(answers).map_err(undelivered)
    }

    fn flush(&mut self) -> Result<()> {
        self.0.flush().map_err(undelivered)
    }
}

fn undelivered(e: Error) -> Error {
    match e {
        Error::BrokenPipe => runtime("stdout was closed before every line was answered"),
        e => e,
    }
}

/// The terminal's echo, switched off while a token is typed at it and
/// switched on again when dropped, or when a signal ends the process.
struct NoEcho {
    saved: rustix::termios::Termios,
}

impl NoEcho {
    /// `None` when stdin is no terminal (or its echo cannot be changed).
    fn start() -> Option<NoEcho> {
        use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
        let stdin = io::stdin();
        if !stdin.is_terminal() {
            return None;
        }
        let saved = tcgetattr(&stdin).ok()?;
        // Without the watcher a signal would leave the terminal silent.
        guard::watch().ok()?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        quiet.local_modes.insert(LocalModes::ECHONL);
        let restore = saved.clone();
        guard::set(guard::Undo::Run(Box::new(move |_| {
            let _ = tcsetattr(io::stdin(), OptionalActions::Now, &restore);
        })));
        tcsetattr(&stdin, OptionalActions::Now, &quiet).ok()?;
        Some(NoEcho { saved })
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        use rustix::termios::{OptionalActions, tcsetattr};
        let _ = tcsetattr(io::stdin(), OptionalActions::Now, &self.saved);
        guard::set(guard::Undo::Nothing);
    }
}

fn human(v: &Verdict) -> String {
    let who = v
        .token
        .as_ref()
        .map(|t| {
            format!(
                ": token {} {} ({})",
                t.id,
                crate::text::quote(&t.name),
                t.masked()
            )
        })
        .unwrap_or_default();
    let grace = v
        .grace_until
        .map(|end| {
            format!(
                "; a replaced secret, which stops verifying at {}",
                crate::time::rfc3339(end)
            )
        })
        .unwrap_or_default();
    match v.reason {
        None => format!("valid{who}{grace}"),
        Some(r) => format!("rejected, {}{who}{grace}", r.as_str()),
    }
}
