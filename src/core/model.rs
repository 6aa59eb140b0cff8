//! The records tokenctl shows: tokens, their derived status, verify verdicts
//! and audit events, with their stable JSON shapes (SPEC §3).

use std::io::Write as _;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use crate::core::id::TokenId;
use crate::core::token;
use crate::time::{self, Epoch, Rfc3339, rfc3339};

/// A token's derived state; the first that applies wins, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Revoked: final.
    Revoked,
    /// Past its expiry.
    Expired,
    /// Switched off; `enable` switches it on again.
    Disabled,
    /// Valid.
    Active,
}

impl Status {
    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Revoked => "revoked",
            Status::Expired => "expired",
            Status::Disabled => "disabled",
            Status::Active => "active",
        }
    }
}

/// A stored token, as every command but create and reset shows it: masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Positive, never reused.
    pub id: TokenId,
    /// Display name.
    pub name: String,
    /// The user, e-mail or application it belongs to.
    pub owner: Option<String>,
    /// Granted scopes, sorted.
    pub scopes: Vec<String>,
    /// Switched off by `disable`.
    pub disabled: bool,
    /// Last four characters of the current secret.
    pub last4: String,
    /// The database's token prefix, one allocation shared by every token
    /// a store reads (a batch reads a million).
    pub prefix: std::sync::Arc<str>,
    /// When it was created.
    pub created_at: Epoch,
    /// Who created it.
    pub created_by: String,
    /// When it stops being valid; `None`: never.
    pub expires_at: Option<Epoch>,
    /// The last successful verify, recorded at most about once a minute.
    pub last_used_at: Option<Epoch>,
    /// When it was revoked.
    pub revoked_at: Option<Epoch>,
    /// When the secret that the latest `reset --grace` replaced stops
    /// verifying; `None`: it no longer verifies, or there is none.
    pub previous_valid_until: Option<Epoch>,
}

impl Token {
    /// The derived status at `now`.
    pub fn status(&self, now: Epoch) -> Status {
        if self.revoked_at.is_some() {
            Status::Revoked
        } else if self.expires_at.is_some_and(|e| e <= now) {
            Status::Expired
        } else if self.disabled {
            Status::Disabled
        } else {
            Status::Active
        }
    }

    /// The masked secret, e.g. `tok_****F7bX`.
    pub fn masked(&self) -> String {
        token::mask(&self.prefix, &self.last4)
    }

    /// The JSON view of this token at `now`.
    pub fn json(&self, now: Epoch) -> TokenJson<'_> {
        TokenJson {
            token: self,
            now,
            secret: None,
        }
    }
}

/// A token's JSON object; with a secret only right after create or reset.
pub struct TokenJson<'a> {
    token: &'a Token,
    now: Epoch,
    secret: Option<&'a str>,
}

impl<'a> TokenJson<'a> {
    /// Adds `"token": "<secret>"`, for delivering a new secret.
    pub fn with_secret(mut self, secret: &'a str) -> Self {
        self.secret = Some(secret);
        self
    }
}

impl Serialize for TokenJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.token;
        let mut o = s.serialize_struct("Token", 14)?;
        // The secret first: a reader cut off part way has it whole or not
        // at all, and the server can tell which (serve's delivery check).
        if let Some(secret) = self.secret {
            o.serialize_field("token", secret)?;
        }
        o.serialize_field("id", &t.id)?;
        o.serialize_field("name", &t.name)?;
        o.serialize_field("owner", &t.owner)?;
        o.serialize_field("scopes", &t.scopes)?;
        o.serialize_field("status", &t.status(self.now))?;
        o.serialize_field("last4", &t.last4)?;
        o.serialize_field("masked", &token::Masked(&t.prefix, &t.last4))?;
        o.serialize_field("created_at", &Rfc3339(t.created_at))?;
        o.serialize_field("created_by", &t.created_by)?;
        o.serialize_field("expires_at", &t.expires_at.map(Rfc3339))?;
        o.serialize_field("last_used_at", &t.last_used_at.map(Rfc3339))?;
        o.serialize_field("revoked_at", &t.revoked_at.map(Rfc3339))?;
        o.serialize_field("previous_valid_until", &t.previous_valid_until.map(Rfc3339))?;
        o.end()
    }
}

