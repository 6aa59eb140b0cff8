//! `tokenctl enable ID`: switch a disabled token on again; and the switch
//! itself, which `disable` shares.

use super::Ctx;
use crate::cli::Id;
use crate::core::error::Result;
use crate::core::ops::{self, Change};

/// Enables the token; already enabled is a note, revoked a conflict.
pub fn run(ctx: &mut Ctx, id: Id) -> Result<u8> {
    switch(ctx, id, false)
}

/// `enable` and `disable`: one switch, two directions. Unknown id: 5;
/// revoked: 6; already so: 0 with a note. `--json` prints the token as it
/// is afterwards.
pub(super) fn switch(ctx: &mut Ctx, id: Id, disabled: bool) -> Result<u8> {
    let mut store = ctx.open()?;
    let state = if disabled { "disabled" } else { "enabled" };
    let token = match ops::set_disabled(store.as_mut(), id, disabled, &ctx.actor, ctx.now)? {
        Change::Done(t) => {
            ctx.out.note(format!("{state} token {id}"));
            t
        }
        Change::Already(t) => {
            ctx.out
                .note(format!("token {id} is already {state}; nothing changed"));
            t
        }
    };
    if !disabled && token.expires_at.is_some_and(|e| e <= ctx.now) {
        // Enabled, but still not valid: say so rather than let it surprise.
        ctx.out.note(format!(
            "token {id} has expired, so it is still not valid; 'tokenctl reset {id}' gives it a new secret and expiry"
        ));
    }
    if ctx.out.json {
        ctx.out.json_value(&token.json(ctx.now))?;
    }
    Ok(0)
}
