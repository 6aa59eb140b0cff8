//! Text from people and from the database on its way to a terminal or a
//! message: what may be stored (SPEC §2), how unprintable characters are
//! shown, and the masking of anything that looks like a secret.

use std::borrow::Cow;
use std::fmt::Write as _;

use unicode_general_category::{GeneralCategory as G, get_general_category};

/// Whether `c` may not appear in a name, owner or actor: control (Cc),
/// format (Cf: bidi controls, zero-width and tag characters), line and
/// paragraph separators (Zl, Zp), private use (Co), surrogates and
/// unassigned code points (Cn). A person cannot see them, so they let two
/// different strings look the same.
pub fn forbidden(c: char) -> bool {
    matches!(
        get_general_category(c),
        G::Control
            | G::Format
            | G::LineSeparator
            | G::ParagraphSeparator
            | G::PrivateUse
            | G::Surrogate
            | G::Unassigned
    )
}

/// `s` as it may be shown to a person: every [`forbidden`] character as
/// `\u{…}`, so text from an older database (or any other source) can
/// neither reorder a line nor hide part of it. Borrowed when nothing needed
/// escaping, which is the common case.
pub fn escape(s: &str) -> Cow<'_, str> {
    // Printable ASCII, the common case, needs no look-up of categories:
    // tables escape every cell of every row.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) || !s.chars().any(forbidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if forbidden(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Base62 runs at least this long are taken for (part of) a secret's body.
const BODY_RUN: usize = 32;
/// After a prefix and `_`, this many base62 characters already look like a
/// token, typo or not.
const AFTER_PREFIX: usize = 8;

/// A message as tokenctl prints it on stderr: `tokenctl: <message>` and a
/// newline, anything like a secret masked and invisible characters escaped.
pub fn message_line(message: &str) -> String {
    format!("tokenctl: {}\n", escape(&redact(message)))
}

/// `s` with anything that looks like a token masked: `<prefix>_` and at
/// least 8 base62 characters becomes `<prefix>_****` (plus the last four
/// characters when it has a token's full length, as the masked form shows
/// them), and any other run of 32 or more base62 characters `****`. A
/// mistyped secret is still mostly the secret, so the checksum does not
/// matter here. Every message tokenctl prints goes through this.
pub fn redact(s: &str) -> Cow<'_, str> {
    let b = s.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !word(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && word(b[i]) {
            i += 1;
        }
        let run = &s[start..i];
        if let Some(masked) = mask_run(run) {
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[copied..start]);
            o.push_str(&masked);
            copied = i;
        }
    }
    match out {
        None => Cow::Borrowed(s),
        Some(mut o) => {
            o.push_str(&s[copied..]);
            Cow::Owned(o)
        }
    }
}

/// The masked form of one run of `[A-Za-z0-9_]`, if any part of it looks
/// like a secret.
fn mask_run(run: &str) -> Option<String> {
    // Most runs (every word of a message, every path a server logs) have
    // no part long enough to be masked: answered without allocating.
    if !run
        .split('_')
        .any(|p| p.len() >= AFTER_PREFIX.min(BODY_RUN))
    {
        return None;
    }
    let parts: Vec<&str> = run.split('_').collect();
    let mut changed = false;
    let mut out = Vec::with_capacity(parts.len());
    for (n, part) in parts.iter().enumerate() {
        let after_prefix = n > 0 && crate::token::valid_prefix(parts[n - 1]);
        let full = crate::token::BODY_LEN + crate::token::CHECK_LEN;
        if after_prefix && part.len() >= AFTER_PREFIX {
            changed = true;
            out.push(if part.len() == full {
                format!("****{}", &part[part.len() - 4..])
            } else {
                "****".to_owned()
            });
        } else if part.len() >= BODY_RUN {
            changed = true;
            out.push("****".to_owned());
        } else {
            out.push((*part).to_owned());
        }
    }
    changed.then(|| out.join("_"))
}

/// A value quoted for a one-line message: masked, escaped, and cut to its
/// first 40 characters, in double quotes (a `"` or a backslash in it behind a
/// backslash of its own, so the quotes cannot be faked).
pub fn quote(s: &str) -> String {
    const KEEP: usize = 40;
    let shown = redact(s);
    let mut out = String::with_capacity(shown.len().min(4 * KEEP) + 4);
    out.push('"');
    let mut chars = shown.chars();
    for c in chars.by_ref().take(KEEP) {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            // As escape shows it; Debug formatting would double the
            // backslash of an escape made first.
            c if forbidden(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    if chars.next().is_some() {
        out.push('…');
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::Secret;

    #[test]
    fn invisible_characters_are_forbidden_and_escaped() {
        for c in [
            '\u{202e}',
            '\u{2066}',
            '\u{200b}',
            '\u{feff}',
            '\u{e0041}',
            '\u{2028}',
            '\u{2029}',
            '\u{e000}',
            '\u{0378}',
            '\n',
            '\u{7f}',
        ] {
            assert!(forbidden(c), "{c:?}");
        }
        for c in ['a', 'é', '日', ' ', '-', '😀'] {
            assert!(!forbidden(c), "{c:?}");
        }
        assert_eq!(escape("ali\u{202e}ce"), "ali\\u{202e}ce");
        assert!(matches!(escape("alice"), Cow::Borrowed(_)));
    }

    // issue 10 item 4: a quoted value shows an invisible character as
    // escape does, once, and cannot fake its closing quote.
    #[test]
    fn quote_escapes_once() {
        assert_eq!(quote("ali\u{202e}ce"), r#""ali\u{202e}ce""#);
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote(&"é".repeat(41)), format!("\"{}…\"", "é".repeat(40)));
        assert_eq!(quote(&"é".repeat(40)), format!("\"{}\"", "é".repeat(40)));
    }

    #[test]
    fn secrets_are_masked_whole_or_mistyped() {
        let s = Secret::generate("tok").unwrap();
        let secret = s.expose();
        let said = format!("invalid scope '{secret}'");
        let said = redact(&said);
        assert_eq!(said, format!("invalid scope 'tok_****{}'", s.last4()));
        // Cut short, or with a typo: still nothing of the body.
        let cut = &secret[..40];
        assert_eq!(redact(cut), "tok_****");
        let body = &secret[4..];
        let said = format!("x {body} y");
        assert_eq!(redact(&said), "x **** y");
        assert_eq!(redact("my_var a_b tok_short"), "my_var a_b tok_short");
        assert_eq!(quote("a\u{202e}\"b"), "\"a\\u{202e}\\\"b\"");
    }
}
