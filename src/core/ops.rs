//! The operations on tokens, one function each, over any [`Store`]: every
//! check of a change is made here, inside the transaction that makes it,
//! and every change is written with its audit event. The command line and
//! the HTTP server call these and nothing below them.

use crate::core::chain;
use crate::core::error::{Error, Result, runtime};
use crate::core::id::TokenId;
use crate::core::model::{Action, Event, Status, Token};
use crate::core::policy::{Expiry, Key, Policy};
use crate::core::rules;
use crate::core::token::Secret;
use crate::core::validate;
use crate::store::{
    self, Fields, ListFilter, LogFilter, NewEvent, NewRow, NewSecret, Reader, Store, Writer,
};
use crate::time::{Duration, Epoch, rfc3339};

/// What `create` needs to know; validated by [`create`].
#[derive(Debug, Clone, Default)]
pub struct NewToken {
    /// Display name, 1-100 visible characters.
    pub name: String,
    /// The user, e-mail or application it belongs to.
    pub owner: Option<String>,
    /// Scopes to grant; empty means `read` and `write`.
    pub scopes: Vec<String>,
    /// When it expires.
    pub expiry: Expiry,
    /// Revoke the owner's live tokens in the same transaction (`create
    /// --replace`).
    pub replace: Option<Replace>,
}

/// Which of the owner's live tokens `create --replace` revokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replace {
    /// Exactly these, as confirmed: if the owner's live tokens are others
    /// by the time the transaction runs, nothing is done.
    Confirmed(Vec<TokenId>),
    /// Whichever they are (`--yes`).
    Any,
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
/// which exists nowhere else, with the tokens it replaced. The transaction
/// has committed on return.
pub fn create(
    store: &mut dyn Store,
    new: &NewToken,
    actor: &str,
    now: Epoch,
) -> Result<(Token, Secret, Vec<Token>)> {
    let actor = validate::actor(actor)?;
    let prefix = store.prefix().to_owned();
    store::write(store, |w| {
        let policy = policy_of(w)?;
        let replaced = match (&new.replace, new.owner.as_deref()) {
            (Some(replace), Some(owner)) => {
                let live = live_of(w, owner, now, &[])?;
                let ids: Vec<TokenId> = live.iter().map(|t| t.id).collect();
                if let Replace::Confirmed(confirmed) = replace {
                    if *confirmed != ids {
                        return Err(Error::Conflict(format!(
                            "the live tokens of owner {} changed while you confirmed; nothing was done, run it again",
                            crate::text::quote(owner)
                        )));
                    }
                }
                live
            }
            (Some(_), None) => {
                return Err(Error::Usage(
                    "only a token with an owner can replace one".into(),
                ));
            }
            (None, _) => Vec::new(),
        };
        let ids: Vec<TokenId> = replaced.iter().map(|t| t.id).collect();
        for &id in &ids {
            w.set_revoked(id, now)?;
        }
        let (token, secret) = insert(w, &policy, &prefix, new, actor, now)?;
        let detail = format!("replaced by token {}", token.id);
        let mut gone = Vec::with_capacity(ids.len());
        for id in ids {
            append(w, now, id, Action::Revoked, actor, Some(&detail))?;
            gone.push(reread(w, id)?);
        }
        Ok((token, secret, gone))
    })
}

/// Live tokens the owner's may not hold more than one of: neither revoked
/// nor expired (disabled ones count: `enable` would make them valid).
fn live_of(r: &mut dyn Reader, owner: &str, now: Epoch, except: &[TokenId]) -> Result<Vec<Token>> {
    let mut live = r.live_tokens_of(owner)?;
    live.retain(|t| !except.contains(&t.id) && t.status(now) != Status::Expired);
    Ok(live)
}

