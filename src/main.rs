//! The `tokenctl` binary: parse, run the library, map the outcome to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    match tokenctl::cli::parse() {
        Ok(cli) => tokenctl::exit(tokenctl::run(cli)),
        Err(e) => tokenctl::exit_parse_error(e),
    }
}
