//! Token ids: one type from the command line to the database and back, so
//! no layer casts between signed and unsigned integers.

use std::fmt;
use std::str::FromStr;

/// A token id: a positive integer, assigned at create, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct TokenId(i64);

impl TokenId {
    /// The id `n`, if it is positive.
    pub fn new(n: i64) -> Option<TokenId> {
        (n > 0).then_some(TokenId(n))
    }

    /// The id as the databases store it (SQLite INTEGER, PostgreSQL bigint).
    pub fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for TokenId {
    type Err = String;

    /// Digits only: `+1`, ` 1` and `0x1` are not ids.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || "a token id is a positive whole number, digits only".to_string();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        match s.parse::<i64>() {
            Ok(n) => TokenId::new(n).ok_or_else(bad),
            // Both stores count ids in 64-bit signed integers: no larger
            // id can ever be issued.
            Err(_) => Err(format!(
                "a token id is a positive whole number of at most {}",
                i64::MAX
            )),
        }
    }
}

impl<'de> serde::Deserialize<'de> for TokenId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        TokenId::new(n).ok_or_else(|| serde::de::Error::custom("a token id is positive"))
    }
}

/// Tests compare ids with plain numbers.
#[cfg(test)]
impl PartialEq<i64> for TokenId {
    fn eq(&self, other: &i64) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_digits() {
        assert_eq!("42".parse::<TokenId>().unwrap().get(), 42);
        for bad in [
            "",
            "0",
            "+1",
            "-1",
            " 1",
            "1 ",
            "0x1",
            "99999999999999999999",
        ] {
            assert!(bad.parse::<TokenId>().is_err(), "{bad:?}");
        }
    }
}
