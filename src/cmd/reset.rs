//! `tokenctl reset`: a new secret under the same id, confirmed like revoke.

use super::{Ctx, describe};
use crate::cli::ResetArgs;
use crate::deliver::{deliver, issuing};
use crate::error::Result;
use crate::prompt;
use crate::store::{Store, revoked_conflict};
use crate::time::{self, Epoch};

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
        return Err(revoked_conflict("reset", id));
    }
    if !args.yes {
        // The question says what the token will be, where that differs
        // from what it is: the new expiry.
        let then = match expires_at {
            Some(at) => format!(
                "the new one expires {} ({})",
                time::rfc3339(at),
                time::relative(at, ctx.now)
            ),
            None => "the new one never expires".to_owned(),
        };
        prompt::confirm(
            &format!(
                "Reset token {id} {}? Its current secret stops working at once; {then}.",
                describe(&token, ctx.now)
            ),
            &format!("reset token {id}"),
        )?;
    }
    let path = store.path().map(ToOwned::to_owned);
    let (token, secret) = issuing(path, &ctx.actor, || {
        store.reset(id, expires_at, &ctx.actor, ctx.now)
    })?;
    let code = deliver(store, ctx, &token, secret, "reset")?;
    if token.disabled {
        // The switch is the operator's, not the secret's: reset keeps it.
        ctx.out.note(format!(
            "token {id} is still disabled; 'tokenctl enable {id}' switches it on"
        ));
    }
    Ok(code)
}
