//! The dispatcher: one subcommand, one file, one entry point
//! `run(ctx, args)`; this file only picks it.

mod completions;
mod create;
mod disable;
mod dump;
mod edit;
mod enable;
mod init;
mod list;
mod load;
mod log;
mod policy;
mod purge;
mod reset;
mod revoke;
mod scan;
mod serve;
mod show;
mod verify;

use crate::cli::{Cli, Command};
use crate::core::error::Result;
pub use crate::session::Ctx;

/// Runs a parsed command line; returns the exit code of a command that
/// succeeded (0, or verify's 3 and 4, or scan's 7).
pub fn run(cli: Cli) -> Result<u8> {
    let Cli { global, command } = cli;
    if command.holds_secrets() {
        crate::guard::protect()?;
    }
    let mut ctx = Ctx::new(global, command.writes())?;
    let answers = command.answers();
    let code = match command {
        Command::Init { prefix } => init::run(&mut ctx, prefix.as_deref()),
        Command::Create(args) => create::run(&mut ctx, args),
        Command::List(args) => list::run(&mut ctx, &args),
        Command::Show { id } => show::run(&mut ctx, id),
        Command::Revoke(args) => revoke::run(&mut ctx, &args),
        Command::Reset(args) => reset::run(&mut ctx, &args),
        Command::Enable { id } => enable::run(&mut ctx, id),
        Command::Disable { id } => disable::run(&mut ctx, id),
        Command::Verify(args) => verify::run(&mut ctx, &args),
        Command::Serve(args) => serve::run(&mut ctx, &args),
        Command::Purge(args) => purge::run(&mut ctx, &args),
        Command::Log(args) => log::run(&mut ctx, &args),
        Command::Edit(args) => edit::run(&mut ctx, args),
        Command::Policy(args) => policy::run(&mut ctx, &args),
        Command::Dump => dump::run(&mut ctx),
        Command::Load => load::run(&mut ctx),
        Command::Scan(args) => scan::run(&mut ctx, &args),
        Command::Completions { shell } => completions::run(&mut ctx, shell),
    }?;
    let flushed = ctx.out.finish();
    // The exit code of a command that answers a question is the answer,
    // whatever became of its output.
    if !answers {
        flushed?;
    }
    Ok(code)
}
