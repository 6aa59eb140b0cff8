//! `tokenctl dump`: the whole database as JSON Lines on stdout.

use super::Ctx;
use crate::core::dump;
use crate::core::error::Result;

/// Streams the dump; a reader that goes away ends it quietly.
pub fn run(ctx: &mut Ctx) -> Result<u8> {
    let mut store = ctx.open()?;
    let out = &mut ctx.out;
    dump::dump(store.as_mut(), &mut |line| out.raw(line))?;
    Ok(0)
}
