//! The database's policy (SPEC §7): its six keys, their values as the user
//! set them, the checks of a new value, and the rules every `create`,
//! `edit` and `reset` is held to. The store keeps the pairs; this decides
//! what they mean.

use std::fmt;

use serde::Serialize;

use crate::core::error::{Error, Result};
use crate::core::validate;
use crate::time::{Duration, Epoch, MAX_EPOCH, Timestamp, rfc3339};

/// The built-in expiry of a new or reset token given none.
pub const DEFAULT_LIFETIME: &str = "180d";
/// The built-in longest grace period of `reset --grace`.
pub const DEFAULT_MAX_GRACE: &str = "7d";
const DEFAULT_LIFETIME_SECS: i64 = 180 * 86_400;
const DEFAULT_MAX_GRACE_SECS: i64 = 7 * 86_400;

/// A policy key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// Expiry of a new or reset token given none.
    DefaultLifetime,
    /// No expiry beyond now + this, and no token that never expires.
    MaxLifetime,
    /// An owner holds at most one live token.
    OnePerOwner,
    /// Every new token names an owner.
    RequireOwner,
    /// No other scope at create or edit.
    AllowedScopes,
    /// The longest `reset --grace`.
    MaxGrace,
}

impl Key {
    /// Every key, in the order they are shown.
    pub const ALL: [Key; 6] = [
        Key::DefaultLifetime,
        Key::MaxLifetime,
        Key::OnePerOwner,
        Key::RequireOwner,
        Key::AllowedScopes,
        Key::MaxGrace,
    ];

    /// The name on the command line and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Key::DefaultLifetime => "default-lifetime",
            Key::MaxLifetime => "max-lifetime",
            Key::OnePerOwner => "one-per-owner",
            Key::RequireOwner => "require-owner",
            Key::AllowedScopes => "allowed-scopes",
            Key::MaxGrace => "max-grace",
        }
    }

    /// The key of this name.
    pub fn from_name(name: &str) -> Option<Key> {
        Key::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The key as a usage error names an unknown one.
    pub fn parse(name: &str) -> Result<Key> {
        if let Some(k) = Key::from_name(&name.replace('_', "-")).filter(|_| name.contains('_')) {
            // The JSON field's name: say which key, without echoing a
            // value that messages would mask as a secret (max_lifetime).
            return Err(Error::Usage(format!(
                "unknown policy key; did you mean {k}? Keys are written with -, not _"
            )));
        }
        Key::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = Key::ALL.iter().map(|k| k.as_str()).collect();
            Error::Usage(format!(
                "unknown policy key {}; the keys are {}",
                crate::text::quote(name),
                known.join(", ")
            ))
        })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A duration as the user wrote it, and what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    text: String,
    secs: i64,
}

impl Span {
    fn parse(key: Key, text: &str) -> Result<Span> {
        let d: Duration = text
            .parse()
            .map_err(|e| Error::Usage(format!("policy {key}: {e}")))?;
        if d.as_secs() == 0 && key != Key::MaxGrace {
            return Err(Error::Usage(format!(
                "policy {key}: a lifetime must be longer than 0"
            )));
        }
        Ok(Span {
            text: text.to_owned(),
            secs: d.as_secs(),
        })
    }
}

/// The rules in force; every key unset is the built-in default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    default_lifetime: Option<Span>,
    max_lifetime: Option<Span>,
    one_per_owner: bool,
    require_owner: bool,
    allowed_scopes: Option<Vec<String>>,
    max_grace: Option<Span>,
}

/// When a new secret expires, as `create`, `reset` and `edit` are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Expiry {
    /// The policy's default lifetime from now.
    #[default]
    Default,
    /// Never.
    Never,
    /// This long from now.
    In(Duration),
    /// At this time.
    At(Timestamp),
}

