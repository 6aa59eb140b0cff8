//! The whole database as JSON Lines and back (SPEC §8): a header, the
//! policy, every token with the hashes of its secrets (never a secret),
//! every event, and the highest id ever issued. The same lines come out of either backend, so a
//! dump moves a database from SQLite to PostgreSQL, or backs one up.

use serde::{Deserialize, Serialize};

use crate::core::error::{Error, Result};
use crate::core::id::TokenId;
use std::collections::BTreeMap;

use crate::core::chain::{self, hex, unhex};
use crate::core::model::{Action, Event, Token};
use crate::core::policy::Policy;
use crate::core::token;
use crate::core::validate;
use crate::store::{self, Hashes, LogFilter, NewEvent, Store};
use crate::time::{Epoch, Timestamp, rfc3339};

/// Rows handed to the store at a time by `load`.
const RESTORE_CHUNK: usize = 2000;

/// The format of the dump; the header says it.
pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// [`VERSION`].
    pub tokenctl_dump: u32,
    /// The database's token prefix.
    pub prefix: String,
}

/// A token as a dump carries it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenLine {
    id: TokenId,
    name: String,
    owner: Option<String>,
    scopes: Vec<String>,
    disabled: bool,
    last4: String,
    /// SHA-256 of the current secret, hex.
    hash: String,
    /// SHA-256 of the secret its latest reset replaced, hex, if kept.
    #[serde(default)]
    previous_hash: Option<String>,
    created_at: String,
    created_by: String,
    expires_at: Option<String>,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
    /// Until when the replaced secret verifies.
    #[serde(default)]
    previous_valid_until: Option<String>,
}

/// An event as a dump carries it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventLine {
    seq: i64,
    at: String,
    token_id: Option<TokenId>,
    action: String,
    actor: String,
    detail: Option<String>,
    /// The event's link in the chain; a dump of a tokenctl before the
    /// chain has none, and load then links the events as a migration does.
    #[serde(default)]
    hash: Option<String>,
}

/// Every line after the header: one key names what it is.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Line {
    /// The policy keys that are set, as set (a dump of an older tokenctl
    /// has none).
    Policy(BTreeMap<String, String>),
    Token(TokenLine),
    Event(EventLine),
    LastId(i64),
}

/// What a dump held, parsed and checked, ready to be loaded.
#[derive(Debug)]
pub struct Dump {
    /// The header.
    pub header: Header,
    policy: Vec<(String, String)>,
    tokens: Vec<(Token, Hashes)>,
    events: Vec<Event>,
    last_id: i64,
}

impl Dump {
    /// How many tokens and events it holds.
    pub fn counts(&self) -> (usize, usize) {
        (self.tokens.len(), self.events.len())
    }
}

/// Writes the dump of `store` line by line through `out`, from one
/// snapshot.
pub fn dump(store: &mut dyn Store, out: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let prefix = store.prefix().to_owned();
    let mut buf = Vec::with_capacity(512);
    let mut line = |value: &dyn erased::Serialize, out: &mut dyn FnMut(&[u8]) -> Result<()>| {
        buf.clear();
        value.to_json(&mut buf)?;
        buf.push(b'\n');
        out(&buf)
    };
    store.read_once(&mut |r| {
        line(
            &Header {
                tokenctl_dump: VERSION,
                prefix: prefix.clone(),
            },
            out,
        )?;
        let policy: BTreeMap<String, String> = r.policy()?.into_iter().collect();
        line(&Line::Policy(policy), out)?;
        r.dump_tokens(&mut |t, hashes| line(&Line::Token(token_line(&t, &hashes)), out))?;
        r.log(&LogFilter::default(), &mut |e| {
            line(&Line::Event(event_line(&e)), out)
        })?;
        let last = r.last_id()?;
        line(&Line::LastId(last), out)
    })
}

/// Small helper so the closure above can take both line kinds.
mod erased {
    use crate::core::error::Result;

    pub trait Serialize {
        fn to_json(&self, buf: &mut Vec<u8>) -> Result<()>;
    }

    impl<T: serde::Serialize> Serialize for T {
        fn to_json(&self, buf: &mut Vec<u8>) -> Result<()> {
            serde_json::to_writer(buf, self).map_err(|e| anyhow::Error::from(e).into())
        }
    }
}

