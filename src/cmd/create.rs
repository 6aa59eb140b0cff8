//! `tokenctl create`: issue a token and print its secret once.

use super::Ctx;
use crate::cli::CreateArgs;
use crate::core::error::Result;
use crate::core::ops::{self, NewToken};
use crate::deliver::{deliver, issuing};

/// Issues the token (creating the database if it is missing), then
/// delivers its secret.
pub fn run(ctx: &mut Ctx, args: CreateArgs) -> Result<u8> {
    let expires_at = ctx.expiry(&args.expiry)?;
    let mut store = ctx.open_or_create(None)?;
    let new = NewToken {
        name: args.name,
        owner: args.owner,
        scopes: args.scopes,
        expires_at,
    };
    let target = ctx.target()?;
    let (token, secret) = issuing(target, &ctx.actor, || {
        ops::create(store.as_mut(), &new, &ctx.actor, ctx.now)
    })?;
    deliver(store.as_mut(), ctx, &token, secret, "created")
}
