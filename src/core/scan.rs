//! Finding this database's tokens in text (SPEC §10): the match of
//! `<prefix>_` and 49 base62 characters with a checksum that is right,
//! whatever stands next to them, its line and column, streamed through a buffer
//! of fixed size; and what a found token's lookup says about it. No file
//! system, no database: the walk and the store are the caller's.

use std::io::{self, Read};

use memchr::memmem;
use zeroize::Zeroizing;

use crate::core::error::Result;
use crate::core::model::{Found, Reason, Token};
use crate::core::rules::{self, Wanted};
use crate::core::token::{self, BODY_LEN, CHECK_LEN, TokenHash};
use crate::store::Store;
use crate::time::Epoch;

/// Bytes read from a file at a time: a file this size or smaller is read
/// whole, and its lines are counted only where a token is found.
pub const CHUNK: usize = 1 << 20;

/// Hashes looked up in one statement (one snapshot each).
const LOOKUP_BATCH: usize = 1000;

/// Characters after `<prefix>_`.
const TAIL: usize = BODY_LEN + CHECK_LEN;

/// A token's characters: base62.
fn base62(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Finds the tokens of one prefix in bytes.
pub struct Matcher {
    prefix: String,
    finder: memmem::Finder<'static>,
    /// `<prefix>_`.
    lead: usize,
}

impl Matcher {
    /// A matcher for tokens of `prefix` (a valid prefix, SPEC §1).
    pub fn new(prefix: &str) -> Matcher {
        let needle = format!("{prefix}_");
        Matcher {
            lead: needle.len(),
            finder: memmem::Finder::new(needle.as_bytes()).into_owned(),
            prefix: prefix.to_owned(),
        }
    }

    /// The prefix it finds.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// How long a token of this prefix is.
    pub fn token_len(&self) -> usize {
        self.lead + TAIL
    }

    /// The regular expression of the same strings (before the checksum,
    /// which no regular expression can check), as ripgrep and gitleaks
    /// read it. No word boundaries: a token glued to other text
    /// (`access_token%3Dtok_...`, two tokens back to back, a JSON `\n`
    /// before it) is still the secret.
    pub fn regex(&self) -> String {
        format!(r"{}_[0-9A-Za-z]{{{TAIL}}}", self.prefix)
    }

    /// Calls `each(offset, token)` for every token with a right checksum
    /// that lies within `buf[from..until]`, whatever stands before or
    /// after it (the checksum, not a boundary, rules out look-alikes).
    /// `until` < `buf.len()` leaves a token that ends there to the next
    /// read; `until == buf.len()` says that `buf` ends where the input
    /// does.
    pub fn find(&self, buf: &[u8], from: usize, until: usize, each: &mut dyn FnMut(usize, &str)) {
        let len = self.token_len();
        let mut at = from;
        while at < buf.len() {
            let Some(i) = self.finder.find(&buf[at..]) else {
                return;
            };
            let start = at + i;
            at = start + 1;
            if start + len > until {
                return;
            }
            let candidate = &buf[start..start + len];
            if !candidate[self.lead..].iter().all(|&b| base62(b)) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(candidate) else {
                continue;
            };
            let (signed, check) = text.split_at(len - CHECK_LEN);
            if token::checksum(signed).as_slice() == check.as_bytes() {
                each(start, text);
                at = start + len;
            }
        }
    }

    /// Every token of `prefix` in `input`, with its line and column,
    /// read through `buf` (wiped when dropped; [`CHUNK`] bytes is the
    /// usual size, tests use less). `Ok(None)`: the input is binary (it
    /// holds a NUL byte), and what was found in it is dropped, as ripgrep
    /// skips such a file met in a walk; with `whole`, binary or not, it is
    /// read to its end, as ripgrep searches a file it is given by name.
    pub fn scan(
        &self,
        input: &mut dyn Read,
        buf: &mut Zeroizing<Vec<u8>>,
        whole: bool,
    ) -> io::Result<Option<Vec<Hit>>> {
        let len = self.token_len();
        // The carried tail must leave room to read more.
        assert!(
            buf.len() > 2 * (len + 1),
            "a scan buffer of {} bytes",
            buf.len()
        );
        let mut hits = Vec::new();
        let mut lines = Lines::default();
        // Bytes of `buf` in use, the offset in the input of buf[0], and
        // where the search resumes.
        let (mut filled, mut base, mut from) = (0usize, 0u64, 0usize);
        loop {
            let before = filled;
            let eof = fill(input, buf, &mut filled)?;
            if !whole && memchr::memchr(0, &buf[before..filled]).is_some() {
                return Ok(None);
            }
            let data = &buf[..filled];
            // Not at the end: a token starting in the last `len` bytes may
            // go on in the next read, and needs the byte after it.
            let until = if eof { filled } else { filled - 1 };
            self.find(data, from, until, &mut |offset, text| {
                lines.advance(data, offset);
                hits.push(Hit {
                    offset: base + offset as u64,
                    line: lines.line + 1,
                    column: lines.column + 1,
                    hash: token::hash(text),
                    last4: token::last4(text).to_owned(),
                });
            });
            if eof {
                return Ok(Some(hits));
            }
            // Keep the last `len` bytes and the one before them; count
            // what goes.
            let keep = len + 1;
            let cut = filled - keep;
            lines.advance(data, cut);
            lines.rebase(cut);
            buf.copy_within(cut..filled, 0);
            filled = keep;
            base += cut as u64;
            // A token found already ends within what is kept.
            from = hits
                .last()
                .map_or(1, |h| {
                    ((h.offset + len as u64).saturating_sub(base)) as usize
                })
                .max(1);
        }
    }
}

/// Reads into `buf[filled..]` until it is full or the input ends; true at
/// the end of the input.
fn fill(input: &mut dyn Read, buf: &mut [u8], filled: &mut usize) -> io::Result<bool> {
    while *filled < buf.len() {
        match input.read(&mut buf[*filled..]) {
            Ok(0) => return Ok(true),
            Ok(n) => *filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Where in its lines a position is, counted only as far as needed: up to
/// the last token found, or to what a read discards.
#[derive(Debug, Default)]
struct Lines {
    /// Offset in the buffer up to which lines are counted.
    at: usize,
    /// Newlines before `at`.
    line: u64,
    /// Characters (UTF-8 lead bytes) between the last newline and `at`.
    column: u64,
}

impl Lines {
    fn advance(&mut self, data: &[u8], to: usize) {
        let part = &data[self.at..to];
        let newlines = part.iter().filter(|&&b| b == b'\n').count();
        let since = match memchr::memrchr(b'\n', part) {
            Some(i) => {
                self.column = 0;
                &part[i + 1..]
            }
            None => part,
        };
        self.line += newlines as u64;
        self.column += since.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64;
        self.at = to;
    }

    /// The buffer now starts at what was `cut`.
    fn rebase(&mut self, cut: usize) {
        self.at -= cut;
    }
}

/// One token found in an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Byte offset of its first character in the input.
    pub offset: u64,
    /// Line, from 1.
    pub line: u64,
    /// Column, from 1, in characters (Unicode code points).
    pub column: u64,
    /// SHA-256 of the token: what it is looked up by.
    pub hash: TokenHash,
    /// Its last four characters, for the masked form.
    pub last4: String,
}

/// What a found token is (SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// It verifies (a replaced secret inside its grace period too).
    Active,
    /// Its token is disabled: `enable` makes it verify again.
    Disabled,
    /// Its token has expired.
    Expired,
    /// Its token is revoked.
    Revoked,
    /// A secret that `reset` replaced, past its grace period.
    Rotated,
    /// Well formed, and not of this database.
    Unknown,
}

impl Seen {
    /// Whether the secret works now or can be made to: a finding that
    /// matters (exit 7).
    pub fn live(self) -> bool {
        matches!(self, Seen::Active | Seen::Disabled)
    }

    /// The exit code of a scan whose findings were seen so (SPEC §4): 7
    /// when any is live, else 0.
    pub fn exit_code(seen: impl IntoIterator<Item = Seen>) -> u8 {
        if seen.into_iter().any(Seen::live) {
            7
        } else {
            0
        }
    }

    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Seen::Active => "active",
            Seen::Disabled => "disabled",
            Seen::Expired => "expired",
            Seen::Revoked => "revoked",
            Seen::Rotated => "rotated",
            Seen::Unknown => "unknown",
        }
    }

    /// Its judgement by the verify engine, asking nothing beyond validity.
    pub fn judge(found: Option<Found>, now: Epoch) -> (Seen, Option<Token>) {
        let verdict = rules::verdict(found, &Wanted::default(), now);
        let seen = match verdict.reason {
            None => Seen::Active,
            Some(Reason::Disabled) => Seen::Disabled,
            Some(Reason::Expired) => Seen::Expired,
            Some(Reason::Revoked) => Seen::Revoked,
            Some(Reason::Rotated) => Seen::Rotated,
            Some(Reason::Malformed | Reason::Unknown) => Seen::Unknown,
            // Nothing about owners or scopes is asked; were it answered,
            // the secret would still open its token: live, failing closed.
            Some(Reason::WrongOwner | Reason::MissingScope) => Seen::Active,
        };
        (seen, verdict.token)
    }
}

