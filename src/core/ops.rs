//! The operations on tokens, one function each, over any [`Store`]: every
//! check of a change is made here, inside the transaction that makes it,
//! and every change is written with its audit event. The command line and
//! the HTTP server call these and nothing below them.

use crate::core::error::{Error, Result, runtime};
use crate::core::id::TokenId;
use crate::core::model::{Action, Event, Token};
use crate::core::rules;
use crate::core::token::Secret;
use crate::core::validate;
use crate::store::{self, ListFilter, NewEvent, NewRow, Reader, Store, Writer};
use crate::time::Epoch;

/// What `create` needs to know; validated by [`create`].
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// Display name, 1-100 visible characters.
    pub name: String,
    /// The user, e-mail or application it belongs to.
    pub owner: Option<String>,
    /// Scopes to grant; empty means `read` and `write`.
    pub scopes: Vec<String>,
    /// When it expires; `None`: never.
    pub expires_at: Option<Epoch>,
}

/// Which tokens `purge` removes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Purge {
    /// Only tokens expired (or revoked) at least this many seconds ago.
    pub older_than: Epoch,
    /// Also tokens revoked at least `older_than` ago.
    pub include_revoked: bool,
    /// Report what would go, change nothing.
    pub dry_run: bool,
}

/// The outcome of a change that may already have been made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The token was changed; this is its new state.
    Done(Token),
    /// It was already so; nothing was written.
    Already(Token),
}

/// Issues a token: stores its hash and returns the record and the secret,
/// which exists nowhere else. The transaction has committed on return.
pub fn create(
    store: &mut dyn Store,
    new: &NewToken,
    actor: &str,
    now: Epoch,
) -> Result<(Token, Secret)> {
    let actor = validate::actor(actor)?;
    let prefix = store.prefix().to_owned();
    store::write(store, |w| insert(w, &prefix, new, actor, now))
}

/// Issues many tokens in one transaction (seeding a benchmark, a bulk
/// import); `each` gets every id and secret as it is made. All or nothing:
/// on an error nothing is stored, and the secrets handed out belong to no
/// token.
pub fn create_many(
    store: &mut dyn Store,
    tokens: &[NewToken],
    actor: &str,
    now: Epoch,
    each: &mut dyn FnMut(TokenId, Secret) -> Result<()>,
) -> Result<u64> {
    let actor = validate::actor(actor)?;
    let prefix = store.prefix().to_owned();
    store::write(store, |w| {
        for new in tokens {
            let (token, secret) = insert(w, &prefix, new, actor, now)?;
            each(token.id, secret)?;
        }
        Ok(tokens.len() as u64)
    })
}

fn insert(
    w: &mut dyn Writer,
    prefix: &str,
    new: &NewToken,
    actor: &str,
    now: Epoch,
) -> Result<(Token, Secret)> {
    let name = validate::name(&new.name)?;
    let owner = new.owner.as_deref().map(validate::owner).transpose()?;
    let scopes = validate::scopes(&new.scopes)?;
    let secret = Secret::generate(prefix).map_err(anyhow::Error::from)?;
    let id = w.insert(&NewRow {
        hash: &secret.hash(),
        last4: secret.last4(),
        name,
        owner,
        scopes: &scopes,
        created_at: now,
        created_by: actor,
        expires_at: new.expires_at,
    })?;
    append(w, now, id, Action::Created, actor, None)?;
    Ok((reread(w, id)?, secret))
}

/// The token with this id, or [`Error::NotFound`].
pub fn require(store: &mut dyn Store, id: TokenId) -> Result<Token> {
    store::read(store, |r| r.get(id))?.ok_or(Error::NotFound(id))
}

/// Streams the tokens that pass `filter`, in id order, from one snapshot.
pub fn list(
    r: &mut dyn Reader,
    filter: &ListFilter,
    now: Epoch,
    each: &mut dyn FnMut(Token) -> Result<()>,
) -> Result<()> {
    // Status is filtered here, by Token::status, so its order has one
    // definition.
    r.list(filter, now, &mut |t| match filter.status {
        Some(s) if t.status(now) != s => Ok(()),
        _ => each(t),
    })
}

/// Streams the trail (one token's, or all), oldest first. An id that was
/// never issued is [`Error::NotFound`] before `each` is called; a purged
/// token's history is still there.
pub fn log(
    r: &mut dyn Reader,
    token: Option<TokenId>,
    limit: Option<u32>,
    each: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    if let Some(id) = token {
        if !r.issued(id)? {
            return Err(Error::NotFound(id));
        }
    }
    r.log(token, limit, each)
}

