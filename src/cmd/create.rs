//! `tokenctl create`: issue a token and print its secret once.

use super::Ctx;
use crate::cli::CreateArgs;
use crate::deliver::{deliver, issuing};
use crate::error::Result;
use crate::store::{NewToken, Store};
use crate::time::Epoch;

/// Issues the token, then delivers its secret.
pub fn run(
    store: &mut Store,
    ctx: &mut Ctx,
    args: CreateArgs,
    expires_at: Option<Epoch>,
) -> Result<u8> {
    let new = NewToken {
        name: args.name,
        owner: args.owner,
        scopes: args.scopes,
        expires_at,
    };
    let path = store.path().map(ToOwned::to_owned);
    let (token, secret) = issuing(path, &ctx.actor, || store.create(&new, &ctx.actor, ctx.now))?;
    deliver(store, ctx, &token, secret, "created")
}