/// `one-per-owner`: `owner` may take a live token (`except`: the token
/// being changed, or those being replaced).
fn check_one_per_owner(
    r: &mut dyn Reader,
    policy: &Policy,
    owner: Option<&str>,
    now: Epoch,
    except: &[TokenId],
) -> Result<()> {
    let Some(owner) = owner.filter(|_| policy.one_per_owner()) else {
        return Ok(());
    };
    let live = live_of(r, owner, now, except)?;
    match live.first() {
        None => Ok(()),
        Some(held) => Err(Error::Policy {
            rule: Key::OnePerOwner,
            message: format!(
                "{} already holds token {}",
                crate::text::quote(owner),
                held.id
            ),
        }),
    }
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
        let policy = policy_of(w)?;
        for new in tokens {
            let (token, secret) = insert(w, &policy, &prefix, new, actor, now)?;
            each(token.id, secret)?;
        }
        Ok(tokens.len() as u64)
    })
}

fn insert(
    w: &mut dyn Writer,
    policy: &Policy,
    prefix: &str,
    new: &NewToken,
    actor: &str,
    now: Epoch,
) -> Result<(Token, Secret)> {
    // The tokens it replaces were revoked first, in this transaction.
    let Planned {
        name,
        owner,
        scopes,
        expires_at,
    } = plan_insert(w, policy, new, now, &[])?;
    let secret = Secret::generate(prefix).map_err(anyhow::Error::from)?;
    let id = w.insert(&NewRow {
        hash: &secret.hash(),
        last4: secret.last4(),
        name,
        owner,
        scopes: &scopes,
        created_at: now,
        created_by: actor,
        expires_at,
    })?;
    let detail = format!(
        "name {}, {}, scopes {}, {}",
        quoted(name),
        owner.map_or_else(|| "no owner".to_owned(), |o| format!("owner {}", quoted(o))),
        scopes.join(" "),
        expiry_text(expires_at)
    );
    append(w, now, id, Action::Created, actor, Some(&detail))?;
    Ok((reread(w, id)?, secret))
}

/// A name or owner in an event's detail: JSON's quoting, whole.
fn quoted(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

fn expiry_text(at: Option<Epoch>) -> String {
    at.map_or_else(
        || "never expires".to_owned(),
        |t| format!("expires {}", rfc3339(t)),
    )
}

/// The policy in force, as the database holds it.
pub fn policy_of(r: &mut dyn Reader) -> Result<Policy> {
    Policy::from_pairs(&r.policy()?)
}

/// The owner's live tokens that `create --replace` would revoke now.
pub fn replaceable(store: &mut dyn Store, owner: &str, now: Epoch) -> Result<Vec<Token>> {
    store::read(store, |r| live_of(r, owner, now, &[]))
}

/// What `create` would do, checked in a read snapshot without writing: the
/// owner's live tokens that `--replace` revokes, or the error the create
/// would fail with (a rule of the policy). A front end that confirms first
/// asks only about a create that can happen; the create checks again.
pub fn check_create(store: &mut dyn Store, new: &NewToken, now: Epoch) -> Result<Vec<Token>> {
    store::read(store, |r| {
        let policy = policy_of(r)?;
        let goes = match (&new.replace, new.owner.as_deref()) {
            (Some(_), Some(owner)) => live_of(r, owner, now, &[])?,
            _ => Vec::new(),
        };
        let ids: Vec<TokenId> = goes.iter().map(|t| t.id).collect();
        plan_insert(r, &policy, new, now, &ids)?;
        Ok(goes)
    })
}

/// A new token's fields, checked against the policy.
struct Planned<'a> {
    name: &'a str,
    owner: Option<&'a str>,
    scopes: Vec<&'a str>,
    expires_at: Option<Epoch>,
}

/// Every check of a new token, `replaced` being the live tokens of its
/// owner that go in the same transaction.
fn plan_insert<'a>(
    r: &mut dyn Reader,
    policy: &Policy,
    new: &'a NewToken,
    now: Epoch,
    replaced: &[TokenId],
) -> Result<Planned<'a>> {
    let name = validate::name(&new.name)?;
    let owner = new.owner.as_deref().map(validate::owner).transpose()?;
    let scopes = validate::scopes(&new.scopes)?;
    let expires_at = policy.expiry(new.expiry, now)?;
    policy.check_owner(owner)?;
    policy.check_scopes(scopes.iter().copied())?;
    check_one_per_owner(r, policy, owner, now, replaced)?;
    Ok(Planned {
        name,
        owner,
        scopes,
        expires_at,
    })
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
    list_page(r, filter, now, each).map(drop)
}

