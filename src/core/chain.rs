//! The audit trail's hash chain (SPEC §11): how an event is linked to the
//! one before it, how events are appended under that rule, and the check
//! of a whole trail against it and against a head kept elsewhere.

use serde::ser::{SerializeStruct, Serializer};
use sha2::{Digest, Sha256};

use crate::core::error::{Error, Result};
use crate::core::model::Event;
use crate::store::{LogFilter, NewEvent, Reader, Writer};
use crate::time::rfc3339;

/// One link: SHA-256 of the previous link and the event's canonical form.
pub type Link = [u8; 32];

/// What the first event links to.
pub const GENESIS: Link = [0; 32];

/// The event as the chain hashes it: its JSON object as `log --json`
/// shows it without `hash`, keys in the order of SPEC §11, compact.
struct Canonical<'a>(&'a Event);

impl serde::Serialize for Canonical<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Event", 6)?;
        canonical_fields(&mut o, self.0)?;
        o.end()
    }
}

fn canonical_fields<O: SerializeStruct>(o: &mut O, e: &Event) -> std::result::Result<(), O::Error> {
    o.serialize_field("seq", &e.seq)?;
    o.serialize_field("at", &rfc3339(e.at))?;
    o.serialize_field("token_id", &e.token_id)?;
    o.serialize_field("action", &e.action)?;
    o.serialize_field("actor", &e.actor)?;
    o.serialize_field("detail", &e.detail)
}

/// The canonical form of `e`, the bytes its link covers.
pub fn canonical(e: &Event) -> Vec<u8> {
    // Serialising plain strings and integers into memory cannot fail.
    serde_json::to_vec(&Canonical(e)).unwrap_or_default()
}

/// The link of `e` when the event before it has link `prev`.
pub fn link(prev: &Link, e: &Event) -> Link {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical(e));
    h.finalize().into()
}

/// Writes the events of the JSON shape: every field of the canonical form,
/// then `hash` (null for a row that has none, as one inserted by hand).
pub fn serialize_event<S: Serializer>(e: &Event, s: S) -> std::result::Result<S::Ok, S::Error> {
    let mut o = s.serialize_struct("Event", 7)?;
    canonical_fields(&mut o, e)?;
    o.serialize_field("hash", &e.hash.as_ref().map(|h| hex(h)))?;
    o.end()
}

/// Appends `events` to the trail in this order, each linked to the one
/// before. Inside a write transaction, which holds the database's one
/// write lock: no other writer can append between reading the trail's end
/// and writing after it, so the chain never forks.
pub fn append(w: &mut dyn Writer, events: &[NewEvent<'_>]) -> Result<()> {
    let (mut seq, mut prev) = match w.trail_end()? {
        Some((seq, hash)) => (seq, hash.unwrap_or(GENESIS)),
        None => (0, GENESIS),
    };
    let mut linked = Vec::with_capacity(events.len());
    for e in events {
        seq += 1;
        let mut event = Event {
            seq,
            at: e.at,
            token_id: e.token_id,
            action: e.action,
            actor: e.actor.to_owned(),
            detail: e.detail.map(str::to_owned),
            hash: None,
        };
        prev = link(&prev, &event);
        event.hash = Some(prev);
        linked.push(event);
    }
    w.insert_events(&linked)
}

/// Gives every event without a link the one the chain asks for, in order
/// (a trail written before the chain existed, or a dump that carries
/// none). A link already there is kept, so what a dump says stays as it
/// said it, and a check later shows whether it holds.
pub fn fill(events: &mut [Event], mut prev: Link) {
    for e in events {
        let hash = e.hash.unwrap_or_else(|| link(&prev, e));
        e.hash = Some(hash);
        prev = hash;
    }
}

/// A trail's latest event, as an operator keeps it: `SEQ:HASH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number; 0 for an empty trail.
    pub seq: i64,
    /// Its link; [`GENESIS`] for an empty trail.
    pub hash: Link,
}

impl Head {
    /// The head of a trail with no event.
    pub const EMPTY: Head = Head {
        seq: 0,
        hash: GENESIS,
    };
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.seq, hex(&self.hash))
    }
}

