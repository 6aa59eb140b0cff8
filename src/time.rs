//! Durations (`1d12h`), timestamps (RFC 3339 or a date) and how times are
//! shown: every time is whole seconds since the Unix epoch, in UTC.

use std::fmt;
use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDate, SecondsFormat, Timelike, Utc};

/// Seconds since 1970-01-01T00:00:00Z.
pub type Epoch = i64;

/// The latest expiry the SPEC allows: 9999-12-31T23:59:59Z.
pub const MAX_EPOCH: Epoch = 253_402_300_799;

/// The earliest time RFC 3339 can write: 0000-01-01T00:00:00Z.
pub const MIN_EPOCH: Epoch = -62_167_219_200;

/// The current time, read once per command.
pub fn now() -> Epoch {
    // Not chrono's Utc::now(), which panics on a clock before 1970.
    epoch_of(SystemTime::now())
}

/// Whole seconds since the epoch of `t`, rounded down (half a second before
/// the epoch is -1, as chrono counts), for any clock: one before 1970 (a
/// board without a battery, a test under faketime) counts backwards, and one
/// outside the years 0000-9999 reads as the nearest of them, so that every
/// time a command works with has an RFC 3339 form and any sum of it and a
/// duration stays far from overflowing.
pub fn epoch_of(t: SystemTime) -> Epoch {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(e) => {
            let before = e.duration();
            let whole = before.as_secs() + u64::from(before.subsec_nanos() > 0);
            i64::try_from(whole).map_or(i64::MIN, |s| -s)
        }
    };
    secs.clamp(MIN_EPOCH, MAX_EPOCH)
}

/// A span of time such as `90d`, `12h`, `30m`, `45s`, `2w` or `1d12h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Duration {
    secs: i64,
}

impl Duration {
    /// A duration of whole seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Duration { secs }
    }

    /// Whole seconds in this duration.
    pub const fn as_secs(self) -> i64 {
        self.secs
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const HINT: &str =
            "a duration is a number and a unit (w, d, h, m, s), combinable: 90d, 12h, 1d12h";
        if s.starts_with('-') {
            return Err(format!("a duration cannot be negative; {HINT}"));
        }
        if s == "0" {
            return Ok(Duration::from_secs(0));
        }
        let mut secs: i64 = 0;
        let mut digits = String::new();
        let mut any = false;
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit: i64 = match c {
                'w' => 7 * 86_400,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return Err(HINT.into()),
            };
            if digits.is_empty() {
                return Err(HINT.into());
            }
            let n: i64 = digits
                .parse()
                .map_err(|_| "duration is too long".to_string())?;
            secs = n
                .checked_mul(unit)
                .and_then(|v| secs.checked_add(v))
                .filter(|v| *v <= MAX_EPOCH)
                .ok_or_else(|| "duration is too long".to_string())?;
            digits.clear();
            any = true;
        }
        if !digits.is_empty() || !any {
            return Err(HINT.into());
        }
        Ok(Duration::from_secs(secs))
    }
}

/// Where a look back at the trail starts: a time, or a duration back from
/// now (`log --since`, `GET /v1/log?since=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// At this time.
    At(Timestamp),
    /// This long before now.
    Ago(Duration),
}

impl Since {
    /// The time it names, seen at `now`.
    pub fn at(self, now: Epoch) -> Epoch {
        match self {
            Since::At(Timestamp(at)) => at,
            Since::Ago(d) => now.saturating_sub(d.as_secs()),
        }
    }
}

impl FromStr for Since {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(d) = s.parse::<Duration>() {
            return Ok(Since::Ago(d));
        }
        s.parse::<Timestamp>().map(Since::At).map_err(|_| {
            "give a time (RFC 3339, 2027-01-01T00:00:00Z, or a date, 2027-01-01) or a duration back from now (24h, 7d)".into()
        })
    }
}

/// A point in time given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp(pub Epoch);

