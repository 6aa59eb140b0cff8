//! `tokenctl completions SHELL`: a completion script from the clap definition.

use clap_complete::Shell;

use crate::error::Result;
use crate::output::Output;

/// Prints the completion script for `shell`.
pub fn run(out: &mut Output, shell: Shell) -> Result<()> {
    out.raw(&crate::completion_script(shell))
}
