//! The rules every backend and front end keeps, each in one place: the
//! order of verify's reasons, how often use is recorded, and which changes
//! a token's state allows. (A token's status is `Token::status`.)

use crate::core::error::{Error, Result};
use crate::core::model::{Found, Reason, Status, Token, Verdict};
use crate::time::Epoch;

/// Use is recorded at most once per this many seconds per token, so a busy
/// verifier is read-mostly.
pub const USE_INTERVAL: Epoch = 60;

/// What a verify asks of a token besides being valid.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted<'a> {
    /// Scopes it must have.
    pub scopes: &'a [String],
    /// The owner it must belong to.
    pub owner: Option<&'a str>,
}

/// The verdict on a presented, well-formed token, given what its lookup
/// found: the reasons in the order of SPEC §3, first match wins. A replaced
/// secret inside its grace period is judged as the token's current one
/// would be, and the verdict says when its grace ends.
pub fn verdict(found: Option<Found>, wanted: &Wanted<'_>, now: Epoch) -> Verdict {
    let Some(Found { token, replaced }) = found else {
        return Verdict {
            reason: Some(Reason::Unknown),
            token: None,
            grace_until: None,
        };
    };
    let grace_until = token
        .previous_valid_until
        .filter(|&end| replaced && now < end);
    let reason = if replaced && grace_until.is_none() {
        Some(Reason::Rotated)
    } else {
        match token.status(now) {
            Status::Revoked => Some(Reason::Revoked),
            Status::Expired => Some(Reason::Expired),
            Status::Disabled => Some(Reason::Disabled),
            Status::Active
                if wanted
                    .owner
                    .is_some_and(|o| token.owner.as_deref() != Some(o)) =>
            {
                Some(Reason::WrongOwner)
            }
            Status::Active if !wanted.scopes.iter().all(|s| token.scopes.contains(s)) => {
                Some(Reason::MissingScope)
            }
            Status::Active => None,
        }
    };
    Verdict {
        reason,
        token: Some(token),
        grace_until,
    }
}

/// The verdict on input that is no token at all.
pub fn malformed() -> Verdict {
    Verdict {
        reason: Some(Reason::Malformed),
        token: None,
        grace_until: None,
    }
}

/// Whether a valid token's use at `now` should be written down.
pub fn needs_use_recorded(token: &Token, now: Epoch) -> bool {
    use_due(token.last_used_at, now)
}

/// Whether a use at `now` is to be written, the last one written at
/// `last`: at most once per [`USE_INTERVAL`].
pub fn use_due(last: Option<Epoch>, now: Epoch) -> bool {
    last.is_none_or(|at| at <= now - USE_INTERVAL)
}

/// `verb` (reset, enable, disable) is refused for a revoked token.
pub fn changeable(token: &Token, verb: &'static str) -> Result<()> {
    match token.revoked_at {
        Some(_) => Err(Error::Revoked { verb, id: token.id }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::id::TokenId;

    fn token() -> Token {
        Token {
            id: TokenId::new(1).unwrap(),
            name: "n".into(),
            owner: None,
            scopes: vec!["read".into()],
            disabled: false,
            last4: "abcd".into(),
            prefix: "tok".into(),
            created_at: 0,
            created_by: "ops".into(),
            expires_at: Some(100),
            last_used_at: None,
            revoked_at: None,
            previous_valid_until: None,
        }
    }

    fn found(t: &Token, replaced: bool) -> Option<Found> {
        Some(Found {
            token: t.clone(),
            replaced,
        })
    }

    #[test]
    fn reasons_come_in_the_order_of_the_spec() {
        let scopes = ["write".to_string()];
        let need = Wanted {
            scopes: &scopes,
            owner: Some("alice"),
        };
        let none = Wanted::default();
        let mut t = token();
        t.owner = Some("alice".into());
        let reason = |t: &Token, replaced: bool, w: &Wanted<'_>, now| {
            verdict(found(t, replaced), w, now).reason
        };
        assert_eq!(reason(&t, false, &none, 10), None);
        assert_eq!(reason(&t, false, &need, 10), Some(Reason::MissingScope));
        t.owner = Some("Alice".into());
        assert_eq!(reason(&t, false, &need, 10), Some(Reason::WrongOwner));
        t.disabled = true;
        assert_eq!(reason(&t, false, &need, 10), Some(Reason::Disabled));
        assert_eq!(reason(&t, false, &need, 100), Some(Reason::Expired));
        t.revoked_at = Some(5);
        assert_eq!(reason(&t, false, &need, 100), Some(Reason::Revoked));
        assert_eq!(reason(&t, true, &need, 100), Some(Reason::Rotated));
        t.previous_valid_until = Some(200);
        assert_eq!(reason(&t, true, &need, 100), Some(Reason::Revoked));
        assert_eq!(reason(&t, true, &need, 200), Some(Reason::Rotated));
        assert_eq!(verdict(None, &need, 100).reason, Some(Reason::Unknown));
        assert!(changeable(&t, "reset").is_err());
    }

    #[test]
    fn a_replaced_secret_verifies_until_its_grace_ends() {
        let mut t = token();
        t.previous_valid_until = Some(50);
        let v = verdict(found(&t, true), &Wanted::default(), 49);
        assert_eq!((v.reason, v.grace_until), (None, Some(50)));
        let v = verdict(found(&t, true), &Wanted::default(), 50);
        assert_eq!((v.reason, v.grace_until), (Some(Reason::Rotated), None));
        // The current secret carries no grace.
        let v = verdict(found(&t, false), &Wanted::default(), 10);
        assert_eq!((v.reason, v.grace_until), (None, None));
    }

    #[test]
    fn use_is_recorded_at_most_once_a_minute() {
        let mut t = token();
        assert!(needs_use_recorded(&t, 1000));
        t.last_used_at = Some(1000);
        assert!(!needs_use_recorded(&t, 1059));
        assert!(needs_use_recorded(&t, 1060));
    }
}