impl std::str::FromStr for Head {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Head, String> {
        let bad =
            || format!("{s:?} is not SEQ:HASH (an event number, a colon, 64 hexadecimal digits)");
        let (seq, hash) = s.split_once(':').ok_or_else(bad)?;
        let digits = !seq.is_empty() && seq.bytes().all(|b| b.is_ascii_digit());
        if !digits || (seq.len() > 1 && seq.starts_with('0')) {
            return Err(bad());
        }
        let seq: i64 = seq.parse().map_err(|_| bad())?;
        let hash = unhex(hash).ok_or_else(bad)?;
        Ok(Head { seq, hash })
    }
}

impl serde::Serialize for Head {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut o = s.serialize_struct("Head", 2)?;
        o.serialize_field("seq", &self.seq)?;
        o.serialize_field("hash", &hex(&self.hash))?;
        o.end()
    }
}

/// Why a trail does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Broken {
    /// This event's link is not the one its contents and the link before
    /// it give: it was changed, inserted, or an event before it removed.
    Link {
        /// The event.
        seq: i64,
    },
    /// This event's sequence number does not rise over the one before.
    Order {
        /// The event.
        seq: i64,
    },
    /// The head kept elsewhere names an event past the trail's end.
    CutShort {
        /// The head kept.
        expected: Head,
        /// The trail's last event.
        last: i64,
    },
    /// The head kept elsewhere names an event the trail does not hold.
    Missing {
        /// The head kept.
        expected: Head,
    },
    /// The head kept elsewhere names an event with another link.
    Rewritten {
        /// The head kept.
        expected: Head,
    },
}

impl Broken {
    /// The event named: the first that does not hold.
    pub fn seq(&self) -> i64 {
        match self {
            Broken::Link { seq } | Broken::Order { seq } => *seq,
            Broken::CutShort { expected, .. }
            | Broken::Missing { expected }
            | Broken::Rewritten { expected } => expected.seq,
        }
    }
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Broken::Link { seq } => write!(
                f,
                "event {seq} does not match its hash: it was changed or inserted, or an event before it was removed"
            ),
            Broken::Order { seq } => write!(
                f,
                "event {seq} does not follow the event before it in order"
            ),
            Broken::CutShort { expected, last } => write!(
                f,
                "the trail ends at event {last}, before event {} of the expected head: it was cut short or restored from an older copy",
                expected.seq
            ),
            Broken::Missing { expected } => write!(
                f,
                "event {} of the expected head is not in the trail",
                expected.seq
            ),
            Broken::Rewritten { expected } => write!(
                f,
                "event {} has another hash than the expected head: the trail was rewritten up to it",
                expected.seq
            ),
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// How many events were read.
    pub events: usize,
    /// The latest event's head (the last one read).
    pub head: Head,
    /// The first thing found that does not hold; `None`: intact.
    pub broken: Option<Broken>,
}

/// Checks a trail event by event, in seq order, from the first.
#[derive(Debug)]
pub struct Check {
    expect: Option<Head>,
    expect_seen: bool,
    prev: Link,
    checked: Checked,
}

impl Check {
    /// A check that the chain holds and, if given, that `expect` is one of
    /// its events with that link.
    pub fn new(expect: Option<Head>) -> Check {
        Check {
            expect_seen: expect.is_some_and(|h| h == Head::EMPTY),
            expect,
            prev: GENESIS,
            checked: Checked {
                events: 0,
                head: Head::EMPTY,
                broken: None,
            },
        }
    }

    /// Takes the next event. Events after the first break are counted,
    /// so the head is still the trail's last.
    pub fn push(&mut self, e: &Event) {
        let c = &mut self.checked;
        c.events += 1;
        let stored = e.hash;
        if c.broken.is_none() {
            if c.head.seq >= e.seq {
                c.broken = Some(Broken::Order { seq: e.seq });
            } else if stored != Some(link(&self.prev, e)) {
                c.broken = Some(Broken::Link { seq: e.seq });
            }
        }
        if let Some(want) = self.expect.filter(|w| w.seq == e.seq) {
            self.expect_seen = true;
            if stored != Some(want.hash) && c.broken.is_none() {
                c.broken = Some(Broken::Rewritten { expected: want });
            }
        }
        // The next link is checked against what is stored, so one changed
        // event is named alone rather than with every event after it.
        self.prev = stored.unwrap_or(GENESIS);
        c.head = Head {
            seq: e.seq,
            hash: self.prev,
        };
    }