/// One page of [`list`]: at most `filter.limit` rows after `filter.after`,
/// those that pass streamed to `each`. Returns the id to continue after,
/// or `None` when this was the last page.
pub fn list_page(
    r: &mut dyn Reader,
    filter: &ListFilter,
    now: Epoch,
    each: &mut dyn FnMut(Token) -> Result<()>,
) -> Result<Option<TokenId>> {
    let (mut rows, mut last) = (0u32, None);
    // Status is filtered here, by Token::status, so its order has one
    // definition.
    r.list(filter, now, &mut |t| {
        rows += 1;
        last = Some(t.id);
        match filter.status {
            Some(s) if t.status(now) != s => Ok(()),
            _ => each(t),
        }
    })?;
    Ok(last.filter(|_| filter.limit.is_some_and(|l| rows >= l)))
}

/// Streams the trail (one token's, or all), oldest first. An id that was
/// never issued is [`Error::NotFound`] before `each` is called; a purged
/// token's history is still there.
pub fn log(
    r: &mut dyn Reader,
    filter: &LogFilter,
    each: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    require_issued(r, filter.token)?;
    r.log(filter, each)
}

/// [`Error::NotFound`] for an id that was never issued (a purged token was).
pub fn require_issued(r: &mut dyn Reader, token: Option<TokenId>) -> Result<()> {
    match token {
        Some(id) if !r.issued(id)? => Err(Error::NotFound(id)),
        _ => Ok(()),
    }
}

/// The seq of the newest event of the whole trail, if any: where a
/// follower starts waiting, and what a server compares to know that
/// nothing changed.
pub fn head_seq(r: &mut dyn Reader) -> Result<Option<i64>> {
    r.head()
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
        let revoked: Vec<(TokenId, &str)> = ids.iter().map(|&id| (id, detail.as_str())).collect();
        revoked_events(w, &revoked, actor, now)
    })
}

/// Revokes each of these tokens that is not revoked yet, with its own
/// detail in its `revoked` event (`scan --revoke`: where it leaked), all
/// in one transaction; returns those it revoked, as they are now. A token
/// revoked or purged meanwhile is left out.
pub fn revoke_many(
    store: &mut dyn Store,
    tokens: &[(TokenId, String)],
    actor: &str,
    now: Epoch,
) -> Result<Vec<Token>> {
    let actor = validate::actor(actor)?;
    store::write(store, |w| {
        let mut revoked = Vec::with_capacity(tokens.len());
        for (id, detail) in tokens {
            match w.lock(*id)? {
                Some(t) if t.revoked_at.is_none() => {
                    w.set_revoked(*id, now)?;
                    revoked.push((*id, detail.as_str()));
                }
                _ => {}
            }
        }
        revoked_events(w, &revoked, actor, now)
    })
}

/// The `revoked` event of each token just revoked in this transaction,
/// with its detail; returns the tokens as they are now.
fn revoked_events(
    w: &mut dyn Writer,
    revoked: &[(TokenId, &str)],
    actor: &str,
    now: Epoch,
) -> Result<Vec<Token>> {
    let events: Vec<NewEvent<'_>> = revoked
        .iter()
        .map(|&(id, detail)| event(now, id, Action::Revoked, actor, Some(detail)))
        .collect();
    chain::append(w, &events)?;
    revoked.iter().map(|&(id, _)| reread(w, id)).collect()
}

/// What `reset` is asked to do besides giving a new secret.
#[derive(Debug, Clone, Default)]
pub struct Reset {
    /// The new secret's expiry.
    pub expiry: Expiry,
    /// How long the replaced secret keeps verifying; `None`: not at all.
    pub grace: Option<Duration>,
    /// Hand the token to this owner.
    pub owner: Option<String>,
}

