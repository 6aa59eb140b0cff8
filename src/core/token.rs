//! The token secret (SPEC §1): generation from the OS CSPRNG, the CRC-32
//! checksum, parsing, hashing and masking. Secrets are zeroized on drop and
//! never shown by `Debug`.

use std::fmt;

use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// The prefix of a database that was never given one.
pub const DEFAULT_PREFIX: &str = "tok";
/// Random base62 characters in a token.
pub const BODY_LEN: usize = 43;
/// Base62 characters of the checksum.
pub const CHECK_LEN: usize = 6;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// SHA-256 of a whole token string: all the database keeps of a secret.
pub type TokenHash = [u8; 32];

/// A freshly generated token. Only [`Secret::expose`] reveals it.
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Generates a token with `prefix` from the operating system's CSPRNG.
    pub fn generate(prefix: &str) -> std::io::Result<Secret> {
        let mut s = Zeroizing::new(String::with_capacity(
            prefix.len() + 1 + BODY_LEN + CHECK_LEN,
        ));
        s.push_str(prefix);
        s.push('_');
        let mut pool = Zeroizing::new([0u8; 64]);
        let mut taken = 0;
        while taken < BODY_LEN {
            OsRng
                .try_fill_bytes(pool.as_mut())
                .map_err(std::io::Error::other)?;
            // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
            for &b in pool.iter().filter(|&&b| b < 248).take(BODY_LEN - taken) {
                s.push(char::from(ALPHABET[usize::from(b % 62)]));
                taken += 1;
            }
        }
        let check = checksum(&s);
        s.push_str(std::str::from_utf8(&check).unwrap_or_default());
        Ok(Secret(s))
    }

    /// The secret itself, for delivering it once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database stores.
    pub fn hash(&self) -> TokenHash {
        hash(&self.0)
    }

    /// The last four characters, kept for display.
    pub fn last4(&self) -> &str {
        last4(&self.0)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// CRC-32 (the zlib one) from a table built at compile time. A crate that
/// picks a SIMD routine at run time asks the CPU for its features first,
/// which in a virtual machine (each `cpuid` an exit to the hypervisor) cost
/// every `verify` process about 57 µs here.
const CRC32: crc::Crc<u32, crc::Table<16>> =
    crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISO_HDLC);