    /// The outcome, once every event has been pushed.
    pub fn finish(mut self) -> Checked {
        let c = &mut self.checked;
        if let (Some(want), false, None) = (self.expect, self.expect_seen, &c.broken) {
            c.broken = Some(if want.seq > c.head.seq {
                Broken::CutShort {
                    expected: want,
                    last: c.head.seq,
                }
            } else {
                Broken::Missing { expected: want }
            });
        }
        self.checked
    }
}

/// Checks the whole trail as `r` sees it (read it from one snapshot), and
/// that `expect`, if given, is still in it.
pub fn check(r: &mut dyn Reader, expect: Option<Head>) -> Result<Checked> {
    unchained(r)?;
    let mut check = Check::new(expect);
    r.log(&LogFilter::default(), &mut |e| {
        check.push(&e);
        Ok(())
    })?;
    Ok(check.finish())
}

/// The trail's latest event, as it is stored.
pub fn head(r: &mut dyn Reader) -> Result<Head> {
    unchained(r)?;
    let mut head = Head::EMPTY;
    let latest = LogFilter {
        limit: Some(1),
        ..LogFilter::default()
    };
    r.log(&latest, &mut |e| {
        head = Head {
            seq: e.seq,
            hash: e.hash.unwrap_or(GENESIS),
        };
        Ok(())
    })?;
    Ok(head)
}

fn unchained(r: &dyn Reader) -> Result<()> {
    if r.chained() {
        return Ok(());
    }
    Err(Error::store(
        crate::core::error::StoreErrorKind::Other,
        "the audit trail is not chained yet: the database's schema predates the chain, and only a user who may write the database upgrades it",
    ))
}