fn token_line(t: &Token, hashes: &Hashes) -> TokenLine {
    TokenLine {
        id: t.id,
        name: t.name.clone(),
        owner: t.owner.clone(),
        scopes: t.scopes.clone(),
        disabled: t.disabled,
        last4: t.last4.clone(),
        hash: hex(&hashes.current),
        previous_hash: hashes.previous.as_ref().map(|h| hex(h)),
        created_at: rfc3339(t.created_at),
        created_by: t.created_by.clone(),
        expires_at: t.expires_at.map(rfc3339),
        last_used_at: t.last_used_at.map(rfc3339),
        revoked_at: t.revoked_at.map(rfc3339),
        previous_valid_until: t.previous_valid_until.map(rfc3339),
    }
}

fn event_line(e: &Event) -> EventLine {
    EventLine {
        seq: e.seq,
        at: rfc3339(e.at),
        token_id: e.token_id,
        action: e.action.as_str().to_owned(),
        actor: e.actor.clone(),
        detail: e.detail.clone(),
        hash: e.hash.as_ref().map(|h| hex(h)),
    }
}

/// Parses a dump, every line checked; a bad line is a usage error naming
/// its number, before anything is written.
pub fn parse(lines: impl Iterator<Item = std::io::Result<String>>) -> Result<Dump> {
    let mut header = None;
    let mut tokens = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut last_id = None;
    let mut policy = None;
    for (i, line) in lines.enumerate() {
        let n = i + 1;
        let line =
            line.map_err(|e| Error::Runtime(anyhow::Error::new(e).context("cannot read stdin")))?;
        let bad = |why: String| Error::Usage(format!("line {n} of the dump: {why}"));
        if header.is_none() {
            let h: Header = serde_json::from_str(&line)
                .map_err(|e| bad(format!("not a tokenctl dump header ({e})")))?;
            if h.tokenctl_dump != VERSION {
                return Err(bad(format!(
                    "dump format {} is not one this tokenctl reads ({VERSION})",
                    h.tokenctl_dump
                )));
            }
            if !token::valid_prefix(&h.prefix) {
                return Err(bad("the prefix is not a valid token prefix".into()));
            }
            header = Some(h);
            continue;
        }
        if last_id.is_some() {
            return Err(bad("nothing may follow the last_id line".into()));
        }
        let parsed: Line = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        match parsed {
            Line::Policy(_) if policy.is_some() => {
                return Err(bad("a dump has one policy line".into()));
            }
            Line::Policy(pairs) => {
                let pairs: Vec<(String, String)> = pairs.into_iter().collect();
                Policy::from_pairs(&pairs).map_err(|e| bad(e.to_string()))?;
                policy = Some(pairs);
            }
            Line::Token(t) => {
                let prefix = header
                    .as_ref()
                    .map(|h| h.prefix.as_str())
                    .unwrap_or_default();
                tokens.push(token_of(t, prefix).map_err(bad)?);
            }
            Line::Event(e) => {
                let e = event_of(e).map_err(bad)?;
                if events.last().is_some_and(|last| last.seq >= e.seq) {
                    return Err(bad("events must come in increasing seq order".into()));
                }
                events.push(e);
            }
            Line::LastId(n) => last_id = Some(n),
        }
    }
    let header = header.ok_or_else(|| Error::Usage("the dump is empty: no header line".into()))?;
    let last_id = last_id.ok_or_else(|| {
        Error::Usage("the dump ends without its last_id line: it is cut short".into())
    })?;
    let top = tokens.iter().map(|(t, _)| t.id.get()).max().unwrap_or(0);
    if last_id < top {
        return Err(Error::Usage(format!(
            "the dump's last_id {last_id} is below its highest token id {top}"
        )));
    }
    // A dump of a tokenctl before the chain has no link at all, and gets
    // them as a migration gives them. One with some links missing had
    // them taken out: it is loaded as it is, and `log --verify` says so.
    if events.iter().all(|e| e.hash.is_none()) {
        chain::fill(&mut events, chain::GENESIS);
    }
    Ok(Dump {
        header,
        policy: policy.unwrap_or_default(),
        tokens,
        events,
        last_id,
    })
}