/// Looks every hash up, in batches, and judges what was found, in order.
pub fn look_up(
    store: &mut dyn Store,
    hashes: &[TokenHash],
    now: Epoch,
) -> Result<Vec<(Seen, Option<Token>)>> {
    let mut out = Vec::with_capacity(hashes.len());
    let mut found = Vec::with_capacity(LOOKUP_BATCH);
    for batch in hashes.chunks(LOOKUP_BATCH) {
        store.lookup(batch, &mut found)?;
        out.extend(found.drain(..).map(|f| Seen::judge(f, now)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::token::Secret;

    fn tokens(m: &Matcher, text: &[u8]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        m.find(text, 0, text.len(), &mut |at, t| {
            out.push((at, t.to_owned()))
        });
        out
    }

    fn scan(m: &Matcher, text: &[u8], size: usize) -> Option<Vec<Hit>> {
        let mut buf = Zeroizing::new(vec![0; size]);
        m.scan(&mut io::Cursor::new(text), &mut buf, false).unwrap()
    }

    #[test]
    fn any_with_a_right_checksum_whatever_stands_next_to_it() {
        let m = Matcher::new("tok");
        let s = Secret::generate("tok").unwrap();
        let t = s.expose();
        let other = Secret::generate("abc").unwrap();
        let mut bad = t.to_owned();
        let last = if bad.ends_with('a') { "b" } else { "a" };
        bad.replace_range(bad.len() - 1.., last);
        let text = format!(
            "{t}\nx{t}\n_{t}\n{t}x\n{t}_\n\"{t}\"\n{bad}\n{}\ntok_{t}\né{t}é\n%3D{t}{t}\n{t}",
            other.expose()
        );
        let found: Vec<usize> = tokens(&m, text.as_bytes()).iter().map(|f| f.0).collect();
        let line_of: Vec<usize> = found
            .iter()
            .map(|&i| text[..i].matches('\n').count())
            .collect();
        // All but the look-alike (line 6) and the other prefix's (7); two
        // back to back on line 10; the last ends the input.
        let expected = [0, 1, 2, 3, 4, 5, 8, 9, 10, 10, 11];
        assert_eq!(line_of, expected);
    }

    #[test]
    fn lines_and_columns_count_characters() {
        let m = Matcher::new("tok");
        let s = Secret::generate("tok").unwrap();
        let t = s.expose();
        let text = format!("a\n\nxé {t} {t}\n{t}");
        let hits = scan(&m, text.as_bytes(), CHUNK).unwrap();
        let at: Vec<(u64, u64)> = hits.iter().map(|h| (h.line, h.column)).collect();
        assert_eq!(at, [(3, 4), (3, 5 + t.len() as u64), (4, 1)]);
        assert!(
            hits.iter()
                .all(|h| h.hash == s.hash() && h.last4 == s.last4())
        );
        assert_eq!(hits[0].offset, 7);
    }

    #[test]
    fn a_token_across_any_read_is_found_once() {
        let m = Matcher::new("tok");
        let s = Secret::generate("tok").unwrap();
        let t = s.expose();
        let mut text = String::new();
        for i in 0..40 {
            text.push_str(&"é.\n".repeat(i % 7));
            text.push_str(t);
            text.push(if i % 3 == 0 { '\n' } else { ' ' });
        }
        let whole = scan(&m, text.as_bytes(), CHUNK).unwrap();
        assert_eq!(whole.len(), 40);
        for size in [2 * t.len() + 3, 2 * t.len() + 17, 200, 333] {
            assert_eq!(
                scan(&m, text.as_bytes(), size).unwrap(),
                whole,
                "size {size}"
            );
        }
    }

    #[test]
    fn a_nul_byte_makes_it_binary() {
        let m = Matcher::new("tok");
        let s = Secret::generate("tok").unwrap();
        let text = format!("{}\n{}\0", s.expose(), "x".repeat(500));
        assert_eq!(scan(&m, text.as_bytes(), 200), None);
        assert_eq!(scan(&m, b"", 200), Some(vec![]));
    }

    #[test]
    fn the_regex_names_the_prefix() {
        assert_eq!(Matcher::new("ab1").regex(), r"ab1_[0-9A-Za-z]{49}");
    }

    #[test]
    fn statuses() {
        assert_eq!(Seen::judge(None, 0).0, Seen::Unknown);
        // A NUL stops a walked file's scan, not a given one's.
        let m = Matcher::new("tok");
        let s = Secret::generate("tok").unwrap();
        let text = format!("{}\n\0", s.expose());
        let mut buf = Zeroizing::new(vec![0; CHUNK]);
        let mut read = |whole| {
            m.scan(&mut io::Cursor::new(text.as_bytes()), &mut buf, whole)
                .unwrap()
        };
        assert!(read(false).is_none());
        assert_eq!(read(true).map(|h| h.len()), Some(1));
        assert!(Seen::Disabled.live() && Seen::Active.live());
        assert!(!Seen::Rotated.live() && !Seen::Expired.live());
        assert_eq!(Seen::exit_code([Seen::Revoked, Seen::Disabled]), 7);
        assert_eq!(Seen::exit_code([Seen::Rotated, Seen::Unknown]), 0);
        assert_eq!(Seen::exit_code([]), 0);
    }
}