/// Gives a token a new secret and expiry, and a new owner if asked. The
/// replaced secret stops verifying when this commits, or when its grace
/// period ends; a grace period of an earlier reset ends now. A revoked
/// token is [`Error::Revoked`].
pub fn reset(
    store: &mut dyn Store,
    id: TokenId,
    asked: &Reset,
    actor: &str,
    now: Epoch,
) -> Result<(Token, Secret)> {
    let actor = validate::actor(actor)?;
    let new_owner = asked.owner.as_deref().map(validate::owner).transpose()?;
    let prefix = store.prefix().to_owned();
    store::write(store, |w| {
        let token = w.lock(id)?.ok_or(Error::NotFound(id))?;
        let (expires_at, previous_valid_until) = plan_reset(w, &token, asked, now)?;
        let secret = Secret::generate(&prefix).map_err(anyhow::Error::from)?;
        w.replace_secret(
            id,
            &NewSecret {
                hash: &secret.hash(),
                last4: secret.last4(),
                expires_at,
                previous_valid_until,
            },
        )?;
        let mut detail = expiry_text(expires_at);
        match previous_valid_until {
            Some(end) => detail.push_str(&format!(", old secret valid until {}", rfc3339(end))),
            None => detail.push_str(", old secret rotated at once"),
        }
        if let Some(o) = new_owner.filter(|&o| Some(o) != token.owner.as_deref()) {
            let scopes: Vec<&str> = token.scopes.iter().map(String::as_str).collect();
            w.set_fields(
                id,
                &Fields {
                    name: &token.name,
                    owner: Some(o),
                    scopes: &scopes,
                    expires_at,
                },
            )?;
            detail.push_str(&format!(
                ", owner {} -> {}",
                owner_text(token.owner.as_deref()),
                quoted(o)
            ));
        }
        append(w, now, id, Action::Reset, actor, Some(&detail))?;
        Ok((reread(w, id)?, secret))
    })
}

/// What `reset` would do, checked in a read snapshot without writing: the
/// token as it is now and its new expiry, or the error the reset would fail with (unknown id,
/// revoked, a rule of the policy). A front end confirms only a reset that
/// can happen; the reset checks again.
pub fn check_reset(
    store: &mut dyn Store,
    id: TokenId,
    asked: &Reset,
    now: Epoch,
) -> Result<(Token, Option<Epoch>)> {
    store::read(store, |r| {
        let token = r.get(id)?.ok_or(Error::NotFound(id))?;
        let (expires_at, _) = plan_reset(r, &token, asked, now)?;
        Ok((token, expires_at))
    })
}

/// Every check of a reset: the new expiry and the end of the replaced
/// secret's grace period.
fn plan_reset(
    r: &mut dyn Reader,
    token: &Token,
    asked: &Reset,
    now: Epoch,
) -> Result<(Option<Epoch>, Option<Epoch>)> {
    rules::changeable(token, "reset")?;
    let new_owner = asked.owner.as_deref().map(validate::owner).transpose()?;
    let policy = policy_of(r)?;
    let expires_at = policy.expiry(asked.expiry, now)?;
    if let Some(grace) = asked.grace {
        policy.check_grace(grace)?;
    }
    // A reset that makes an expired token live, or hands it to a new
    // owner, must leave that owner with no other live token. (A reset of
    // a live token changes nobody's count, even if its owner got a second
    // one before the rule was set.)
    let owner = new_owner.or(token.owner.as_deref());
    if owner != token.owner.as_deref() || token.status(now) == Status::Expired {
        check_one_per_owner(r, &policy, owner, now, &[token.id])?;
    }
    let previous_valid_until = asked
        .grace
        .filter(|g| g.as_secs() > 0)
        .map(|g| now.saturating_add(g.as_secs()));
    Ok((expires_at, previous_valid_until))
}

fn owner_text(owner: Option<&str>) -> String {
    owner.map_or_else(|| "none".to_owned(), quoted)
}