impl Policy {
    /// The policy of these stored pairs. A key this binary does not know is
    /// an error rather than ignored: a rule nobody keeps is worse than none.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Policy> {
        let mut p = Policy::default();
        for (k, v) in pairs {
            let key = Key::from_name(k).ok_or_else(|| {
                crate::core::error::runtime(format!(
                    "the database has a policy key {} that this tokenctl does not know; upgrade tokenctl",
                    crate::text::quote(k)
                ))
            })?;
            p.put(key, v)?;
        }
        Ok(p)
    }

    /// The pairs to store, in key order: only what is set.
    pub fn pairs(&self) -> Vec<(Key, String)> {
        Key::ALL
            .into_iter()
            .filter_map(|k| self.stored(k).map(|v| (k, v)))
            .collect()
    }

    /// The value of `key` as set, `None` when unset.
    pub fn stored(&self, key: Key) -> Option<String> {
        let span = |s: &Option<Span>| s.as_ref().map(|s| s.text.clone());
        let on = |b: bool| b.then(|| "on".to_owned());
        match key {
            Key::DefaultLifetime => span(&self.default_lifetime),
            Key::MaxLifetime => span(&self.max_lifetime),
            Key::OnePerOwner => on(self.one_per_owner),
            Key::RequireOwner => on(self.require_owner),
            Key::AllowedScopes => self.allowed_scopes.as_ref().map(|s| s.join(",")),
            Key::MaxGrace => span(&self.max_grace),
        }
    }

    /// The value of `key` in force, for people: set or built in.
    pub fn shown(&self, key: Key) -> String {
        match key {
            Key::DefaultLifetime => self.default_lifetime_text().to_owned(),
            Key::MaxLifetime => self.stored(key).unwrap_or_else(|| "none".into()),
            Key::OnePerOwner => on_off(self.one_per_owner).into(),
            Key::RequireOwner => on_off(self.require_owner).into(),
            Key::AllowedScopes => self.stored(key).unwrap_or_else(|| "any".into()),
            Key::MaxGrace => self.max_grace_text().to_owned(),
        }
    }

    /// Sets `key` to `value`, checked; the policy is unchanged on error.
    pub fn set(&self, key: Key, value: &str) -> Result<Policy> {
        let mut p = self.clone();
        p.put(key, value)?;
        p.consistent(key)?;
        Ok(p)
    }

    /// Unsets `key`: its built-in default is in force again.
    pub fn unset(&self, key: Key) -> Policy {
        let mut p = self.clone();
        match key {
            Key::DefaultLifetime => p.default_lifetime = None,
            Key::MaxLifetime => p.max_lifetime = None,
            Key::OnePerOwner => p.one_per_owner = false,
            Key::RequireOwner => p.require_owner = false,
            Key::AllowedScopes => p.allowed_scopes = None,
            Key::MaxGrace => p.max_grace = None,
        }
        p
    }

    fn put(&mut self, key: Key, value: &str) -> Result<()> {
        match key {
            Key::DefaultLifetime => self.default_lifetime = Some(Span::parse(key, value)?),
            Key::MaxLifetime => self.max_lifetime = Some(Span::parse(key, value)?),
            Key::OnePerOwner => self.one_per_owner = switch(key, value)?,
            Key::RequireOwner => self.require_owner = switch(key, value)?,
            Key::AllowedScopes => {
                let mut scopes = Vec::new();
                for s in value.split(',').map(str::trim) {
                    let s = validate::scope(s)
                        .map_err(|e| Error::Usage(format!("policy {key}: {e}")))?;
                    scopes.push(s.to_owned());
                }
                scopes.sort_unstable();
                scopes.dedup();
                self.allowed_scopes = Some(scopes);
            }
            Key::MaxGrace => self.max_grace = Some(Span::parse(key, value)?),
        }
        Ok(())
    }

    fn consistent(&self, changed: Key) -> Result<()> {
        if let (Some(d), Some(m)) = (&self.default_lifetime, &self.max_lifetime) {
            if d.secs > m.secs {
                let fix = if changed == Key::MaxLifetime {
                    "lower default-lifetime first"
                } else {
                    "give at most max-lifetime"
                };
                return Err(Error::Usage(format!(
                    "policy {changed}: default-lifetime {} would be above max-lifetime {}; {fix}",
                    d.text, m.text
                )));
            }
        }
        Ok(())
    }

    fn default_lifetime_text(&self) -> &str {
        match (&self.default_lifetime, &self.max_lifetime) {
            (Some(d), _) => &d.text,
            (None, Some(m)) if m.secs < DEFAULT_LIFETIME_SECS => &m.text,
            _ => DEFAULT_LIFETIME,
        }
    }

    fn default_lifetime_secs(&self) -> i64 {
        let built_in = DEFAULT_LIFETIME_SECS;
        match (&self.default_lifetime, &self.max_lifetime) {
            (Some(d), _) => d.secs,
            (None, Some(m)) => m.secs.min(built_in),
            (None, None) => built_in,
        }
    }

    fn max_grace_secs(&self) -> i64 {
        self.max_grace
            .as_ref()
            .map_or(DEFAULT_MAX_GRACE_SECS, |s| s.secs)
    }

    fn max_grace_text(&self) -> &str {
        self.max_grace
            .as_ref()
            .map_or(DEFAULT_MAX_GRACE, |s| &s.text)
    }

    /// Whether `one-per-owner` is on.
    pub fn one_per_owner(&self) -> bool {
        self.one_per_owner
    }

    /// The expiry `asked` means at `now`, held to `max-lifetime`. One in
    /// the past or after 9999 is a usage error; one the policy forbids is
    /// [`Error::Policy`].
    pub fn expiry(&self, asked: Expiry, now: Epoch) -> Result<Option<Epoch>> {
        let at = match asked {
            Expiry::Never => {
                if let Some(m) = &self.max_lifetime {
                    return Err(Error::Policy {
                        rule: Key::MaxLifetime,
                        message: format!("a token may live at most {}, so it must expire", m.text),
                    });
                }
                return Ok(None);
            }
            Expiry::Default => now.saturating_add(self.default_lifetime_secs()),
            Expiry::In(d) => now.saturating_add(d.as_secs()),
            Expiry::At(Timestamp(at)) => at,
        };
        if at <= now {
            return Err(Error::Usage(format!(
                "expiry {} is not in the future",
                rfc3339(at)
            )));
        }
        if at > MAX_EPOCH {
            return Err(Error::Usage(
                "expiry lies after 9999-12-31T23:59:59Z".into(),
            ));
        }
        if let Some(m) = &self.max_lifetime {
            let latest = now.saturating_add(m.secs);
            if at > latest {
                return Err(Error::Policy {
                    rule: Key::MaxLifetime,
                    message: format!(
                        "a token may live at most {} (until {}), not until {}",
                        m.text,
                        rfc3339(latest),
                        rfc3339(at)
                    ),
                });
            }
        }
        Ok(Some(at))
    }

    /// Whether `asked` could be an expiry under any policy: a usage error
    /// for one in the past or after 9999, checked before a database is
    /// opened (or created).
    pub fn check_expiry(asked: Expiry, now: Epoch) -> Result<()> {
        Policy::default().expiry(asked, now).map(drop)
    }

    /// `require-owner`: a new token, or the result of a change of owner,
    /// names an owner.
    pub fn check_owner(&self, owner: Option<&str>) -> Result<()> {
        if self.require_owner && owner.is_none() {
            return Err(Error::Policy {
                rule: Key::RequireOwner,
                message: "every token must name an owner".into(),
            });
        }
        Ok(())
    }

    /// `allowed-scopes`: none of `scopes` may be outside the allowed set.
    pub fn check_scopes<'a>(&self, scopes: impl IntoIterator<Item = &'a str>) -> Result<()> {
        let Some(allowed) = &self.allowed_scopes else {
            return Ok(());
        };
        let refused: Vec<&str> = scopes
            .into_iter()
            .filter(|s| !allowed.iter().any(|a| a == s))
            .collect();
        if refused.is_empty() {
            return Ok(());
        }
        Err(Error::Policy {
            rule: Key::AllowedScopes,
            message: format!(
                "scope {} is not allowed; the allowed scopes are {}",
                refused.join(", "),
                allowed.join(", ")
            ),
        })
    }

    /// `max-grace`: the grace period of a reset.
    pub fn check_grace(&self, grace: Duration) -> Result<()> {
        if grace.as_secs() > self.max_grace_secs() {
            return Err(Error::Policy {
                rule: Key::MaxGrace,
                message: format!("a grace period may be at most {}", self.max_grace_text()),
            });
        }
        Ok(())
    }

    /// What `token` breaks of the rules that can be judged one token at a
    /// time (`max-lifetime`, `require-owner`, `allowed-scopes`), for the
    /// note of `policy set`. Only live tokens count.
    pub fn breaks(&self, key: Key, token: &crate::core::model::Token, now: Epoch) -> bool {
        use crate::core::model::Status;
        if matches!(token.status(now), Status::Revoked | Status::Expired) {
            return false;
        }
        match key {
            Key::MaxLifetime => self.max_lifetime.as_ref().is_some_and(|m| {
                token
                    .expires_at
                    .is_none_or(|at| at > now.saturating_add(m.secs))
            }),
            Key::RequireOwner => self.require_owner && token.owner.is_none(),
            Key::AllowedScopes => self
                .allowed_scopes
                .as_ref()
                .is_some_and(|a| token.scopes.iter().any(|s| !a.contains(s))),
            Key::MaxGrace => token
                .previous_valid_until
                .is_some_and(|end| end > now.saturating_add(self.max_grace_secs())),
            Key::DefaultLifetime | Key::OnePerOwner => false,
        }
    }

    /// The JSON object of SPEC §7: every key, its value in force.
    pub fn json(&self) -> PolicyJson {
        PolicyJson {
            default_lifetime: self.default_lifetime_text().to_owned(),
            max_lifetime: self.stored(Key::MaxLifetime),
            one_per_owner: self.one_per_owner,
            require_owner: self.require_owner,
            allowed_scopes: self.allowed_scopes.clone(),
            max_grace: self.max_grace_text().to_owned(),
        }
    }
}

