//! `tokenctl load`: fill an empty database from a dump on stdin.

use std::io::BufRead;

use super::Ctx;
use crate::core::dump;
use crate::core::error::Result;

/// Reads and checks the whole dump first (a bad line loads nothing), then
/// opens the database, creating it with the dump's prefix when it is
/// missing, and loads it in one transaction.
pub fn run(ctx: &mut Ctx) -> Result<u8> {
    let dump = dump::parse(std::io::stdin().lock().lines())?;
    let mut store = ctx.open_or_create(Some(&dump.header.prefix))?;
    dump::load(store.as_mut(), &dump, &ctx.actor, ctx.now)?;
    let (tokens, events) = dump.counts();
    ctx.out.note(format!(
        "loaded {} and {} into {}",
        crate::phrase::plural(tokens, "token"),
        crate::phrase::plural(events, "event"),
        store.name()
    ));
    Ok(0)
}
