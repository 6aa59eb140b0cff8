//! Regenerates the committed completion scripts and man pages from the clap
//! definition: `cargo run --example gen` rewrites `completions/` and `man/`
//! at the repository root (or under the directory given as the argument).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    match tokenctl::docs::write_to(&root) {
        Ok(files) => {
            eprintln!("gen: wrote {} files under {}", files.len(), root.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen: cannot write under {}: {e}", root.display());
            ExitCode::FAILURE
        }
    }
}
