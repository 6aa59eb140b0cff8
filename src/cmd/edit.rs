//! `tokenctl edit`: change a token's name, owner, scopes or expiry, never
//! its secret; reversible, so it asks nothing.

use super::Ctx;
use crate::cli::EditArgs;
use crate::core::error::{Error, Result};
use crate::core::ops::{self, Change, Edit};
use crate::core::policy::Policy;

/// Edits the token; values already as given are a note, not an event.
pub fn run(ctx: &mut Ctx, args: EditArgs) -> Result<u8> {
    let owner = match (args.owner, args.no_owner) {
        (Some(o), _) => Some(Some(o)),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let asked = Edit {
        name: args.name,
        owner,
        scopes: (!args.scopes.is_empty()).then_some(args.scopes),
        add_scopes: args.add_scopes,
        remove_scopes: args.remove_scopes,
        expiry: args.expiry.given(),
    };
    let id = args.id;
    // A usage error (nothing asked) comes before the database is opened.
    if !asked.asks() {
        return Err(Error::Usage(format!(
            "nothing to change in token {id}: give --name, --owner, --no-owner, --scope, --add-scope, --remove-scope or an expiry flag"
        )));
    }
    if let Some(e) = asked.expiry {
        Policy::check_expiry(e, ctx.now)?;
    }
    let mut store = ctx.open()?;
    let token = match ops::edit(store.as_mut(), id, &asked, &ctx.actor, ctx.now)? {
        Change::Done(t) => {
            ctx.out.note(format!("edited token {id}"));
            t
        }
        Change::Already(t) => {
            ctx.out
                .note(format!("token {id} is already as given; nothing changed"));
            t
        }
    };
    if ctx.out.json {
        ctx.out.json_value(&token.json(ctx.now))?;
    }
    Ok(0)
}
