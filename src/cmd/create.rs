//! `tokenctl create`: issue a token and print its secret once; with
//! `--replace`, revoke the owner's live token in the same transaction,
//! after a confirmation that names it.

use super::Ctx;
use crate::cli::CreateArgs;
use crate::core::error::{Error, Result};
use crate::core::id::TokenId;
use crate::core::ops::{self, NewToken, Replace};
use crate::core::policy::Key;
use crate::core::policy::Policy;
use crate::deliver::{deliver, issuing};
use crate::phrase::{describe, id_list, plural};
use crate::prompt;
use crate::text::quote;

/// Issues the token (creating the database if it is missing), then
/// delivers its secret.
pub fn run(ctx: &mut Ctx, args: CreateArgs) -> Result<u8> {
    // A usage error comes before the database is opened, or created.
    Policy::check_expiry(args.expiry.asked(), ctx.now)?;
    let mut store = ctx.open_or_create(None)?;
    let mut new = NewToken {
        name: args.name,
        owner: args.owner,
        scopes: args.scopes,
        expiry: args.expiry.asked(),
        replace: args.replace.then_some(Replace::Any),
    };
    let replacing = new.replace.is_some();
    if replacing && !args.yes {
        // Every check before the question: only a create that can happen
        // is asked about, and the question names what it revokes.
        let goes = ops::check_create(store.as_mut(), &new, ctx.now).map_err(|e| hint(e, true))?;
        if let ([first, ..], Some(owner)) = (goes.as_slice(), new.owner.as_deref()) {
            let ids = ids_of(&goes);
            let which = match goes.as_slice() {
                [_] => format!("token {} {}", first.id, describe(first, ctx.now)),
                _ => format!(
                    "{} (ids {})",
                    plural(goes.len(), "token"),
                    id_list(&ids, 10)
                ),
            };
            prompt::confirm(
                &format!(
                    "Create a token for {owner} and revoke {which}, which it replaces? The revoke cannot be undone.",
                    owner = quote(owner)
                ),
                &format!("replace the live token of owner {}", quote(owner)),
            )?;
        }
        new.replace = Some(Replace::Confirmed(ids_of(&goes)));
    }
    let target = ctx.target()?;
    let (token, (secret, gone)) = issuing(target, &ctx.actor, || {
        ops::create(store.as_mut(), &new, &ctx.actor, ctx.now)
            .map(|(t, s, gone)| (t, (s, gone)))
            .map_err(|e| hint(e, replacing))
    })?;
    if !gone.is_empty() {
        ctx.out.note(format!(
            "revoked {}, replaced by token {}: {}",
            plural(gone.len(), "token"),
            token.id,
            id_list(&ids_of(&gone), 20)
        ));
    }
    deliver(store.as_mut(), ctx, &token, secret, "created")
}

fn ids_of(tokens: &[crate::core::model::Token]) -> Vec<TokenId> {
    tokens.iter().map(|t| t.id).collect()
}

/// The command line's way out of `one-per-owner`.
fn hint(e: Error, replacing: bool) -> Error {
    match e {
        Error::Policy {
            rule: Key::OnePerOwner,
            message,
        } if !replacing => Error::Policy {
            rule: Key::OnePerOwner,
            message: format!("{message}; pass --replace to revoke it"),
        },
        e => e,
    }
}
