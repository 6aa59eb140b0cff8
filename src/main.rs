//! The `tokenctl` binary: parse, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // A shell asking for completions (`COMPLETE=bash tokenctl -- WORDS`)
    // gets them and the process ends here. Checked first, so that a normal
    // run pays one look at the environment and nothing more.
    if std::env::var_os("COMPLETE").is_some() {
        clap_complete::CompleteEnv::with_factory(tokenctl::complete::command).complete();
    }
    match tokenctl::cli::parse() {
        Ok(cli) => tokenctl::exit(tokenctl::run(cli)),
        Err(e) => tokenctl::exit_parse_error(e),
    }
}