fn token_of(t: TokenLine, prefix: &str) -> std::result::Result<(Token, Hashes), String> {
    let text = |r: Result<&str>| r.map(str::to_owned).map_err(|e| e.to_string());
    let name = text(validate::name(&t.name))?;
    let owner = t
        .owner
        .as_deref()
        .map(|o| text(validate::owner(o)))
        .transpose()?;
    let created_by = text(validate::actor(&t.created_by))?;
    let scopes: Vec<String> = validate::scopes(&t.scopes)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(str::to_owned)
        .collect();
    if t.last4.len() != 4 || !t.last4.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("last4 is not four base62 characters".into());
    }
    let current = unhex(&t.hash).ok_or("hash is not 64 hexadecimal digits")?;
    let previous = t
        .previous_hash
        .as_deref()
        .map(|h| unhex(h).ok_or("previous_hash is not 64 hexadecimal digits"))
        .transpose()?;
    if previous == Some(current) {
        return Err("previous_hash is the hash of the current secret".into());
    }
    if previous.is_none() && t.previous_valid_until.is_some() {
        return Err("previous_valid_until is set without a previous_hash".into());
    }
    let token = Token {
        id: t.id,
        name,
        owner,
        scopes,
        disabled: t.disabled,
        last4: t.last4,
        prefix: prefix.into(),
        created_at: time(&t.created_at)?,
        created_by,
        expires_at: t.expires_at.as_deref().map(time).transpose()?,
        last_used_at: t.last_used_at.as_deref().map(time).transpose()?,
        revoked_at: t.revoked_at.as_deref().map(time).transpose()?,
        previous_valid_until: t.previous_valid_until.as_deref().map(time).transpose()?,
    };
    Ok((token, Hashes { current, previous }))
}

fn event_of(e: EventLine) -> std::result::Result<Event, String> {
    if e.seq <= 0 {
        return Err("an event's seq is positive".into());
    }
    let action =
        Action::from_name(&e.action).ok_or_else(|| format!("unknown action {:?}", e.action))?;
    if e.token_id.is_none() != matches!(action, Action::Loaded | Action::Policy) {
        return Err(format!(
            "a {} event must {}name a token",
            e.action,
            if e.token_id.is_none() { "" } else { "not " }
        ));
    }
    let hash = e
        .hash
        .as_deref()
        .map(|h| unhex(h).ok_or("hash is not 64 hexadecimal digits"))
        .transpose()?;
    Ok(Event {
        seq: e.seq,
        at: time(&e.at)?,
        token_id: e.token_id,
        action,
        actor: e.actor,
        detail: e.detail,
        hash,
    })
}

fn time(s: &str) -> std::result::Result<Epoch, String> {
    s.parse::<Timestamp>()
        .map(|t| t.0)
        .map_err(|e| format!("{s:?}: {e}"))
}

/// Loads a parsed dump into `store`, which must hold no token and no event
/// and have the dump's prefix (else a conflict, exit 6), in one
/// transaction, and appends one `loaded` event. Ids, hashes, times, the
/// trail and the id high-water mark are kept, so every secret issued before
/// still verifies.
pub fn load(store: &mut dyn Store, dump: &Dump, actor: &str, now: Epoch) -> Result<()> {
    let actor = validate::actor(actor)?;
    if store.prefix() != dump.header.prefix {
        return Err(Error::Conflict(format!(
            "the database has prefix {:?} and the dump {:?}; load it into a database with its prefix",
            store.prefix(),
            dump.header.prefix
        )));
    }
    let (tokens, events) = dump.counts();
    let detail = format!("{tokens} tokens and {events} events from a dump");
    store::write(store, |w| {
        if !w.is_empty()? {
            return Err(Error::Conflict(
                "the database already holds tokens or events; load only into an empty one".into(),
            ));
        }
        for (key, value) in &dump.policy {
            w.set_policy(key, Some(value))?;
        }
        for chunk in dump.tokens.chunks(RESTORE_CHUNK) {
            w.restore_tokens(chunk)?;
        }
        for chunk in dump.events.chunks(RESTORE_CHUNK) {
            w.insert_events(chunk)?;
        }
        w.set_last_id(dump.last_id)?;
        chain::append(
            w,
            &[NewEvent {
                at: now,
                token_id: None,
                action: Action::Loaded,
                actor,
                detail: Some(&detail),
            }],
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_line_is_named_by_its_number() {
        let lines = [r#"{"tokenctl_dump":1,"prefix":"tok"}"#, r#"{"last_id":0}"#];
        assert!(parse(lines.iter().map(|l| Ok(l.to_string()))).is_ok());
        let bad = [
            r#"{"tokenctl_dump":1,"prefix":"tok"}"#,
            r#"{"token":{"id":1}}"#,
        ];
        let err = parse(bad.iter().map(|l| Ok(l.to_string()))).unwrap_err();
        assert!(err.to_string().starts_with("line 2 of the dump"), "{err}");
        let cut = [r#"{"tokenctl_dump":1,"prefix":"tok"}"#];
        assert!(parse(cut.iter().map(|l| Ok(l.to_string()))).is_err());
    }
}
