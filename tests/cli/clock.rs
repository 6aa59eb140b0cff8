//! The clock: a machine whose clock is before 1970 or far ahead still gets
//! answers, never a panic; times read honestly to the second.

use crate::{Env, tool};

/// `1960-01-01T00:00:00Z` in seconds since the epoch.
const Y1960: i64 = -315_619_200;

#[test]
fn a_clock_before_1970_is_no_panic() {
    // issue 10 item 17: `faketime '1960-01-01' tokenctl verify` panicked.
    let Some(faketime) = tool("faketime", "faketime") else {
        return;
    };
    let Some(env) = Env::new() else { return };
    // A token issued today, then looked at from 1960 and from far ahead.
    let (id, secret) = env.create(&["--name", "today"]);
    // faketime reads an absolute time in TZ; "-f +Ny" moves the clock.
    let at = |when: &str, args: &[&str]| {
        let how: &[&str] = match when.strip_prefix('+') {
            Some(_) => &["-f", when],
            None => &[when],
        };
        env.cmd(args).env("TZ", "UTC").through(&faketime, how)
    };
    // Its expiry is still ahead in 1960, so it verifies.
    at("1960-01-01 00:00:00", &["--json", "verify"])
        .stdin(format!("{secret}\n"))
        .run()
        .success();
    at("1960-01-01 00:00:00", &["list"]).run().success();
    at("1960-01-01 00:00:00", &["show", &id.to_string()])
        .run()
        .success();
    // A token made in 1960: its times are before the epoch, and read so.
    let out = at(
        "1960-01-01 00:00:00",
        &["--json", "create", "--name", "old", "--expires-in", "1d"],
    )
    .run()
    .success();
    let made = out.json();
    let created = made["created_at"].as_str().unwrap();
    assert!(created.starts_with("1960-01-01T00:00:"), "{created}");
    let expires = chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!(
        (Y1960 + 86_400..Y1960 + 86_400 + 60).contains(&expires),
        "{made}"
    );
    let old = made["token"].as_str().unwrap().to_owned();
    at("1960-01-01 00:00:00", &["-q", "verify"])
        .stdin(format!("{old}\n"))
        .run()
        .success();
    // Seen from today, it expired long ago.
    let (code, v) = env.verify(&old, &[]);
    assert_eq!((code, v["reason"].as_str()), (3, Some("expired")));
    // And from a clock past 9999, everything has expired: an answer, no
    // panic.
    at("+8000y", &["-q", "verify"])
        .stdin(format!("{secret}\n"))
        .run()
        .code(3);
    at("+8000y", &["list"]).run().success();
}