impl FromStr for Timestamp {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            // chrono reads second 60 as a leap second and stores it as 59:
            // a time other than the one given. An epoch count has no leap
            // seconds, so there is nothing to store it as.
            if t.nanosecond() >= 1_000_000_000 {
                return Err(
                    "a leap second (second 60) cannot be stored; give second 59 or the next minute"
                        .into(),
                );
            }
            return Ok(Timestamp(t.timestamp()));
        }
        // chrono's %Y takes a sign and any number of digits, %m and %d one
        // digit: a date is written YYYY-MM-DD and nothing else.
        let b = s.as_bytes();
        let dated = b.len() == 10
            && b.iter().enumerate().all(|(i, &c)| {
                if i == 4 || i == 7 {
                    c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if let Some(d) = dated
            .then(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
            .flatten()
        {
            if let Some(t) = d.and_hms_opt(0, 0, 0) {
                return Ok(Timestamp(t.and_utc().timestamp()));
            }
        }
        Err("a time is RFC 3339 (2027-01-01T00:00:00Z) or a date (2027-01-01)".into())
    }
}

/// RFC 3339 in UTC with whole seconds and `Z`, as JSON shows times.
pub fn rfc3339(t: Epoch) -> String {
    match rfc3339_bytes(t) {
        Some(b) => b.iter().map(|&c| char::from(c)).collect(),
        None => DateTime::<Utc>::from_timestamp(t, 0)
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_else(|| t.to_string()),
    }
}

/// [`rfc3339`] as a JSON string appended to `out`, as [`Rfc3339`]
/// serializes it (it needs no escaping: digits, `-`, `:`, `+`, `T`, `Z`).
pub fn write_rfc3339_json(out: &mut Vec<u8>, t: Epoch) {
    out.push(b'"');
    match rfc3339_bytes(t) {
        Some(b) => out.extend_from_slice(&b),
        None => out.extend_from_slice(rfc3339(t).as_bytes()),
    }
    out.push(b'"');
}

/// [`rfc3339`] as a JSON string, written without building a `String`:
/// every verdict and token object carries a few of these.
#[derive(Clone, Copy)]
pub struct Rfc3339(pub Epoch);

impl serde::Serialize for Rfc3339 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match rfc3339_bytes(self.0) {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).unwrap_or_default()),
            None => s.serialize_str(&rfc3339(self.0)),
        }
    }
}

/// Years 0000-9999 by hand (chrono's formatter costs several times as
/// much); `None` outside them.
fn rfc3339_bytes(t: Epoch) -> Option<[u8; 20]> {
    if !(MIN_EPOCH..=MAX_EPOCH).contains(&t) {
        return None;
    }
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    let mut out = *b"0000-00-00T00:00:00Z";
    let mut two = |at: usize, n: i64| {
        out[at] = b'0' + (n / 10) as u8;
        out[at + 1] = b'0' + (n % 10) as u8;
    };
    two(0, y / 100);
    two(2, y % 100);
    two(5, m);
    two(8, d);
    two(11, secs / 3600);
    two(14, secs / 60 % 60);
    two(17, secs % 60);
    Some(out)
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A person's view of a time relative to now: `in 179 days`, `3 hours
/// ago`, `in 5 seconds`. Only the very second is `now`: a time in the future
/// never reads as if it had come, nor one in the past as if it had not.
pub fn relative(t: Epoch, now: Epoch) -> String {
    // i128: two times from a damaged database may lie 2^64 seconds apart.
    let delta = i128::from(t) - i128::from(now);
    let span = Span(u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX));
    match delta {
        0 => "now".into(),
        1.. => format!("in {span}"),
        _ => format!("{span} ago"),
    }
}

