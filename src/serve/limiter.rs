//! Failed admin authentications, counted per client address: more than
//! [`MAX_FAILURES`] in a minute and that address waits a minute. IPv6
//! addresses count by their /64, which one host usually holds whole.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failures allowed within [`WINDOW`].
pub const MAX_FAILURES: u32 = 10;
/// The window, and how long an address then waits.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most; past it, those not blocked are forgotten.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    since: Instant,
    failures: u32,
    blocked_until: Option<Instant>,
}

/// The failure counts.
#[derive(Default)]
pub struct Limiter {
    map: Mutex<HashMap<IpAddr, Entry>>,
}

fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl Limiter {
    /// `Err(wait)` while `ip` must wait.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        match map.get(&key(ip)).and_then(|e| e.blocked_until) {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Counts a failure of `ip`.
    pub fn fail(&self, ip: IpAddr, now: Instant) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_ADDRESSES {
            map.retain(|_, e| e.blocked_until.is_some_and(|u| u > now));
        }
        let e = map.entry(key(ip)).or_insert(Entry {
            since: now,
            failures: 0,
            blocked_until: None,
        });
        if now.duration_since(e.since) >= WINDOW || e.blocked_until.is_some_and(|u| u <= now) {
            *e = Entry {
                since: now,
                failures: 0,
                blocked_until: None,
            };
        }
        e.failures += 1;
        if e.failures > MAX_FAILURES {
            e.blocked_until = Some(now + WINDOW);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_failure_in_a_minute_blocks_for_a_minute() {
        let l = Limiter::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..MAX_FAILURES {
            l.fail(ip, t0 + Duration::from_secs(u64::from(i)));
            assert!(l.check(ip, t0 + Duration::from_secs(u64::from(i))).is_ok());
        }
        let t = t0 + Duration::from_secs(30);
        l.fail(ip, t);
        assert!(l.check(ip, t).is_err());
        assert!(l.check(other, t).is_ok());
        assert!(l.check(ip, t + WINDOW - Duration::from_secs(1)).is_err());
        assert!(l.check(ip, t + WINDOW).is_ok());
    }

    #[test]
    fn failures_spread_over_more_than_a_minute_do_not_block() {
        let l = Limiter::default();
        let ip: IpAddr = "2001:db8::1".parse().unwrap();
        let t0 = Instant::now();
        for i in 0..30u64 {
            l.fail(ip, t0 + Duration::from_secs(i * 7));
        }
        assert!(l.check(ip, t0 + Duration::from_secs(29 * 7)).is_ok());
    }

    #[test]
    fn one_ipv6_host_counts_once_for_its_whole_prefix() {
        let l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..=MAX_FAILURES {
            let ip: IpAddr = format!("2001:db8:1:2::{:x}", i + 1).parse().unwrap();
            l.fail(ip, t0);
        }
        assert!(l.check("2001:db8:1:2::ffff".parse().unwrap(), t0).is_err());
        assert!(l.check("2001:db8:1:3::1".parse().unwrap(), t0).is_ok());
    }
}