impl TokenJson<'_> {
    /// The bytes serde_json writes for this object, appended to `out`
    /// without going through a serializer: the keys as literals, and
    /// strings that need no escaping copied as they are. `verify --batch`
    /// writes one for every valid line and `serve` one for every answer,
    /// and serde's way (every key and value escaped byte by byte) was a
    /// seventh of a batch's instructions, half of its writing thread's. A
    /// test holds the two to the same bytes.
    pub fn write(&self, out: &mut Vec<u8>) {
        let t = self.token;
        out.push(b'{');
        if let Some(secret) = self.secret {
            out.extend_from_slice(b"\"token\":");
            json_str(out, secret);
            out.push(b',');
        }
        out.extend_from_slice(b"\"id\":");
        // Writing to a Vec cannot fail.
        let _ = write!(out, "{}", t.id.get());
        out.extend_from_slice(b",\"name\":");
        json_str(out, &t.name);
        out.extend_from_slice(b",\"owner\":");
        match &t.owner {
            Some(o) => json_str(out, o),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"scopes\":[");
        for (i, scope) in t.scopes.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, scope);
        }
        out.extend_from_slice(b"],\"status\":");
        json_str(out, t.status(self.now).as_str());
        out.extend_from_slice(b",\"last4\":");
        json_str(out, &t.last4);
        out.extend_from_slice(b",\"masked\":\"");
        json_str_contents(out, &t.prefix);
        out.extend_from_slice(b"_****");
        json_str_contents(out, &t.last4);
        out.extend_from_slice(b"\",\"created_at\":");
        time::write_rfc3339_json(out, t.created_at);
        out.extend_from_slice(b",\"created_by\":");
        json_str(out, &t.created_by);
        for (key, at) in [
            (&b",\"expires_at\":"[..], t.expires_at),
            (b",\"last_used_at\":", t.last_used_at),
            (b",\"revoked_at\":", t.revoked_at),
            (b",\"previous_valid_until\":", t.previous_valid_until),
        ] {
            out.extend_from_slice(key);
            json_time(out, at);
        }
        out.push(b'}');
    }
}

/// `s` as a JSON string, as serde_json writes it.
fn json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    json_str_contents(out, s);
    out.push(b'"');
}

/// `s` inside a JSON string: as it is when serde_json would escape none of
/// it (no control character, quote or backslash), else as serde_json
/// escapes it.
fn json_str_contents(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.extend_from_slice(s.as_bytes());
    } else if let Ok(quoted) = serde_json::to_vec(s) {
        out.extend_from_slice(&quoted[1..quoted.len() - 1]);
    }
}

/// An optional time as JSON: `null` or its RFC 3339 string.
fn json_time(out: &mut Vec<u8>, t: Option<Epoch>) {
    match t {
        Some(t) => time::write_rfc3339_json(out, t),
        None => out.extend_from_slice(b"null"),
    }
}

/// What the lookup of a presented secret found: its token, and whether the
/// secret is the one that the token's latest `reset` replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The token the secret belongs to.
    pub token: Token,
    /// The secret is the replaced one, not the current one.
    pub replaced: bool,
}

#[cfg(test)]
impl Found {
    /// A current secret of an active token named `name`, for tests.
    pub fn sample(id: i64, name: &str) -> Found {
        Found {
            token: Token {
                id: crate::core::id::TokenId::new(id).unwrap(),
                name: name.into(),
                owner: None,
                scopes: vec![],
                disabled: false,
                last4: "abcd".into(),
                prefix: "tok".into(),
                created_at: 0,
                created_by: "me".into(),
                expires_at: None,
                last_used_at: None,
                revoked_at: None,
                previous_valid_until: None,
            },
            replaced: false,
        }
    }
}

