//! `tokenctl reset`: a new secret under the same id, confirmed like revoke;
//! the replaced secret dies at once or after `--grace`, and `--owner` hands
//! the token over in the same step.

use super::Ctx;
use crate::cli::ResetArgs;
use crate::core::error::Result;
use crate::core::ops::{self, Reset};
use crate::core::policy::Policy;
use crate::deliver::{deliver, issuing};
use crate::phrase::describe;
use crate::prompt;
use crate::text::quote;
use crate::time;

/// Checks the id and state, confirms, resets, and delivers the new secret.
pub fn run(ctx: &mut Ctx, args: &ResetArgs) -> Result<u8> {
    // A usage error comes before the database is opened, or created.
    Policy::check_expiry(args.expiry.asked(), ctx.now)?;
    let mut store = ctx.open()?;
    let id = args.id;
    let asked = Reset {
        expiry: args.expiry.asked(),
        grace: args.grace,
        owner: args.owner.clone(),
    };
    // Every check before the question (unknown id, revoked, the policy):
    // only a reset that can happen is asked about.
    let (token, expires_at) = ops::check_reset(store.as_mut(), id, &asked, ctx.now)?;
    if !args.yes {
        // The question says what the token will be, where that differs
        // from what it is: the new expiry, the old secret's end, the owner.
        let then = match expires_at {
            Some(at) => format!(
                "the new one expires {} ({})",
                time::rfc3339(at),
                time::relative(at, ctx.now)
            ),
            None => "the new one never expires".to_owned(),
        };
        let old = match args.grace.filter(|g| g.as_secs() > 0) {
            Some(g) => {
                let end = ctx.now.saturating_add(g.as_secs());
                format!(
                    "Its current secret keeps working until {} ({})",
                    time::rfc3339(end),
                    time::relative(end, ctx.now)
                )
            }
            None => "Its current secret stops working at once".to_owned(),
        };
        let owner = match args.owner.as_deref() {
            Some(o) if Some(o) != token.owner.as_deref() => {
                format!("; it goes to owner {}", quote(o))
            }
            _ => String::new(),
        };
        prompt::confirm(
            &format!(
                "Reset token {id} {}? {old}; {then}{owner}.",
                describe(&token, ctx.now)
            ),
            &format!("reset token {id}"),
        )?;
    }
    let target = ctx.target()?;
    let (token, secret) = issuing(target, &ctx.actor, || {
        ops::reset(store.as_mut(), id, &asked, &ctx.actor, ctx.now)
    })?;
    let code = deliver(store.as_mut(), ctx, &token, secret, "reset")?;
    if let Some(end) = token.previous_valid_until {
        ctx.out.note(format!(
            "the old secret keeps verifying until {} ({})",
            time::rfc3339(end),
            time::relative(end, ctx.now)
        ));
    }
    if token.disabled {
        // The switch is the operator's, not the secret's: reset keeps it.
        ctx.out.note(format!(
            "token {id} is still disabled; 'tokenctl enable {id}' switches it on"
        ));
    }
    Ok(code)
}
