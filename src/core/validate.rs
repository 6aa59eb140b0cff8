//! Checks on the text an operator gives a token: name, owner, scopes, actor
//! (SPEC §2). Each failure is a usage error naming the rule.

use crate::error::{Error, Result};
use crate::text::{forbidden, quote};

/// A display name: 1-100 visible characters.
pub fn name(s: &str) -> Result<&str> {
    text("name", s, 100)
}

/// An owner: 1-200 visible characters.
pub fn owner(s: &str) -> Result<&str> {
    text("owner", s, 200)
}

/// An actor for the audit trail: 1-100 visible characters.
pub fn actor(s: &str) -> Result<&str> {
    text("actor", s, 100)
}

/// Scope names `[a-z][a-z0-9:._-]{0,63}`, sorted and without repeats;
/// none given means `read` and `write`.
pub fn scopes(given: &[String]) -> Result<Vec<&str>> {
    if given.is_empty() {
        return Ok(vec!["read", "write"]);
    }
    let mut out = Vec::with_capacity(given.len());
    for s in given {
        out.push(scope(s)?);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// One scope name.
pub fn scope(s: &str) -> Result<&str> {
    let b = s.as_bytes();
    let ok = (1..=64).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || b":._-".contains(&c));
    if ok {
        Ok(s)
    } else {
        Err(Error::Usage(format!(
            "invalid scope {}: a scope is a lowercase letter, then up to 63 of a-z 0-9 : . _ -",
            quote(s)
        )))
    }
}

/// SPEC §2: 1 to `max` characters, none of them [`forbidden`] (invisible
/// or unassigned), and no blanks at either end, so what a person reads is
/// what is stored and matched.
fn text<'a>(what: &str, s: &'a str, max: usize) -> Result<&'a str> {
    let n = s.chars().count();
    if n == 0 {
        return Err(Error::Usage(format!("the {what} must not be empty")));
    }
    if n > max {
        return Err(Error::Usage(format!(
            "the {what} is {n} characters long; at most {max} are allowed"
        )));
    }
    if let Some(c) = s.chars().find(|&c| forbidden(c)) {
        return Err(Error::Usage(format!(
            "the {what} {} contains the invisible or unassigned character U+{:04X}; \
             only visible characters are allowed",
            quote(s),
            u32::from(c)
        )));
    }
    if s.trim() != s {
        let what_is = if s.trim().is_empty() {
            "is only blanks"
        } else {
            "starts or ends with a blank"
        };
        return Err(Error::Usage(format!("the {what} {} {what_is}", quote(s))));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(name("CI deploy").is_ok());
        assert!(name("").is_err() && name("  ").is_err() && name("a\nb").is_err());
        // issue 10 item 4: invisible characters and blanks at the ends.
        for bad in [
            "ali\u{202e}ce",
            "\u{2066}x",
            "a\u{200b}b",
            "x\u{e0041}",
            "a\u{2028}b",
            "a\u{2029}",
            "\u{feff}",
            "\u{200b}\u{200b}",
            " alice",
            "alice ",
            "\u{a0}alice",
            "a\u{e000}",
        ] {
            assert!(
                owner(bad).is_err() && name(bad).is_err() && actor(bad).is_err(),
                "{bad:?}"
            );
        }
        assert!(owner("Zoë Ångström 日本").is_ok());
        assert!(name(&"é".repeat(100)).is_ok() && name(&"x".repeat(101)).is_err());
    }

    #[test]
    fn scope_rules() {
        assert_eq!(scopes(&[]).unwrap(), ["read", "write"]);
        let given = ["write".to_string(), "admin:users".into(), "write".into()];
        assert_eq!(scopes(&given).unwrap(), ["admin:users", "write"]);
        for bad in ["", "Read", "1x", "a b", &"a".repeat(65)] {
            assert!(scope(bad).is_err(), "{bad}");
        }
    }
}
