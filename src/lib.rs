//! tokenctl administers API tokens kept in SQLite or PostgreSQL.
//!
//! The binary is a thin shell over this library: [`core`] holds every rule
//! and operation, [`store`] the one interface both backends implement. A
//! Rust service can check presented tokens in-process:
//!
//! ```no_run
//! use tokenctl::{SqliteStore, core::rules::Wanted, core::verify, time};
//!
//! let mut store = SqliteStore::open_existing("/var/lib/app/tokens.db".as_ref())?;
//! let scopes = ["deploy".to_string()];
//! let wanted = Wanted { scopes: &scopes, owner: Some("alice@example.com") };
//! let verdict = verify::verify(&mut store, "tok_…", &wanted, time::now())?;
//! if verdict.valid() {
//!     // serve the request
//! }
//! # Ok::<(), tokenctl::Error>(())
//! ```

pub mod cli;
mod cmd;
pub mod complete;
pub mod core;
mod deliver;
pub mod docs;
mod guard;
mod hints;
mod output;
mod phrase;
mod prompt;
pub mod serve;
mod session;
pub mod store;
pub mod text;
pub mod time;
mod walk;

pub use crate::core::{error, model, token, validate};

use std::process::ExitCode;

pub use crate::core::id::TokenId;
pub use docs::completion_script;
pub use error::{Error, Result};
pub use model::{Action, Event, Reason, Status, Token, Verdict};
pub use store::Store;
pub use store::sqlite::SqliteStore;

/// Runs a parsed command line. `Ok` carries the exit code of a command that
/// did its job (0; `verify` also 3 and 4).
pub fn run(cli: cli::Cli) -> Result<u8> {
    cmd::run(cli)
}

/// Prints an error (once, as `tokenctl: <message>`) and turns the outcome
/// into the process exit code.
pub fn exit(result: Result<u8>) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Error::BrokenPipe) => ExitCode::SUCCESS,
        Err(e) => {
            error_line(&hints::line(&e));
            ExitCode::from(e.exit_code())
        }
    }
}

/// Handles a command line clap could not parse: help and version are
/// printed as asked; anything else is a one-line usage error, exit 2, that
/// keeps clap's advice: what is wrong, a similar name when there is one
/// ("did you mean 'list'?"), and the help to read, the subcommand's when
/// the error is about one.
pub fn exit_parse_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // A closed pipe while printing help is no error.
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(2)
        }
        _ => {
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            error_line(&parse_error_line(&e, &args));
            ExitCode::from(2)
        }
    }
}

/// The one line for a parse error of the command line `args` (with the
/// program name first), without `tokenctl: `.
fn parse_error_line(e: &clap::Error, args: &[std::ffi::OsString]) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let sub = subcommand_of(args);
    let what = match (e.kind(), e.get(ContextKind::InvalidArg)) {
        // clap lists them on lines of their own, a choice as <A|B>.
        (ErrorKind::MissingRequiredArgument, Some(ContextValue::Strings(missing))) => {
            let missing: Vec<String> = missing.iter().map(|m| alternatives(m)).collect();
            match &sub {
                Some(sub) => format!("{sub} needs {}", missing.join(" and ")),
                None => format!("missing {}", missing.join(" and ")),
            }
        }
        _ => {
            // clap's first paragraph says what is wrong; its tips come
            // from the context below, and the usage does not fit on the
            // one line errors get.
            let text = e.to_string();
            let what: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let what = what.join(" ");
            what.strip_prefix("error: ").unwrap_or(&what).to_owned()
        }
    };
    let mut parts = vec![what];
    for kind in [
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedArg,
        ContextKind::SuggestedValue,
    ] {
        let names = match e.get(kind) {
            Some(ContextValue::String(name)) => vec![name.clone()],
            Some(ContextValue::Strings(names)) => names.clone(),
            _ => continue,
        };
        if !names.is_empty() {
            let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
            parts.push(format!("did you mean {}?", quoted.join(" or ")));
        }
    }
    if let Some(ContextValue::StyledStrs(tips)) = e.get(ContextKind::Suggested) {
        parts.extend(tips.iter().map(ToString::to_string));
    }
    parts.push(match &sub {
        Some(sub) => format!("see 'tokenctl {sub} --help'"),
        None => "see 'tokenctl --help'".to_owned(),
    });
    shown(&parts.join("; "))
}

/// The subcommand a command line names, as far as clap can make it out of
/// a line it could not parse: the one whose help explains the error.
fn subcommand_of(args: &[std::ffi::OsString]) -> Option<String> {
    cli::command(false)
        .ignore_errors(true)
        .try_get_matches_from(args)
        .ok()?
        .subcommand_name()
        .map(str::to_owned)
}

/// clap's `<ID|--owner <O>>` (one of these) as `<ID> or --owner <O>`; any
/// other argument as it is.
fn alternatives(arg: &str) -> String {
    let Some(inner) = arg.strip_prefix('<').and_then(|a| a.strip_suffix('>')) else {
        return arg.to_owned();
    };
    let mut choices = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => {
                choices.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if choices.is_empty() {
        return arg.to_owned();
    }
    choices.push(&inner[start..]);
    choices
        .iter()
        .map(|c| {
            if c.starts_with('-') {
                (*c).to_owned()
            } else {
                format!("<{c}>")
            }
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Writes `tokenctl: <message>` to stderr in one write, so processes that
/// share a log file do not interleave their lines.
fn error_line(message: &str) {
    use std::io::Write;
    // Whatever a message quotes, it never shows more of a secret than its
    // masked form.
    let line = text::message_line(message);
    // Nowhere left to report a failure to write to stderr.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// A parse error as it may be shown: anything that looks like a secret
/// masked (a token typed in the wrong place must not be printed again),
/// invisible characters escaped, and each value clap quotes cut short, so
/// an error about a megabyte argument stays readable.
fn shown(line: &str) -> String {
    /// Longer quoted values are cut to their first characters.
    const KEEP: usize = 60;
    let line = text::redact(line);
    // clap quotes values: every second part is one.
    let line = line
        .split('\'')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 && part.chars().count() > KEEP {
                let head: String = part.chars().take(KEEP).collect();
                format!("{head}… ({} bytes)", part.len())
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("'");
    text::escape(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::alternatives;

    #[test]
    fn a_choice_of_arguments_reads_as_one() {
        // issue 10 item 20
        assert_eq!(alternatives("<ID|--owner <O>>"), "<ID> or --owner <O>");
        assert_eq!(alternatives("<A|B|--c <C>>"), "<A> or <B> or --c <C>");
        assert_eq!(alternatives("<ID>"), "<ID>");
        assert_eq!(alternatives("--name <N>"), "--name <N>");
    }
}
