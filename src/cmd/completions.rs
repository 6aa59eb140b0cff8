//! `tokenctl completions SHELL`: a completion script from the clap definition.

use clap_complete::Shell;

use super::Ctx;
use crate::core::error::Result;

/// Prints the completion script for `shell`, touching no database.
pub fn run(ctx: &mut Ctx, shell: Shell) -> Result<u8> {
    ctx.out.raw(&crate::completion_script(shell))?;
    Ok(0)
}
