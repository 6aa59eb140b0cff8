//! `tokenctl revoke`: irreversible, confirmed; one token or all of an owner's.

use super::{Ctx, describe};
use crate::cli::RevokeArgs;
use crate::error::Result;
use crate::prompt;
use crate::store::{Change, Store};

/// Revokes after the checks the SPEC orders: unknown id, state, confirmation.
pub fn run(store: &mut Store, ctx: &mut Ctx, args: &RevokeArgs) -> Result<u8> {
    if let Some(owner) = &args.owner {
        return by_owner(store, ctx, owner, args.yes);
    }
    let id = args.id.unwrap_or_default();
    let token = store.require(id)?;
    if token.revoked_at.is_some() {
        ctx.out
            .note(format!("token {id} is already revoked; nothing changed"));
        return Ok(0);
    }
    if !args.yes {
        prompt::confirm(
            &format!(
                "Revoke token {id} {}? This cannot be undone.",
                describe(&token, ctx.now)
            ),
            &format!("revoke token {id}"),
        )?;
    }
    match store.revoke(id, &ctx.actor, ctx.now, None)? {
        Change::Done(_) => ctx.out.note(format!("revoked token {id}")),
        Change::Already(_) => ctx
            .out
            .note(format!("token {id} is already revoked; nothing changed")),
    }
    Ok(0)
}

fn by_owner(store: &mut Store, ctx: &mut Ctx, owner: &str, yes: bool) -> Result<u8> {
    let live = store.live_tokens_of(owner)?;
    if live.is_empty() {
        ctx.out.note(format!(
            "owner {owner:?} has no live tokens; nothing changed"
        ));
        return Ok(0);
    }
    if !yes {
        let ids: Vec<String> = live.iter().map(|t| t.id.to_string()).collect();
        prompt::confirm(
            &format!(
                "Revoke all {} live tokens of owner {owner:?} (ids {})? This cannot be undone.",
                live.len(),
                ids.join(", ")
            ),
            &format!("revoke the tokens of owner {owner:?}"),
        )?;
    }
    let revoked = store.revoke_owner(owner, &ctx.actor, ctx.now)?;
    let ids: Vec<String> = revoked.iter().map(|t| t.id.to_string()).collect();
    ctx.out.note(format!(
        "revoked {} tokens of owner {owner:?}: {}",
        revoked.len(),
        ids.join(", ")
    ));
    Ok(0)
}
