//! `tokenctl reset`: a new secret under the same id, confirmed like revoke.

use super::{Ctx, deliver, describe};
use crate::cli::ResetArgs;
use crate::error::{Error, Result};
use crate::prompt;
use crate::store::Store;
use crate::time::Epoch;

/// Checks the id and state, confirms, resets, and delivers the new secret.
pub fn run(
    store: &mut Store,
    ctx: &mut Ctx,
    args: &ResetArgs,
    expires_at: Option<Epoch>,
) -> Result<u8> {
    let id = args.id;
    let token = store.require(id)?;
    if token.revoked_at.is_some() {
        return Err(Error::Conflict(format!(
            "cannot reset token {id}: it is revoked, and revocation is final"
        )));
    }
    if !args.yes {
        prompt::confirm(
            &format!(
                "Reset token {id} {}? Its current secret stops working at once.",
                describe(&token, ctx.now)
            ),
            &format!("reset token {id}"),
        )?;
    }
    let (token, secret) = store.reset(id, expires_at, &ctx.actor, ctx.now)?;
    deliver(store, ctx, &token, secret, "reset")
}
