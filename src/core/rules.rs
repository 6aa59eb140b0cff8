//! The rules every backend and front end keeps, each in one place: the
//! order of verify's reasons, how often use is recorded, and which changes
//! a token's state allows. (A token's status is `Token::status`.)

use crate::core::error::{Error, Result};
use crate::core::model::{Reason, Status, Token, Verdict};
use crate::time::Epoch;

/// Use is recorded at most once per this many seconds per token, so a busy
/// verifier is read-mostly.
pub const USE_INTERVAL: Epoch = 60;

/// The verdict on a presented, well-formed token, given what its lookup
/// found: the reasons in the order of SPEC §3, first match wins.
pub fn verdict(found: Option<Token>, required_scopes: &[String], now: Epoch) -> Verdict {
    let Some(token) = found else {
        return Verdict {
            reason: Some(Reason::Unknown),
            token: None,
        };
    };
    let reason = match token.status(now) {
        Status::Revoked => Some(Reason::Revoked),
        Status::Expired => Some(Reason::Expired),
        Status::Disabled => Some(Reason::Disabled),
        Status::Active if !required_scopes.iter().all(|s| token.scopes.contains(s)) => {
            Some(Reason::MissingScope)
        }
        Status::Active => None,
    };
    Verdict {
        reason,
        token: Some(token),
    }
}

/// The verdict on input that is no token at all.
pub fn malformed() -> Verdict {
    Verdict {
        reason: Some(Reason::Malformed),
        token: None,
    }
}

/// Whether a valid token's use at `now` should be written down.
pub fn needs_use_recorded(token: &Token, now: Epoch) -> bool {
    token.last_used_at.is_none_or(|at| at <= now - USE_INTERVAL)
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
        }
    }

    #[test]
    fn reasons_come_in_the_order_of_the_spec() {
        let scopes = ["write".to_string()];
        let mut t = token();
        assert_eq!(verdict(Some(t.clone()), &[], 10).reason, None);
        assert_eq!(
            verdict(Some(t.clone()), &scopes, 10).reason,
            Some(Reason::MissingScope)
        );
        t.disabled = true;
        assert_eq!(
            verdict(Some(t.clone()), &scopes, 10).reason,
            Some(Reason::Disabled)
        );
        assert_eq!(
            verdict(Some(t.clone()), &scopes, 100).reason,
            Some(Reason::Expired)
        );
        t.revoked_at = Some(5);
        assert_eq!(
            verdict(Some(t.clone()), &scopes, 100).reason,
            Some(Reason::Revoked)
        );
        assert_eq!(verdict(None, &scopes, 100).reason, Some(Reason::Unknown));
        assert!(changeable(&t, "reset").is_err());
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