/// What `edit` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// A new name.
    pub name: Option<String>,
    /// A new owner: `Some(None)` removes it.
    pub owner: Option<Option<String>>,
    /// The new set of scopes, replacing the old.
    pub scopes: Option<Vec<String>>,
    /// Scopes to add.
    pub add_scopes: Vec<String>,
    /// Scopes to remove.
    pub remove_scopes: Vec<String>,
    /// A new expiry.
    pub expiry: Option<Expiry>,
}

impl Edit {
    /// Whether it asks for any change at all.
    pub fn asks(&self) -> bool {
        self.name.is_some()
            || self.owner.is_some()
            || self.scopes.is_some()
            || !self.add_scopes.is_empty()
            || !self.remove_scopes.is_empty()
            || self.expiry.is_some()
    }
}

/// Changes a token's name, owner, scopes or expiry, never its secret, held
/// to the policy, with one `edited` event listing each change. Values that
/// are already as asked are [`Change::Already`]; a revoked token is
/// [`Error::Revoked`].
pub fn edit(
    store: &mut dyn Store,
    id: TokenId,
    asked: &Edit,
    actor: &str,
    now: Epoch,
) -> Result<Change> {
    if !asked.asks() {
        return Err(Error::Usage(format!("nothing to change in token {id}")));
    }
    let actor = validate::actor(actor)?;
    let name = asked.name.as_deref().map(validate::name).transpose()?;
    let owner = match &asked.owner {
        Some(Some(o)) => Some(Some(validate::owner(o)?)),
        Some(None) => Some(None),
        None => None,
    };
    let replace = asked.scopes.as_deref().map(validate::scopes).transpose()?;
    for s in asked.add_scopes.iter().chain(&asked.remove_scopes) {
        validate::scope(s)?;
    }
    store::write(store, |w| {
        let token = w.lock(id)?.ok_or(Error::NotFound(id))?;
        rules::changeable(&token, "edit")?;
        let policy = policy_of(w)?;
        let old_scopes: Vec<&str> = token.scopes.iter().map(String::as_str).collect();
        let mut scopes: Vec<&str> = replace.clone().unwrap_or_else(|| old_scopes.clone());
        scopes.extend(asked.add_scopes.iter().map(String::as_str));
        scopes.retain(|s| !asked.remove_scopes.iter().any(|r| r == s));
        scopes.sort_unstable();
        scopes.dedup();
        if scopes.is_empty() {
            return Err(Error::Usage(format!(
                "token {id} would be left with no scope; keep at least one"
            )));
        }
        let name = name.unwrap_or(&token.name);
        let owner = owner.unwrap_or(token.owner.as_deref());
        let expires_at = match asked.expiry {
            Some(e) => policy.expiry(e, now)?,
            None => token.expires_at,
        };
        let mut changes = Vec::new();
        if name != token.name {
            changes.push(format!("name {} -> {}", quoted(&token.name), quoted(name)));
        }
        if owner != token.owner.as_deref() {
            policy.check_owner(owner)?;
            changes.push(format!(
                "owner {} -> {}",
                owner_text(token.owner.as_deref()),
                owner_text(owner)
            ));
        }
        if scopes != old_scopes {
            policy.check_scopes(scopes.iter().copied().filter(|s| !old_scopes.contains(s)))?;
            changes.push(format!(
                "scopes {} -> {}",
                old_scopes.join(" "),
                scopes.join(" ")
            ));
        }
        if expires_at != token.expires_at {
            changes.push(format!(
                "{} -> {}",
                expiry_text(token.expires_at),
                expiry_text(expires_at)
            ));
        }
        if changes.is_empty() {
            return Ok(Change::Already(token));
        }
        // The token is live afterwards, and its owner new or the token
        // newly live: that owner may hold no other.
        let live_after = expires_at.is_none_or(|at| at > now);
        let was_live = token.status(now) != Status::Expired;
        if live_after && (owner != token.owner.as_deref() || !was_live) {
            check_one_per_owner(w, &policy, owner, now, &[id])?;
        }
        w.set_fields(
            id,
            &Fields {
                name,
                owner,
                scopes: &scopes,
                expires_at,
            },
        )?;
        append(w, now, id, Action::Edited, actor, Some(&changes.join("; ")))?;
        Ok(Change::Done(reread(w, id)?))
    })
}

