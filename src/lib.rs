//! tokenctl administers API tokens kept in a local SQLite database.
//!
//! The binary is a thin shell over this library. A Rust service can embed
//! the [`Store`] to check presented tokens in-process:
//!
//! ```no_run
//! use tokenctl::{Store, time};
//!
//! let mut store = Store::open_existing("/var/lib/app/tokens.db".as_ref())?;
//! let verdict = store.verify("tok_…", &["deploy".to_string()], time::now())?;
//! if verdict.valid() {
//!     // serve the request
//! }
//! # Ok::<(), tokenctl::Error>(())
//! ```

pub mod cli;
mod cmd;
mod deliver;
pub mod docs;
pub mod error;
mod guard;
pub mod model;
mod output;
mod prompt;
pub mod store;
pub mod text;
pub mod time;
pub mod token;
pub mod validate;

use std::process::ExitCode;

pub use docs::completion_script;
pub use error::{Error, Result};
pub use model::{Action, Event, Reason, Status, Token, Verdict};
pub use store::Store;

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
            error_line(&e.to_string());
            ExitCode::from(e.exit_code())
        }
    }
}

/// Handles a command line clap could not parse: help and version are
/// printed as asked; anything else is a one-line usage error, exit 2.
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
            // clap's first paragraph says what is wrong; the rest is advice
            // that does not fit on the one line errors get.
            let text = e.to_string();
            let what: Vec<&str> = text
                .lines()
                .take_while(|l| !l.trim().is_empty())
                .map(str::trim)
                .collect();
            let what = what.join(" ");
            let what = what.strip_prefix("error: ").unwrap_or(&what);
            error_line(&format!("{}; see 'tokenctl --help'", redact(what)));
            ExitCode::from(2)
        }
    }
}

/// Writes `tokenctl: <message>` to stderr in one write, so processes that
/// share a log file do not interleave their lines.
fn error_line(message: &str) {
    use std::io::Write;
    // Whatever a message quotes, it never shows more of a secret than its
    // masked form.
    let line = format!("tokenctl: {}\n", text::escape(&text::redact(message)));
    // Nowhere left to report a failure to write to stderr.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// Masks anything that is a well-formed token, so an error about a secret
/// typed in the wrong place does not print it again, and shortens a long
/// value, so an error about a megabyte argument stays readable.
fn redact(text: &str) -> String {
    /// Longer quoted values are cut to their first characters.
    const KEEP: usize = 60;
    // clap quotes values: every second part is one.
    text.split('\'')
        .enumerate()
        .map(|(i, part)| match token::parse(part) {
            Some(prefix) => token::mask(prefix, token::last4(part)),
            None if i % 2 == 1 && part.chars().count() > KEEP => {
                let head: String = part.chars().take(KEEP).collect();
                format!("{head}… ({} bytes)", part.len())
            }
            None => part.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("'")
}