/// Why a presented token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Not a token of this format, or its checksum does not match.
    Malformed,
    /// Well formed, but no token has this secret.
    Unknown,
    /// A secret that `reset` replaced, past its grace period.
    Rotated,
    /// The token was revoked.
    Revoked,
    /// The token has expired.
    Expired,
    /// The token is disabled.
    Disabled,
    /// The token belongs to someone other than the owner required.
    WrongOwner,
    /// Valid, but lacks a required scope.
    MissingScope,
}

impl Reason {
    /// The snake_case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::Unknown => "unknown",
            Reason::Rotated => "rotated",
            Reason::Revoked => "revoked",
            Reason::Expired => "expired",
            Reason::Disabled => "disabled",
            Reason::WrongOwner => "wrong_owner",
            Reason::MissingScope => "missing_scope",
        }
    }
}

/// The answer of `verify` for one presented token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `None` when the token is valid.
    pub reason: Option<Reason>,
    /// The token the secret belongs to, if any.
    pub token: Option<Token>,
    /// Set when the secret presented is one that `reset --grace` replaced,
    /// still inside its grace period: when it stops verifying.
    pub grace_until: Option<Epoch>,
}

impl Verdict {
    /// Whether the token was accepted.
    pub fn valid(&self) -> bool {
        self.reason.is_none()
    }

    /// The process exit code for this verdict (SPEC §4).
    pub fn exit_code(&self) -> u8 {
        match self.reason {
            None => 0,
            Some(Reason::MissingScope) => 4,
            Some(_) => 3,
        }
    }

    /// The JSON view of this verdict at `now`.
    pub fn json(&self, now: Epoch) -> VerdictJson<'_> {
        VerdictJson {
            valid: self.valid(),
            reason: self.reason,
            token: self.token.as_ref().map(|t| t.json(now)),
            grace_until: self.grace_until.map(rfc3339),
        }
    }

    /// Appends what serde_json writes for [`Verdict::json`] to `out`,
    /// written as [`TokenJson::write`] writes a token.
    pub fn write_json(&self, out: &mut Vec<u8>, now: Epoch) {
        out.extend_from_slice(if self.valid() {
            b"{\"valid\":true,\"reason\":"
        } else {
            b"{\"valid\":false,\"reason\":"
        });
        match self.reason {
            Some(r) => json_str(out, r.as_str()),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"token\":");
        match &self.token {
            Some(t) => t.json(now).write(out),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"grace_until\":");
        json_time(out, self.grace_until);
        out.push(b'}');
    }
}

/// A verdict's JSON object.
#[derive(Serialize)]
pub struct VerdictJson<'a> {
    valid: bool,
    reason: Option<Reason>,
    token: Option<TokenJson<'a>>,
    grace_until: Option<String>,
}