/// The policy in force, from one snapshot.
pub fn policy(store: &mut dyn Store) -> Result<Policy> {
    store::read(store, |r| policy_of(r))
}

/// What `policy set` and `policy unset` did.
#[derive(Debug, Clone)]
pub struct PolicyChange {
    /// The policy in force now.
    pub policy: Policy,
    /// Whether anything changed (else no event was written).
    pub changed: bool,
    /// Live tokens that do not meet the rule (left as they are).
    pub breaking: Vec<TokenId>,
}

/// Sets (`Some`) or unsets (`None`) a policy key, audited, and names the
/// live tokens that do not meet the rule now in force; it changes none of
/// them.
pub fn set_policy(
    store: &mut dyn Store,
    key: Key,
    value: Option<&str>,
    actor: &str,
    now: Epoch,
) -> Result<PolicyChange> {
    let actor = validate::actor(actor)?;
    store::write(store, |w| {
        let old = policy_of(w)?;
        let new = match value {
            Some(v) => old.set(key, v)?,
            None => old.unset(key),
        };
        let (was, is) = (old.stored(key), new.stored(key));
        let changed = was != is;
        if changed {
            w.set_policy(key.as_str(), is.as_deref())?;
            let detail = format!(
                "{key}: {} -> {}",
                was.as_deref().unwrap_or("unset"),
                is.as_deref().unwrap_or("unset")
            );
            chain::append(
                w,
                &[NewEvent {
                    at: now,
                    token_id: None,
                    action: Action::Policy,
                    actor,
                    detail: Some(&detail),
                }],
            )?;
        }
        let breaking = breaking(w, &new, key, now)?;
        Ok(PolicyChange {
            policy: new.clone(),
            changed,
            breaking,
        })
    })
}

/// The live tokens that do not meet `key` of `policy`.
fn breaking(r: &mut dyn Reader, policy: &Policy, key: Key, now: Epoch) -> Result<Vec<TokenId>> {
    let mut out = Vec::new();
    if key == Key::OnePerOwner {
        if !policy.one_per_owner() {
            return Ok(out);
        }
        // Every live token of an owner who holds more than one.
        let mut by_owner: std::collections::BTreeMap<String, Vec<TokenId>> = Default::default();
        r.list(&ListFilter::default(), now, &mut |t| {
            let live = !matches!(t.status(now), Status::Revoked | Status::Expired);
            if let (Some(o), true) = (t.owner, live) {
                by_owner.entry(o).or_default().push(t.id);
            }
            Ok(())
        })?;
        out = by_owner
            .into_values()
            .filter(|v| v.len() > 1)
            .flatten()
            .collect();
        out.sort_unstable();
        return Ok(out);
    }
    r.list(&ListFilter::default(), now, &mut |t| {
        if policy.breaks(key, &t, now) {
            out.push(t.id);
        }
        Ok(())
    })?;
    Ok(out)
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
        let events: Vec<NewEvent<'_>> = ids
            .iter()
            .map(|&id| event(now, id, Action::Purged, actor, None))
            .collect();
        chain::append(w, &events)?;
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
    chain::append(w, &[event(at, token_id, action, actor, detail)])
}

fn event<'a>(
    at: Epoch,
    token_id: TokenId,
    action: Action,
    actor: &'a str,
    detail: Option<&'a str>,
) -> NewEvent<'a> {
    NewEvent {
        at,
        token_id: Some(token_id),
        action,
        actor,
        detail,
    }
}

/// A token just written in this transaction, as it now is.
fn reread(r: &mut dyn Reader, id: TokenId) -> Result<Token> {
    r.get(id)?
        .ok_or_else(|| runtime(format!("token {id} vanished")))
}
