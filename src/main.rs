//! The `tokenctl` binary: parse, run the library, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match tokenctl::cli::Cli::try_parse() {
        Ok(cli) => tokenctl::exit(tokenctl::run(cli)),
        Err(e) => tokenctl::exit_parse_error(e),
    }
}