/// The checksum of `<prefix>_<body>`: CRC-32 in base62, six characters.
pub fn checksum(s: &str) -> [u8; CHECK_LEN] {
    let mut n = CRC32.checksum(s.as_bytes());
    let mut out = [b'0'; CHECK_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Whether `p` is a valid prefix: `[a-z][a-z0-9]{1,15}`.
pub fn valid_prefix(p: &str) -> bool {
    let b = p.as_bytes();
    (2..=16).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// Checks the shape and checksum of a presented token without touching any
/// database. Returns its prefix when it is well formed.
pub fn parse(token: &str) -> Option<&str> {
    let (prefix, rest) = token.split_once('_')?;
    if !valid_prefix(prefix) || rest.len() != BODY_LEN + CHECK_LEN {
        return None;
    }
    if !rest.bytes().fold(true, |ok, b| ok & alphanumeric(b)) {
        return None;
    }
    let (signed, check) = token.split_at(token.len() - CHECK_LEN);
    (checksum(signed).as_slice() == check.as_bytes()).then_some(prefix)
}

/// `b.is_ascii_alphanumeric()` without a branch: folded over a token's
/// characters it vectorizes, where the branches were mispredicted on
/// random characters (a batch spent 3% of its time there).
fn alphanumeric(b: u8) -> bool {
    (b.wrapping_sub(b'0') < 10) | ((b | 0x20).wrapping_sub(b'a') < 26)
}

/// SHA-256 of a token string.
pub fn hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// The last four characters of a token.
pub fn last4(token: &str) -> &str {
    &token[token.len().saturating_sub(4)..]
}

/// The masked form shown after creation: `tok_****F7bX`.
pub fn mask(prefix: &str, last4: &str) -> String {
    Masked(prefix, last4).to_string()
}

/// [`mask`] as a value that writes itself: JSON shows one in every token
/// object, and serializing it this way builds no `String` first.
pub struct Masked<'a>(pub &'a str, pub &'a str);

impl fmt::Display for Masked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_****{}", self.0, self.1)
    }
}

impl serde::Serialize for Masked<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A line of presented input, wiped from memory when dropped.
pub struct Presented(Zeroizing<String>);

impl Presented {
    /// Takes ownership of input read from stdin.
    pub fn new(s: String) -> Self {
        Presented(Zeroizing::new(s))
    }

    /// The token with surrounding whitespace trimmed.
    pub fn trimmed(&self) -> &str {
        self.0.trim()
    }

    /// Reuses the buffer for the next line, wiping what it held.
    pub fn clear(&mut self) {
        self.0.zeroize();
    }

    /// The buffer to read the next line into.
    pub fn buf(&mut self) -> &mut String {
        &mut self.0
    }
}

impl fmt::Debug for Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Presented(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_parse() {
        let s = Secret::generate("tok").unwrap();
        assert_eq!(s.expose().len(), 4 + BODY_LEN + CHECK_LEN);
        assert_eq!(parse(s.expose()), Some("tok"));
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert!(!format!("{s:?}").contains(s.last4()));
    }

    #[test]
    fn alphanumeric_is_the_standard_librarys_for_every_byte() {
        for b in 0..=u8::MAX {
            assert_eq!(alphanumeric(b), b.is_ascii_alphanumeric(), "byte {b}");
        }
    }

    #[test]
    fn checksum_matches_zlib_crc32() {
        // python3 -c 'import zlib; print(zlib.crc32(b"tok_"))'
        assert_eq!(crc32fast::hash(b"tok_"), 4_216_298_179);
        let mut n: u64 = 4_216_298_179;
        let mut digits = Vec::new();
        while n > 0 {
            digits.push(ALPHABET[(n % 62) as usize]);
            n /= 62;
        }
        digits.resize(CHECK_LEN, b'0');
        digits.reverse();
        assert_eq!(checksum("tok_").as_slice(), digits.as_slice());
    }

    #[test]
    fn a_changed_character_is_malformed() {
        let s = Secret::generate("abc1").unwrap();
        let mut t = s.expose().to_owned();
        let i = 10;
        let c = if &t[i..=i] == "a" { "b" } else { "a" };
        t.replace_range(i..=i, c);
        assert_eq!(parse(&t), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("tok_"), None);
        assert_eq!(parse("Tok_abc"), None);
    }

    #[test]
    fn presented_input_is_not_shown_by_debug() {
        let p = Presented::new("tok_secret".into());
        assert_eq!(format!("{p:?}"), "Presented(<redacted>)");
    }

    /// A valid prefix, as `init --prefix` accepts.
    const PREFIX: &str = "[a-z][a-z0-9]{1,15}";

    proptest::proptest! {
        #[test]
        fn generated_tokens_round_trip(prefix in PREFIX) {
            let s = Secret::generate(&prefix).unwrap();
            let t = s.expose();
            proptest::prop_assert_eq!(parse(t), Some(prefix.as_str()));
            proptest::prop_assert_eq!(t.len(), prefix.len() + 1 + BODY_LEN + CHECK_LEN);
            let (signed, check) = t.split_at(t.len() - CHECK_LEN);
            let expected = checksum(signed);
            proptest::prop_assert_eq!(expected.as_slice(), check.as_bytes());
            proptest::prop_assert!(t[prefix.len() + 1..].bytes().all(|b| b.is_ascii_alphanumeric()));
            proptest::prop_assert_eq!(s.hash(), hash(t));
            proptest::prop_assert_eq!(s.last4(), &t[t.len() - 4..]);
            proptest::prop_assert_eq!(mask(&prefix, s.last4()), format!("{prefix}_****{}", s.last4()));
            // Debug shows nothing of it.
            let debug = format!("{s:?}");
            proptest::prop_assert!(!debug.contains(&t[prefix.len() + 1..prefix.len() + 9]));
        }

        #[test]
        fn any_single_character_change_is_malformed(
            prefix in PREFIX,
            at in proptest::prelude::any::<proptest::sample::Index>(),
            c in proptest::prelude::any::<char>(),
        ) {
            let s = Secret::generate(&prefix).unwrap();
            let t = s.expose();
            let i = at.index(t.len());
            proptest::prop_assume!(t.as_bytes()[i] != c as u32 as u8 || !c.is_ascii());
            let mut changed = String::with_capacity(t.len() + 4);
            changed.push_str(&t[..i]);
            changed.push(c);
            changed.push_str(&t[i + 1..]);
            proptest::prop_assert_eq!(parse(&changed), None, "{} -> {}", t, changed);
        }

        #[test]
        fn the_masked_form_is_prefix_stars_last4(prefix in ".{0,40}", last4 in ".{0,12}") {
            let m = Masked(&prefix, &last4);
            proptest::prop_assert_eq!(m.to_string(), format!("{prefix}_****{last4}"));
            proptest::prop_assert_eq!(
                serde_json::to_string(&m).unwrap(),
                serde_json::to_string(&mask(&prefix, &last4)).unwrap()
            );
        }

        #[test]
        fn the_checksum_is_crc32_in_base62(s in ".*") {
            let check = checksum(&s);
            let value = check.iter().fold(0u64, |n, &d| {
                let digit = ALPHABET.iter().position(|&a| a == d).unwrap() as u64;
                n * 62 + digit
            });
            proptest::prop_assert_eq!(value, u64::from(crc32fast::hash(s.as_bytes())));
        }

        #[test]
        fn parse_never_panics_and_accepts_only_tokens(s in proptest::prelude::any::<String>()) {
            if let Some(prefix) = parse(&s) {
                proptest::prop_assert!(valid_prefix(prefix));
                proptest::prop_assert_eq!(s.len(), prefix.len() + 1 + BODY_LEN + CHECK_LEN);
            }
        }
    }

    #[test]
    fn prefixes() {
        assert!(valid_prefix("tok") && valid_prefix("a1") && valid_prefix("abcdefghijklmnop"));
        assert!(
            !valid_prefix("a")
                && !valid_prefix("1ab")
                && !valid_prefix("aB")
                && !valid_prefix("abcdefghijklmnopq")
        );
    }
}
