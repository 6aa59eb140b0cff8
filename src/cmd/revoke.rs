//! `tokenctl revoke`: irreversible, confirmed; one token or all of an owner's.

use super::Ctx;
use crate::cli::RevokeArgs;
use crate::core::error::{Result, runtime};
use crate::core::id::TokenId;
use crate::core::ops::{self, Change};
use crate::phrase::{IDS_IN_NOTE, describe, id_list, plural};
use crate::prompt;
use crate::store::{self, Store};
use crate::text::quote;

/// At most this many ids are named in the question of `revoke --owner`.
const IDS_IN_QUESTION: usize = 10;

/// Revokes after the checks the SPEC orders: unknown id, state, confirmation.
pub fn run(ctx: &mut Ctx, args: &RevokeArgs) -> Result<u8> {
    let mut store = ctx.open()?;
    if let Some(owner) = &args.owner {
        return by_owner(store.as_mut(), ctx, owner, args.yes);
    }
    let id = args
        .id
        .ok_or_else(|| runtime("revoke needs an id or --owner"))?;
    let token = ops::require(store.as_mut(), id)?;
    let token = if token.revoked_at.is_some() {
        already(ctx, id);
        token
    } else {
        if !args.yes {
            prompt::confirm(
                &format!(
                    "Revoke token {id} {}? This cannot be undone.",
                    describe(&token, ctx.now)
                ),
                &format!("revoke token {id}"),
            )?;
        }
        match ops::revoke(store.as_mut(), id, &ctx.actor, ctx.now, None)? {
            Change::Done(t) => {
                ctx.out.note(format!("revoked token {id}"));
                t
            }
            // Another process revoked it while the question was open.
            Change::Already(t) => {
                already(ctx, id);
                t
            }
        }
    };
    if ctx.out.json {
        ctx.out.json_value(&token.json(ctx.now))?;
    }
    Ok(0)
}

fn already(ctx: &Ctx, id: TokenId) {
    ctx.out
        .note(format!("token {id} is already revoked; nothing changed"));
}

/// Every token of `owner` not revoked yet, in one transaction, after one
/// question that says how many. What is revoked is what is live when the
/// transaction commits: a token issued to the owner while the question was
/// open goes too, as incident response wants.
fn by_owner(store: &mut dyn Store, ctx: &mut Ctx, owner: &str, yes: bool) -> Result<u8> {
    let live = store::read(store, |r| {
        ops::require_owner(r, owner)?;
        r.live_tokens_of(owner)
    })?;
    if live.is_empty() {
        ctx.out.note(format!(
            "every token of owner {} is revoked already; nothing changed",
            quote(owner)
        ));
        if ctx.out.json {
            ctx.out.json_value(&serde_json::json!([]))?;
        }
        return Ok(0);
    }
    if !yes {
        let n = live.len();
        let ids: Vec<TokenId> = live.iter().map(|t| t.id).collect();
        let question = if n == 1 {
            format!(
                "Revoke token {} {}, the only token of owner {} not revoked yet? This cannot be undone.",
                live[0].id,
                describe(&live[0], ctx.now),
                quote(owner)
            )
        } else {
            format!(
                "Revoke all {n} tokens of owner {} not revoked yet (ids {})? This cannot be undone.",
                quote(owner),
                id_list(&ids, IDS_IN_QUESTION)
            )
        };
        prompt::confirm(
            &question,
            &format!("revoke the tokens of owner {}", quote(owner)),
        )?;
    }
    let revoked = ops::revoke_owner(store, owner, &ctx.actor, ctx.now)?;
    let ids: Vec<TokenId> = revoked.iter().map(|t| t.id).collect();
    ctx.out.note(format!(
        "revoked {} of owner {}: {}",
        plural(ids.len(), "token"),
        quote(owner),
        id_list(&ids, IDS_IN_NOTE)
    ));
    if ctx.out.json {
        let mut array = ctx.out.json_array();
        for t in &revoked {
            array.push(&t.json(ctx.now))?;
        }
        array.end()?;
    }
    Ok(0)
}
