//! How the command line names things for people: a token in a note or a
//! question, a list of ids, a count.

use crate::core::id::TokenId;
use crate::core::model::Token;
use crate::text;
use crate::time::{self, Epoch};

/// At most this many ids are named in a note after a change to many tokens
/// (purge, revoke --owner); `--json` lists them all.
pub const IDS_IN_NOTE: usize = 20;

/// `"CI deploy" (owner alice, tok_****F7bX)`: how prompts and notes name a
/// token. Name and owner are escaped: a database written by an older
/// version may hold characters that would reorder or hide the question.
pub fn describe(t: &Token, now: Epoch) -> String {
    let owner = t
        .owner
        .as_deref()
        .map(|o| format!("owner {}, ", text::escape(o)))
        .unwrap_or_default();
    let expiry = match t.expires_at {
        Some(e) if e > now => format!(", expires {}", time::relative(e, now)),
        Some(_) => ", expired".into(),
        None => String::new(),
    };
    format!("{} ({owner}{}{expiry})", text::quote(&t.name), t.masked())
}

/// `1, 2, 3 and 7 more`: ids for people, at most `max` of them named.
pub fn id_list(ids: &[TokenId], max: usize) -> String {
    let mut text: Vec<String> = ids.iter().take(max).map(TokenId::to_string).collect();
    if ids.len() > max {
        text.push(format!("and {} more", ids.len() - max));
    }
    text.join(", ")
}

/// `1 token`, `2 tokens`.
pub fn plural(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