/// An error for a trail that does not hold (exit 7 on the command line).
pub fn altered(broken: &Broken) -> Error {
    Error::Altered(format!("audit trail altered: {broken}"))
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// 32 bytes from 64 hexadecimal digits, either case.
pub fn unhex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::id::TokenId;
    use crate::core::model::Action;

    fn event(seq: i64, detail: Option<&str>) -> Event {
        Event {
            seq,
            at: 1_800_000_000,
            token_id: TokenId::new(42),
            action: Action::Created,
            actor: "ops".into(),
            detail: detail.map(str::to_owned),
            hash: None,
        }
    }

    fn chained(n: i64) -> Vec<Event> {
        let mut events: Vec<Event> = (1..=n).map(|s| event(s, None)).collect();
        fill(&mut events, GENESIS);
        events
    }

    fn check(events: &[Event], expect: Option<Head>) -> Checked {
        let mut c = Check::new(expect);
        for e in events {
            c.push(e);
        }
        c.finish()
    }

    #[test]
    fn the_canonical_form_is_the_log_object_without_hash() {
        let mut e = event(7, Some("name \"x\"\n\u{7}é"));
        e.token_id = None;
        e.action = Action::Policy;
        assert_eq!(
            String::from_utf8(canonical(&e)).unwrap(),
            r#"{"seq":7,"at":"2027-01-15T08:00:00Z","token_id":null,"action":"policy","actor":"ops","detail":"name \"x\"\n\u0007é"}"#
        );
    }

    #[test]
    fn the_first_link_is_over_32_zero_bytes_and_the_event() {
        let e = event(1, None);
        let mut h = Sha256::new();
        h.update([0u8; 32]);
        h.update(canonical(&e));
        let want: Link = h.finalize().into();
        assert_eq!(link(&GENESIS, &e), want);
        // A known value, so the rule cannot drift unnoticed.
        assert_eq!(
            hex(&want),
            hex(&Sha256::digest(
                [
                    &[0u8; 32][..],
                    br#"{"seq":1,"at":"2027-01-15T08:00:00Z","token_id":42,"action":"created","actor":"ops","detail":null}"#
                ]
                .concat()
            ))
        );
    }

    #[test]
    fn an_intact_trail_checks_and_names_its_head() {
        let events = chained(5);
        let c = check(&events, None);
        assert_eq!(c.broken, None);
        assert_eq!(c.events, 5);
        assert_eq!(c.head.seq, 5);
        assert_eq!(Some(c.head.hash), events[4].hash);
        let mid = Head {
            seq: 3,
            hash: events[2].hash.unwrap(),
        };
        assert_eq!(check(&events, Some(mid)).broken, None);
        assert_eq!(check(&[], None).head, Head::EMPTY);
        assert_eq!(check(&[], Some(Head::EMPTY)).broken, None);
    }

    #[test]
    fn a_changed_event_is_named_alone() {
        let mut events = chained(5);
        events[2].actor = "mallory".into();
        assert_eq!(check(&events, None).broken, Some(Broken::Link { seq: 3 }));
        let mut events = chained(5);
        events[2].hash = None;
        assert_eq!(check(&events, None).broken, Some(Broken::Link { seq: 3 }));
    }

    #[test]
    fn a_removed_or_inserted_event_breaks_the_next_link() {
        let mut events = chained(5);
        events.remove(1);
        assert_eq!(check(&events, None).broken, Some(Broken::Link { seq: 3 }));
        let mut events = chained(5);
        let mut forged = event(6, Some("forged"));
        forged.hash = Some([7; 32]);
        events.push(forged);
        assert_eq!(check(&events, None).broken, Some(Broken::Link { seq: 6 }));
        let mut events = chained(3);
        events.swap(0, 1);
        assert_eq!(check(&events, None).broken, Some(Broken::Link { seq: 2 }));
    }

    #[test]
    fn a_trail_rechained_after_a_change_fails_the_kept_head() {
        let events = chained(5);
        let kept = Head {
            seq: 5,
            hash: events[4].hash.unwrap(),
        };
        // Rewritten with valid links from event 2 on.
        let mut forged = chained(5);
        forged[1].actor = "mallory".into();
        for e in &mut forged[1..] {
            e.hash = None;
        }
        let prev = forged[0].hash.unwrap();
        fill(&mut forged[1..], prev);
        assert_eq!(check(&forged, None).broken, None);
        assert_eq!(
            check(&forged, Some(kept)).broken,
            Some(Broken::Rewritten { expected: kept })
        );
        // Cut short: the newest events deleted, or an older copy restored.
        assert_eq!(
            check(&events[..3], Some(kept)).broken,
            Some(Broken::CutShort {
                expected: kept,
                last: 3
            })
        );
        // The kept event itself removed, and the chain mended after it.
        let mut gap = chained(5);
        gap.remove(3);
        for e in &mut gap[3..] {
            e.hash = None;
        }
        let prev = gap[2].hash.unwrap();
        fill(&mut gap[3..], prev);
        let kept4 = Head {
            seq: 4,
            hash: events[3].hash.unwrap(),
        };
        assert_eq!(
            check(&gap, Some(kept4)).broken,
            Some(Broken::Missing { expected: kept4 })
        );
    }

    #[test]
    fn a_head_reads_as_it_prints() {
        let h = Head {
            seq: 12,
            hash: [0xab; 32],
        };
        assert_eq!(h.to_string().parse::<Head>(), Ok(h));
        assert_eq!(h.to_string().to_uppercase().parse::<Head>(), Ok(h));
        let zeros = "0".repeat(64);
        for bad in ["", "12", "12:", "x:ab", "12:abc"] {
            assert!(bad.parse::<Head>().is_err(), "{bad}");
        }
        for seq in ["-1", "+1", "012", " 1", "99999999999999999999"] {
            let bad = format!("{seq}:{zeros}");
            assert!(bad.parse::<Head>().is_err(), "{bad}");
        }
        assert_eq!(format!("0:{zeros}").parse::<Head>(), Ok(Head::EMPTY));
        assert_eq!(
            serde_json::to_string(&Head::EMPTY).unwrap(),
            format!(r#"{{"seq":0,"hash":"{}"}}"#, "0".repeat(64))
        );
    }

    #[test]
    fn hex_round_trips() {
        let h = [0x5a; 32];
        assert_eq!(unhex(&hex(&h)), Some(h));
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex(&"g".repeat(64)), None);
        assert_eq!(unhex(&"é".repeat(32)), None);
    }
}