/// A change recorded in the audit trail. Each is stored as its own explicit
/// number, so appending an action never renumbers history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Issued by `create`.
    Created = 0,
    /// Given a new secret by `reset`.
    Reset = 1,
    /// Revoked.
    Revoked = 2,
    /// Enabled again.
    Enabled = 3,
    /// Disabled.
    Disabled = 4,
    /// Deleted by `purge`.
    Purged = 5,
    /// The database was filled by `load`; names no token.
    Loaded = 6,
    /// Name, owner, scopes or expiry changed by `edit`.
    Edited = 7,
    /// A rule of the database's policy set or unset; names no token.
    Policy = 8,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::Created,
        Action::Reset,
        Action::Revoked,
        Action::Enabled,
        Action::Disabled,
        Action::Purged,
        Action::Loaded,
        Action::Edited,
        Action::Policy,
    ];

    /// The number stored in the database.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The action stored under `code`.
    pub fn from_code(code: i64) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The lowercase name used in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Reset => "reset",
            Action::Revoked => "revoked",
            Action::Enabled => "enabled",
            Action::Disabled => "disabled",
            Action::Purged => "purged",
            Action::Loaded => "loaded",
            Action::Edited => "edited",
            Action::Policy => "policy",
        }
    }

    /// The action of this lowercase name.
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// One entry of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its place in the trail: increasing, never reused.
    pub seq: i64,
    /// When it happened.
    pub at: Epoch,
    /// The token it concerns; `None` for an event of the whole database
    /// (`loaded`, `policy`).
    pub token_id: Option<TokenId>,
    /// What happened.
    pub action: Action,
    /// Who did it.
    pub actor: String,
    /// More about it, e.g. that a secret was not delivered.
    pub detail: Option<String>,
    /// Its link in the trail's hash chain (SPEC §11); `None` for a row
    /// without one, which no tokenctl writes.
    pub hash: Option<crate::core::chain::Link>,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::core::chain::serialize_event(self, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_action_codes_never_change() {
        let codes: Vec<(i64, &str)> = Action::ALL.iter().map(|a| (a.code(), a.as_str())).collect();
        assert_eq!(
            codes,
            [
                (0, "created"),
                (1, "reset"),
                (2, "revoked"),
                (3, "enabled"),
                (4, "disabled"),
                (5, "purged"),
                (6, "loaded"),
                (7, "edited"),
                (8, "policy")
            ]
        );
        for a in Action::ALL {
            assert_eq!(Action::from_code(a.code()), Some(a));
        }
        assert_eq!(Action::from_code(9), None);
    }

    const REASONS: [Option<Reason>; 9] = [
        None,
        Some(Reason::Malformed),
        Some(Reason::Unknown),
        Some(Reason::Rotated),
        Some(Reason::Revoked),
        Some(Reason::Expired),
        Some(Reason::Disabled),
        Some(Reason::WrongOwner),
        Some(Reason::MissingScope),
    ];

    /// Any time, from before year 0 to past what chrono can show.
    fn time() -> impl proptest::strategy::Strategy<Value = Epoch> {
        proptest::prop_oneof![
            -100_000_000_000i64..400_000_000_000,
            proptest::num::i64::ANY,
        ]
    }

    proptest::proptest! {
        #[test]
        fn written_json_is_what_serde_writes(
            name in "\\PC*|[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}é😀]*",
            owner in proptest::option::of(".*"),
            scopes in proptest::collection::vec(".*", 0..4),
            disabled: bool,
            last4 in ".{0,6}",
            prefix in ".{0,8}",
            created_at in time(),
            created_by in ".*",
            times in proptest::array::uniform4(proptest::option::of(time())),
            now in time(),
            reason in 0..REASONS.len(),
            grace in proptest::option::of(time()),
            secret in proptest::option::of(".*"),
            id in 1..i64::MAX,
        ) {
            let token = Token {
                id: TokenId::new(id).unwrap(),
                name,
                owner,
                scopes,
                disabled,
                last4,
                prefix: prefix.into(),
                created_at,
                created_by,
                expires_at: times[0],
                last_used_at: times[1],
                revoked_at: times[2],
                previous_valid_until: times[3],
            };
            for token in [None, Some(token.clone())] {
                let v = Verdict { reason: REASONS[reason], token, grace_until: grace };
                let mut written = Vec::new();
                v.write_json(&mut written, now);
                proptest::prop_assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(&v.json(now)).unwrap()
                );
            }
            if let Some(secret) = &secret {
                let mut written = Vec::new();
                token.json(now).with_secret(secret).write(&mut written);
                proptest::prop_assert_eq!(
                    String::from_utf8(written).unwrap(),
                    serde_json::to_string(&token.json(now).with_secret(secret)).unwrap()
                );
            }
        }
    }
}