struct Span(u64);

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let (size, unit) = match s {
            0..60 => (1, "second"),
            60..3_570 => (60, "minute"),
            3_570..171_000 => (3_600, "hour"),
            171_000..63_072_000 => (86_400, "day"),
            _ => (31_557_600, "year"),
        };
        // Rounded to the nearest unit: a token made a minute ago for 180 days
        // expires "in 180 days", not "in 179 days".
        let n = s.saturating_add(size / 2) / size;
        write!(f, "{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_by_hand_is_chronos() {
        let chrono = |t: Epoch| {
            DateTime::<Utc>::from_timestamp(t, 0)
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        };
        let mut t = MIN_EPOCH;
        // Every day boundary's neighbourhood over the whole range, in steps
        // that visit every month, leap days and centuries.
        while t <= MAX_EPOCH {
            for probe in [t, t + 1, t + 86_399] {
                if probe <= MAX_EPOCH {
                    assert_eq!(rfc3339(probe), chrono(probe), "{probe}");
                }
            }
            t += 86_400 * 7 + 3_601;
        }
        for probe in [0, -1, 951_782_400, 4_107_456_000, MIN_EPOCH, MAX_EPOCH] {
            assert_eq!(rfc3339(probe), chrono(probe), "{probe}");
        }
    }

    use super::*;

    #[test]
    fn durations_combine() {
        assert_eq!("1d12h".parse::<Duration>().unwrap().as_secs(), 129_600);
        assert_eq!("2w".parse::<Duration>().unwrap().as_secs(), 1_209_600);
        assert_eq!("0".parse::<Duration>().unwrap().as_secs(), 0);
        for bad in [
            "",
            "d",
            "12",
            "1x",
            "-1d",
            "1.5h",
            "99999999999999999999d",
            "9999999999w",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps_accept_dates_and_offsets() {
        assert_eq!("2027-01-01".parse::<Timestamp>().unwrap().0, 1_798_761_600);
        assert_eq!(
            "2027-01-01T01:00:00+01:00".parse::<Timestamp>().unwrap().0,
            1_798_761_600
        );
        assert!("2027-13-01".parse::<Timestamp>().is_err());
        // issue 10 item 19: a date is YYYY-MM-DD, digits only.
        for odd in [
            "-2027-01-01",
            "+2027-01-01",
            "2027-1-1",
            "12027-01-01",
            "2027-01-1 ",
        ] {
            assert!(odd.parse::<Timestamp>().is_err(), "{odd}");
        }
        assert_eq!(rfc3339(1_798_761_600), "2027-01-01T00:00:00Z");
    }

    proptest::proptest! {
        #[test]
        fn generated_durations_round_trip(
            parts in proptest::collection::vec(
                (0u64..=5_000_000, proptest::sample::select(vec!['w', 'd', 'h', 'm', 's'])),
                1..6,
            ),
        ) {
            let text: String = parts.iter().map(|(n, u)| format!("{n}{u}")).collect();
            let secs: u64 = parts
                .iter()
                .map(|&(n, u)| n * match u {
                    'w' => 604_800,
                    'd' => 86_400,
                    'h' => 3_600,
                    'm' => 60,
                    _ => 1,
                })
                .sum();
            match text.parse::<Duration>() {
                Ok(d) => proptest::prop_assert_eq!(d.as_secs() as u64, secs),
                Err(e) => {
                    proptest::prop_assert!(secs > MAX_EPOCH as u64, "{}: {}", text, e);
                    proptest::prop_assert_eq!(e, "duration is too long");
                }
            }
        }

        #[test]
        fn time_display_never_panics(t in proptest::prelude::any::<i64>(), now in proptest::prelude::any::<i64>()) {
            // issue 10 item 17: any two times, from any clock or database.
            let said = relative(t, now);
            proptest::prop_assert!(!said.is_empty());
            proptest::prop_assert_eq!(said == "now", t == now);
            let _ = rfc3339(t);
            for extreme in [i64::MIN, i64::MAX, MIN_EPOCH, MAX_EPOCH, 0] {
                let _ = relative(t, extreme);
                let _ = relative(extreme, now);
                let _ = crate::core::policy::Policy::default()
                    .expiry(crate::core::policy::Expiry::In(Duration::from_secs(MAX_EPOCH)), extreme);
            }
        }

        #[test]
        fn rfc3339_as_json_is_the_string_as_json(t in proptest::prelude::any::<i64>()) {
            proptest::prop_assert_eq!(
                serde_json::to_string(&Rfc3339(t)).unwrap(),
                serde_json::to_string(&rfc3339(t)).unwrap()
            );
        }

        #[test]
        fn duration_parsing_never_panics(s in proptest::prelude::any::<String>()) {
            let _ = s.parse::<Duration>();
            let _ = s.parse::<Timestamp>();
        }

        #[test]
        fn digit_and_unit_soup_never_panics(s in "[0-9wdhms+-]{0,40}") {
            if let Ok(d) = s.parse::<Duration>() {
                proptest::prop_assert!((0..=MAX_EPOCH).contains(&d.as_secs()));
            }
        }
    }

    #[test]
    fn relative_reads_well() {
        assert_eq!(relative(180 * 86_400, 0), "in 180 days");
        assert_eq!(relative(0, 3 * 3_600), "3 hours ago");
        assert_eq!(relative(180 * 86_400 - 60, 0), "in 180 days");
        assert_eq!(relative(0, 90), "2 minutes ago");
    }

    #[test]
    fn relative_is_honest_about_seconds() {
        // issue 10 item 19: a time in the future is never "just now".
        assert_eq!(relative(5, 0), "in 5 seconds");
        assert_eq!(relative(1, 0), "in 1 second");
        assert_eq!(relative(0, 1), "1 second ago");
        assert_eq!(relative(0, 59), "59 seconds ago");
        assert_eq!(relative(60, 0), "in 1 minute");
        assert_eq!(relative(7, 7), "now");
        assert_eq!(relative(-315_619_200, -315_619_230), "in 30 seconds");
    }

    #[test]
    fn a_clock_before_1970_counts_backwards() {
        // issue 10 item 17: 1960-01-01T00:00:00Z, as under faketime.
        use std::time::Duration as Std;
        let t = UNIX_EPOCH - Std::from_secs(315_619_200);
        assert_eq!(epoch_of(t), -315_619_200);
        assert_eq!(rfc3339(epoch_of(t)), "1960-01-01T00:00:00Z");
        // Rounded down, as chrono counts: half a second before is -1.
        assert_eq!(epoch_of(UNIX_EPOCH - Std::from_millis(500)), -1);
        assert_eq!(epoch_of(UNIX_EPOCH + Std::from_millis(1_500)), 1);
        assert_eq!(epoch_of(UNIX_EPOCH), 0);
        // Beyond the years 0000-9999: the nearest end of them.
        if let Some(far) = UNIX_EPOCH.checked_sub(Std::from_secs(1 << 40)) {
            assert_eq!(epoch_of(far), MIN_EPOCH);
        }
        if let Some(far) = UNIX_EPOCH.checked_add(Std::from_secs(1 << 40)) {
            assert_eq!(epoch_of(far), MAX_EPOCH);
        }
        assert_eq!(rfc3339(MIN_EPOCH), "0000-01-01T00:00:00Z");
        assert_eq!(rfc3339(MAX_EPOCH), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn a_leap_second_is_refused_and_negative_durations_say_so() {
        // issue 10 item 19
        for leap in [
            "2030-01-01T12:34:60Z",
            "2016-12-31T23:59:60Z",
            "2030-01-01T12:34:60.5+01:00",
        ] {
            let e = leap.parse::<Timestamp>().unwrap_err();
            assert!(e.contains("leap second"), "{leap}: {e}");
        }
        assert_eq!(
            "2030-01-01T12:34:59Z".parse::<Timestamp>().unwrap().0,
            1_893_501_299
        );
        // issue 10 item 20
        for negative in ["-5d", "-0", "-1d12h"] {
            let e = negative.parse::<Duration>().unwrap_err();
            assert!(e.contains("cannot be negative"), "{negative}: {e}");
        }
    }
}