/// The policy as `policy --json` and `GET /v1/policy` show it.
#[derive(Debug, Serialize)]
pub struct PolicyJson {
    default_lifetime: String,
    max_lifetime: Option<String>,
    one_per_owner: bool,
    require_owner: bool,
    allowed_scopes: Option<Vec<String>>,
    max_grace: String,
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

fn switch(key: Key, value: &str) -> Result<bool> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(Error::Usage(format!(
            "policy {key}: the value is on or off, not {}",
            crate::text::quote(value)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn the_built_in_defaults() {
        let p = Policy::default();
        assert_eq!(p.expiry(Expiry::Default, 0).unwrap(), Some(180 * DAY));
        assert_eq!(p.expiry(Expiry::Never, 0).unwrap(), None);
        assert!(p.pairs().is_empty());
        let json = serde_json::to_value(p.json()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"default_lifetime": "180d", "max_lifetime": null,
                "one_per_owner": false, "require_owner": false,
                "allowed_scopes": null, "max_grace": "7d"})
        );
    }

    #[test]
    fn expiry_bounds() {
        let p = Policy::default();
        assert!(matches!(
            p.expiry(Expiry::At(Timestamp(10)), 10),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            p.expiry(Expiry::At(Timestamp(MAX_EPOCH + 1)), 0),
            Err(Error::Usage(_))
        ));
        assert!(matches!(
            p.expiry(Expiry::In(Duration::from_secs(MAX_EPOCH)), 10),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn max_lifetime_caps_the_built_in_default_and_refuses_more() {
        let p = Policy::default().set(Key::MaxLifetime, "90d").unwrap();
        assert_eq!(p.expiry(Expiry::Default, 0).unwrap(), Some(90 * DAY));
        assert_eq!(p.shown(Key::DefaultLifetime), "90d");
        let refused = |e| {
            matches!(
                e,
                Err(Error::Policy {
                    rule: Key::MaxLifetime,
                    ..
                })
            )
        };
        assert!(refused(p.expiry(Expiry::Never, 0)));
        assert!(refused(
            p.expiry(Expiry::In(Duration::from_secs(91 * DAY)), 0)
        ));
        assert!(
            p.expiry(Expiry::In(Duration::from_secs(90 * DAY)), 0)
                .is_ok()
        );
        // An explicit default above the maximum is refused either way round.
        assert!(matches!(
            p.set(Key::DefaultLifetime, "100d"),
            Err(Error::Usage(_))
        ));
        let d = Policy::default().set(Key::DefaultLifetime, "30d").unwrap();
        assert!(matches!(
            d.set(Key::MaxLifetime, "7d"),
            Err(Error::Usage(_))
        ));
        assert!(d.set(Key::MaxLifetime, "30d").is_ok());
    }

    #[test]
    fn bad_values_are_usage_errors() {
        let p = Policy::default();
        for (k, v) in [
            (Key::DefaultLifetime, "soon"),
            (Key::DefaultLifetime, "0"),
            (Key::MaxGrace, "-1d"),
            (Key::OnePerOwner, "yes"),
            (Key::AllowedScopes, "read,Write"),
            (Key::AllowedScopes, ""),
        ] {
            assert!(matches!(p.set(k, v), Err(Error::Usage(_))), "{k} {v}");
        }
        assert!(matches!(Key::parse("max-life"), Err(Error::Usage(_))));
        let e = Key::parse("max_lifetime").unwrap_err().to_string();
        assert!(e.contains("did you mean max-lifetime?"), "{e}");
    }

    #[test]
    fn values_round_trip_as_set() {
        let p = Policy::default()
            .set(Key::AllowedScopes, "write, read,read")
            .unwrap()
            .set(Key::MaxGrace, "1d12h")
            .unwrap()
            .set(Key::OnePerOwner, "on")
            .unwrap();
        let pairs: Vec<(String, String)> = p
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.as_str().to_owned(), v))
            .collect();
        assert_eq!(
            pairs,
            [
                ("one-per-owner".to_owned(), "on".to_owned()),
                ("allowed-scopes".to_owned(), "read,write".to_owned()),
                ("max-grace".to_owned(), "1d12h".to_owned())
            ]
        );
        assert_eq!(Policy::from_pairs(&pairs).unwrap(), p);
        assert!(p.check_grace(Duration::from_secs(36 * 3600)).is_ok());
        assert!(p.check_grace(Duration::from_secs(36 * 3600 + 1)).is_err());
        assert!(p.check_scopes(["read"]).is_ok());
        assert!(p.check_scopes(["read", "admin"]).is_err());
        assert!(p.unset(Key::OnePerOwner).pairs().len() == 2);
        assert!(Policy::from_pairs(&[("color".into(), "on".into())]).is_err());
    }
}
