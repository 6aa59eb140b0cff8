//! `tokenctl reset`: a new secret under the same id, confirmed like revoke.

use super::Ctx;
use crate::cli::ResetArgs;
use crate::core::error::Result;
use crate::core::{ops, rules};
use crate::deliver::{deliver, issuing};
use crate::phrase::describe;
use crate::prompt;
use crate::time;

/// Checks the id and state, confirms, resets, and delivers the new secret.
pub fn run(ctx: &mut Ctx, args: &ResetArgs) -> Result<u8> {
    let expires_at = ctx.expiry(&args.expiry)?;
    let mut store = ctx.open()?;
    let id = args.id;
    let token = ops::require(store.as_mut(), id)?;
    rules::changeable(&token, "reset")?;
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
    let target = ctx.target()?;
    let (token, secret) = issuing(target, &ctx.actor, || {
        ops::reset(store.as_mut(), id, expires_at, &ctx.actor, ctx.now)
    })?;
    let code = deliver(store.as_mut(), ctx, &token, secret, "reset")?;
    if token.disabled {
        // The switch is the operator's, not the secret's: reset keeps it.
        ctx.out.note(format!(
            "token {id} is still disabled; 'tokenctl enable {id}' switches it on"
        ));
    }
    Ok(code)
}