/// Revokes a token. Revoking a revoked token changes nothing.
pub fn revoke(
    store: &mut dyn Store,
    id: TokenId,
    actor: &str,
    now: Epoch,
    detail: Option<&str>,
) -> Result<Change> {
    let actor = validate::actor(actor)?;
    store::write(store, |w| {
        let token = w.lock(id)?.ok_or(Error::NotFound(id))?;
        if token.revoked_at.is_some() {
            return Ok(Change::Already(token));
        }
        w.set_revoked(id, now)?;
        append(w, now, id, Action::Revoked, actor, detail)?;
        Ok(Change::Done(reread(w, id)?))
    })
}

/// Fails with [`Error::NoSuchOwner`] when no token at all (revoked or not)
/// has `owner`, naming the owners that differ from it only in case.
pub fn require_owner(r: &mut dyn Reader, owner: &str) -> Result<()> {
    if r.owner_exists(owner)? {
        return Ok(());
    }
    let wanted = owner.to_lowercase();
    let mut similar = Vec::new();
    r.owners(&mut |o| {
        if similar.len() < 5 && o.to_lowercase() == wanted {
            similar.push(o);
        }
        Ok(())
    })?;
    similar.sort();
    Err(Error::NoSuchOwner {
        owner: owner.to_owned(),
        similar,
    })
}

/// Revokes every token of `owner` not revoked yet, in one transaction;
/// returns them as they are now. What goes is what is live when it
/// commits.
pub fn revoke_owner(
    store: &mut dyn Store,
    owner: &str,
    actor: &str,
    now: Epoch,
) -> Result<Vec<Token>> {
    let actor = validate::actor(actor)?;
    let detail = format!("all tokens of owner {owner}");
    store::write(store, |w| {
        let mut ids = w.revoke_owner(owner, now)?;
        ids.sort_unstable();
        let mut tokens = Vec::with_capacity(ids.len());
        for &id in &ids {
            append(w, now, id, Action::Revoked, actor, Some(&detail))?;
            tokens.push(reread(w, id)?);
        }
        Ok(tokens)
    })
}

/// Gives a token a new secret and expiry; the old secret stops verifying
/// when this commits. A revoked token is [`Error::Revoked`].
pub fn reset(
    store: &mut dyn Store,
    id: TokenId,
    expires_at: Option<Epoch>,
    actor: &str,
    now: Epoch,
) -> Result<(Token, Secret)> {
    let actor = validate::actor(actor)?;
    let prefix = store.prefix().to_owned();
    store::write(store, |w| {
        let token = w.lock(id)?.ok_or(Error::NotFound(id))?;
        rules::changeable(&token, "reset")?;
        let secret = Secret::generate(&prefix).map_err(anyhow::Error::from)?;
        w.replace_secret(id, &secret.hash(), secret.last4(), expires_at)?;
        append(w, now, id, Action::Reset, actor, None)?;
        Ok((reread(w, id)?, secret))
    })
}

/// Switches a token off (`disabled`) or on again. A revoked token is
/// [`Error::Revoked`]; one already in that state changes nothing.
pub fn set_disabled(
    store: &mut dyn Store,
    id: TokenId,
    disabled: bool,
    actor: &str,
    now: Epoch,
) -> Result<Change> {
    let actor = validate::actor(actor)?;
    let verb = if disabled { "disable" } else { "enable" };
    store::write(store, |w| {
        let token = w.lock(id)?.ok_or(Error::NotFound(id))?;
        rules::changeable(&token, verb)?;
        if token.disabled == disabled {
            return Ok(Change::Already(token));
        }
        w.set_disabled(id, disabled)?;
        let action = if disabled {
            Action::Disabled
        } else {
            Action::Enabled
        };
        append(w, now, id, action, actor, None)?;
        Ok(Change::Done(reread(w, id)?))
    })
}

/// Deletes expired (and, if asked, revoked) tokens, with a `purged` event
/// for each in the same transaction; returns their ids in order. A dry run
/// only reads, so it needs no actor and works on a read-only database.
pub fn purge(store: &mut dyn Store, what: Purge, actor: &str, now: Epoch) -> Result<Vec<TokenId>> {
    let cutoff = now.saturating_sub(what.older_than);
    if what.dry_run {
        return store::read(store, |r| r.purgeable(cutoff, what.include_revoked));
    }
    let actor = validate::actor(actor)?;
    store::write(store, |w| {
        let ids = w.purgeable(cutoff, what.include_revoked)?;
        for &id in &ids {
            append(w, now, id, Action::Purged, actor, None)?;
        }
        w.delete(&ids)?;
        Ok(ids)
    })
}

fn append(
    w: &mut dyn Writer,
    at: Epoch,
    token_id: TokenId,
    action: Action,
    actor: &str,
    detail: Option<&str>,
) -> Result<()> {
    w.append(&NewEvent {
        at,
        token_id: Some(token_id),
        action,
        actor,
        detail,
    })
}

/// A token just written in this transaction, as it now is.
fn reread(r: &mut dyn Reader, id: TokenId) -> Result<Token> {
    r.get(id)?
        .ok_or_else(|| runtime(format!("token {id} vanished")))
}
