//! Reading the trail (SPEC §7): `log --since`, `--action`, `--by` and
//! `--limit` after them; what each event's detail says; `log --follow`
//! printing every new event committed by any process; on both backends.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Env, now};

/// How long a new event may take to reach a follower: SPEC §7 says
/// within a second; this leaves room for a loaded machine.
const WITHIN: Duration = Duration::from_secs(2);

fn log(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json", "log"];
    all.extend_from_slice(args);
    let v = env.cmd(&all).run().success().stderr_is("").json();
    v.as_array().expect("an array").clone()
}

/// (token id, action, actor) of each event.
fn summary(events: &[Value]) -> Vec<(Value, String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["token_id"].clone(),
                e["action"].as_str().unwrap().to_owned(),
                e["actor"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().unwrap()).collect()
}

fn run(env: &Env, args: &[&str]) {
    env.cmd(args).run().success().stderr_is("");
}

/// 1 created by alice, 2 created by bob, then each disabled and enabled
/// by its creator, in turn: six events.
fn two_actors(env: &Env) {
    run(env, &["-q", "--actor", "alice", "create", "--name", "a"]);
    run(env, &["-q", "--actor", "bob", "create", "--name", "b"]);
    run(env, &["-q", "--actor", "alice", "disable", "1"]);
    run(env, &["-q", "--actor", "bob", "disable", "2"]);
    run(env, &["-q", "--actor", "alice", "enable", "1"]);
    run(env, &["-q", "--actor", "bob", "enable", "2"]);
}

fn ev(id: i64, action: &str, actor: &str) -> (Value, String, String) {
    (id.into(), action.to_owned(), actor.to_owned())
}

#[test]
fn since_a_time_a_date_or_a_duration_back() {
    let Some(env) = Env::new() else { return };
    two_actors(&env);
    let all = log(&env, &[]);
    assert_eq!(all.len(), 6);
    let s = seqs(&all);
    // The first event three days back, the second one day back.
    assert_eq!(
        env.sql(&format!(
            "UPDATE audit SET at = at - {} WHERE seq = {}",
            3 * 86_400,
            s[0]
        )),
        1
    );
    assert_eq!(
        env.sql(&format!(
            "UPDATE audit SET at = at - 86400 WHERE seq = {}",
            s[1]
        )),
        1
    );
    let all = log(&env, &[]);
    assert_eq!(seqs(&all), s, "still in the order of seq");
    let at = |i: usize| -> chrono::DateTime<chrono::FixedOffset> {
        chrono::DateTime::parse_from_rfc3339(all[i]["at"].as_str().unwrap()).unwrap()
    };
    let since = |arg: &str| seqs(&log(&env, &["--since", arg]));

    // Durations back from now.
    assert_eq!(since("4d"), s);
    assert_eq!(since("2d"), s[1..]);
    assert_eq!(since("1d12h"), s[1..]);
    assert_eq!(since("1h"), s[2..]);
    // RFC 3339: at or after.
    let second = at(1);
    assert_eq!(since(all[1]["at"].as_str().unwrap()), s[1..]);
    let later =
        (second + chrono::Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(since(&later), s[2..]);
    let earlier =
        (second - chrono::Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(since(&earlier), s[1..]);
    // The same instant with an offset.
    let offset = second
        .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    assert!(offset.ends_with("+02:00"), "{offset}");
    assert_eq!(since(&offset), s[1..]);
    // A date is its midnight, UTC: the day of the third event holds it and
    // those after, not the second (a day and more before it).
    let day = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d").to_string();
    assert_eq!(since(&day(at(2))), s[2..]);
    assert_eq!(since(&day(at(1))), s[1..]);
    assert_eq!(since(&day(at(0))), s);
    assert_eq!(since("2099-01-01"), Vec::<i64>::new());
    env.cmd(&["log", "--since", "2099-01-01"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("no events\n");

    for bad in ["yesterday", "2027-13-01", "5", "-1d", ""] {
        env.cmd(&["log", "--since", bad])
            .run()
            .code(2)
            .stdout_is("")
            .error_has("--since");
    }
}

#[test]
fn action_is_repeatable_and_by_is_the_actor() {
    let Some(env) = Env::new() else { return };
    two_actors(&env);
    run(
        &env,
        &["-q", "--actor", "ops", "policy", "set", "max-grace", "1d"],
    );
    assert_eq!(
        summary(&log(&env, &["--action", "disabled"])),
        [ev(1, "disabled", "alice"), ev(2, "disabled", "bob")]
    );
    assert_eq!(
        summary(&log(&env, &["--action", "enabled", "--action", "created"])),
        [
            ev(1, "created", "alice"),
            ev(2, "created", "bob"),
            ev(1, "enabled", "alice"),
            ev(2, "enabled", "bob")
        ]
    );
    assert_eq!(
        summary(&log(&env, &["--action", "policy"])),
        [(Value::Null, "policy".to_owned(), "ops".to_owned())]
    );
    assert_eq!(log(&env, &["--action", "revoked"]), Vec::<Value>::new());

    assert_eq!(
        summary(&log(&env, &["--by", "alice"])),
        [
            ev(1, "created", "alice"),
            ev(1, "disabled", "alice"),
            ev(1, "enabled", "alice")
        ]
    );
    assert_eq!(
        summary(&log(&env, &["--by", "bob", "--action", "created"])),
        [ev(2, "created", "bob")]
    );
    assert_eq!(
        summary(&log(&env, &["2", "--by", "alice"])),
        Vec::<(Value, String, String)>::new()
    );
    // Exactly that actor.
    assert_eq!(log(&env, &["--by", "Alice"]), Vec::<Value>::new());
    assert_eq!(log(&env, &["--by", "ali"]), Vec::<Value>::new());
    // The global --actor names who acts; it filters nothing.
    let mut by_alice = env
        .cmd(&["--json", "--actor", "x", "log", "--by", "alice"])
        .run()
        .success()
        .stderr_is("")
        .json();
    assert_eq!(by_alice.as_array_mut().unwrap().len(), 3, "{by_alice}");
    env.cmd(&["--actor", "x", "log", "--by", "y"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("no events\n");
    env.cmd(&["--json", "--actor", "x", "log", "--by", "y"])
        .run()
        .success()
        .stdout_is("[]\n")
        .stderr_is("");
    // Reading wrote nothing.
    assert_eq!(log(&env, &[]).len(), 7);
}

#[test]
fn limit_applies_after_the_filters() {
    let Some(env) = Env::new() else { return };
    two_actors(&env);
    assert_eq!(
        summary(&log(&env, &["--by", "alice", "--limit", "2"])),
        [ev(1, "disabled", "alice"), ev(1, "enabled", "alice")]
    );
    assert_eq!(
        summary(&log(&env, &["--action", "created", "--limit", "1"])),
        [ev(2, "created", "bob")]
    );
    assert_eq!(
        summary(&log(
            &env,
            &[
                "--action", "created", "--action", "disabled", "--limit", "3"
            ]
        )),
        [
            ev(2, "created", "bob"),
            ev(1, "disabled", "alice"),
            ev(2, "disabled", "bob")
        ]
    );
    assert_eq!(
        summary(&log(&env, &["1", "--action", "enabled", "--limit", "5"])),
        [ev(1, "enabled", "alice")]
    );
    let s = seqs(&log(&env, &[]));
    env.sql(&format!(
        "UPDATE audit SET at = at - 86400 WHERE seq IN ({}, {})",
        s[4], s[5]
    ));
    // The two most recent events are now the oldest by time, but most
    // recent means the latest in the trail (seq), of those that pass.
    assert_eq!(
        summary(&log(&env, &["--since", "1h", "--limit", "2"])),
        [ev(1, "disabled", "alice"), ev(2, "disabled", "bob")]
    );
    assert_eq!(
        log(&env, &["--by", "bob", "--limit", "0"]),
        Vec::<Value>::new()
    );
}

#[test]
fn a_bad_action_is_a_usage_error() {
    let Some(env) = Env::new() else { return };
    two_actors(&env);
    for bad in ["nope", "Created", "create", ""] {
        env.cmd(&["log", "--action", bad])
            .run()
            .code(2)
            .stdout_is("")
            .error_has(
                "an action is one of created, reset, revoked, enabled, disabled, purged, loaded, edited, policy",
            );
    }
    env.cmd(&["log", "--action", "created", "--action", "nope", "--follow"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("'nope'");
}

#[test]
fn an_id_never_issued_is_still_5_with_filters() {
    let Some(env) = Env::new() else { return };
    two_actors(&env);
    for args in [
        &["log", "3", "--action", "created"][..],
        &["log", "99", "--since", "1h"],
        &[
            "log",
            "99",
            "--since",
            "2020-01-01",
            "--by",
            "alice",
            "--limit",
            "1",
        ],
        &["--json", "log", "3", "--by", "nobody"],
    ] {
        env.cmd(args)
            .run()
            .code(5)
            .stdout_is("")
            .error_has("no token with id");
    }
    // Following a token that never was: exit 5 at once, not a wait.
    let mut follower = Follower::start(
        &env,
        &["--json", "log", "3", "--follow", "--action", "created"],
    );
    let out = follower.wait(Duration::from_secs(10));
    out.code(5).stdout_is("").error_has("no token with id 3");
    // A filter that matches nothing of a token that was is exit 0.
    env.cmd(&["log", "1", "--action", "revoked"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("no events\n");
}

#[test]
fn following_an_id_never_issued_prints_no_header() {
    let Some(env) = Env::new() else { return };
    two_actors(&env);
    let mut follower = Follower::start(&env, &["log", "3", "--follow"]);
    let out = follower.wait(Duration::from_secs(10));
    out.code(5).stdout_is("").error_has("no token with id 3");
}

#[test]
fn created_names_name_owner_scopes_and_expiry() {
    let Some(env) = Env::new() else { return };
    run(
        &env,
        &[
            "-q",
            "create",
            "--name",
            "CI deploy",
            "--owner",
            "alice@example.com",
            "--scope",
            "deploy",
            "--scope",
            "read",
            "--expires-at",
            "2099-01-01",
        ],
    );
    run(&env, &["-q", "create", "--name", "plain", "--no-expiry"]);
    let events = log(&env, &[]);
    assert_eq!(
        events[0]["detail"],
        "name \"CI deploy\", owner \"alice@example.com\", scopes deploy read, expires 2099-01-01T00:00:00Z"
    );
    assert_eq!(
        events[1]["detail"],
        "name \"plain\", no owner, scopes read write, never expires"
    );
}

#[test]
fn revoked_says_why() {
    let Some(env) = Env::new() else { return };
    run(&env, &["-q", "init"]);
    run(&env, &["-q", "policy", "set", "one-per-owner", "on"]);
    let (old, _) = env.create(&["--name", "first", "--owner", "alice"]);
    let (new, _) = env.create(&["--name", "second", "--owner", "alice", "--replace", "--yes"]);
    let events = log(&env, &[&old.to_string()]);
    assert_eq!(
        summary(&events)[1..],
        [(
            old.into(),
            "revoked".to_owned(),
            events[1]["actor"].as_str().unwrap().to_owned()
        )]
    );
    assert_eq!(events[1]["detail"], format!("replaced by token {new}"));

    // A secret that could not be delivered: its token is revoked at once.
    env.cmd(&["-q", "create", "--name", "lost"])
        .run_with_stdout(crate::create::dev_full())
        .code(1);
    let lost = log(&env, &["--action", "revoked"]);
    let last = lost.last().unwrap();
    assert_eq!(last["token_id"], new + 1, "{lost:?}");
    assert!(
        last["detail"]
            .as_str()
            .unwrap()
            .starts_with("secret not delivered"),
        "{last}"
    );
    // A plain revoke knows no reason.
    run(&env, &["-q", "revoke", &new.to_string(), "--yes"]);
    let plain = log(&env, &[&new.to_string(), "--action", "revoked"]);
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0]["detail"], Value::Null);
}

/// A running `log --follow`, its stdout read line by line on a thread.
struct Follower {
    child: Child,
    lines: Receiver<String>,
}

impl Follower {
    /// Starts `tokenctl ARGS...` with stdout piped.
    fn start(env: &Env, args: &[&str]) -> Follower {
        Follower::start_reading(env, args, usize::MAX)
    }

    /// Starts it; the reader stops after `keep` lines and closes the pipe.
    fn start_reading(env: &Env, args: &[&str], keep: usize) -> Follower {
        let mut child = env
            .cmd(args)
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let reader = BufReader::new(stdout);
            for line in reader.lines().take(keep) {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
            // The reader is dropped here: the pipe is closed.
        });
        Follower { child, lines }
    }

    /// The next line, which must come within `WITHIN`.
    #[track_caller]
    fn next(&mut self) -> String {
        match self.lines.recv_timeout(WITHIN) {
            Ok(line) => line,
            Err(e) => {
                let _ = self.child.kill();
                let mut stderr = String::new();
                if let Some(mut s) = self.child.stderr.take() {
                    let _ = s.read_to_string(&mut stderr);
                }
                panic!("no line from the follower within {WITHIN:?} ({e:?}); stderr: {stderr:?}")
            }
        }
    }

    /// The next line, as JSON.
    #[track_caller]
    fn event(&mut self) -> Value {
        let line = self.next();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
    }

    /// Asserts no line comes for a while.
    #[track_caller]
    fn quiet(&mut self) {
        match self.lines.recv_timeout(Duration::from_millis(700)) {
            Err(RecvTimeoutError::Timeout) => {}
            other => panic!("the follower printed more: {other:?}"),
        }
    }

    /// Waits up to `limit` for the process to end on its own.
    #[track_caller]
    fn wait(&mut self, limit: Duration) -> crate::Out {
        let deadline = Instant::now() + limit;
        loop {
            if self.child.try_wait().unwrap().is_some() {
                break;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("the follower did not end within {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let status = self.child.wait().unwrap();
        let mut stderr = Vec::new();
        if let Some(mut s) = self.child.stderr.take() {
            s.read_to_end(&mut stderr).unwrap();
        }
        let stdout: Vec<String> = self.lines.try_iter().collect();
        let mut stdout = stdout.join("\n");
        if !stdout.is_empty() {
            stdout.push('\n');
        }
        crate::Out::from_output(std::process::Output {
            status,
            stdout: stdout.into_bytes(),
            stderr,
        })
    }

    /// Stops the follower (it runs until interrupted) and returns its
    /// stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut s) = self.child.stderr.take() {
            s.read_to_string(&mut stderr).unwrap();
        }
        stderr
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn follow_prints_each_new_event_as_a_json_line() {
    let Some(env) = Env::new() else { return };
    run(
        &env,
        &["-q", "--actor", "ops", "create", "--name", "before"],
    );
    let mut f = Follower::start(&env, &["--json", "log", "--follow"]);
    // The history first.
    let first = f.event();
    assert_eq!(first, log(&env, &[])[0]);
    // Then each change of another process, as it is committed.
    let mut seen = vec![first];
    run(&env, &["-q", "--actor", "alice", "create", "--name", "a"]);
    seen.push(f.event());
    assert_eq!(summary(&seen[1..]), [ev(2, "created", "alice")]);
    run(&env, &["-q", "--actor", "sec", "revoke", "2", "--yes"]);
    seen.push(f.event());
    run(&env, &["-q", "--actor", "ops", "reset", "1", "--yes"]);
    seen.push(f.event());
    run(
        &env,
        &["-q", "--actor", "ops", "policy", "set", "max-grace", "2d"],
    );
    seen.push(f.event());
    assert_eq!(
        summary(&seen[2..]),
        [
            ev(2, "revoked", "sec"),
            ev(1, "reset", "ops"),
            (Value::Null, "policy".to_owned(), "ops".to_owned())
        ]
    );
    f.quiet();
    // Each line is the event as log shows it, once, in order.
    assert_eq!(seen, log(&env, &[]));
    assert_eq!(f.stop(), "");
}

#[test]
fn follow_with_actions_prints_only_those() {
    let Some(env) = Env::new() else { return };
    run(&env, &["-q", "create", "--name", "before"]);
    run(&env, &["-q", "disable", "1"]);
    let mut f = Follower::start(
        &env,
        &[
            "--json", "log", "--follow", "--action", "created", "--action", "revoked",
        ],
    );
    let mut seen = vec![f.event()];
    run(&env, &["-q", "enable", "1"]);
    run(&env, &["-q", "create", "--name", "new"]);
    seen.push(f.event());
    run(&env, &["-q", "disable", "2"]);
    run(&env, &["-q", "reset", "2", "--yes"]);
    run(&env, &["-q", "revoke", "2", "--yes"]);
    seen.push(f.event());
    f.quiet();
    let actions: Vec<&str> = seen.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["created", "created", "revoked"]);
    assert_eq!(
        seen,
        log(&env, &["--action", "created", "--action", "revoked"])
    );
    assert_eq!(f.stop(), "");
}

#[test]
fn follow_with_limit_0_prints_only_new_events() {
    let Some(env) = Env::new() else { return };
    run(&env, &["-q", "create", "--name", "old"]);
    run(&env, &["-q", "disable", "1"]);
    let history = log(&env, &[]).len();
    let mut f = Follower::start(&env, &["--json", "log", "--follow", "--limit", "0"]);
    // No sign tells when the follower has read the trail so far: write
    // until a line comes. Events written before that may count as history
    // and not be shown; none written before the follower started may be.
    let mut first = None;
    for _ in 0..20 {
        run(&env, &["-q", "create", "--name", "new"]);
        if let Ok(line) = f.lines.recv_timeout(Duration::from_millis(300)) {
            first = Some(line);
            break;
        }
    }
    let first: Value = serde_json::from_str(&first.expect("no new event shown")).unwrap();
    assert!(
        first["seq"].as_i64().unwrap() > seqs(&log(&env, &[]))[history - 1],
        "history was printed: {first}"
    );
    assert_eq!(first["action"], "created");
    // From then on, every new event.
    let id = first["token_id"].as_i64().unwrap();
    run(&env, &["-q", "revoke", &id.to_string(), "--yes"]);
    let next = f.event();
    assert_eq!(
        (&next["token_id"], &next["action"]),
        (&id.into(), &"revoked".into())
    );
    // Any line still coming is a new event too, never the history.
    while let Ok(line) = f.lines.recv_timeout(Duration::from_millis(700)) {
        let e: Value = serde_json::from_str(&line).unwrap();
        assert!(
            e["seq"].as_i64().unwrap() > next["seq"].as_i64().unwrap(),
            "shown again or history: {e}"
        );
    }
    assert_eq!(f.stop(), "");
}

#[test]
fn follow_goes_on_while_another_process_purges() {
    let Some(env) = Env::new() else { return };
    for name in ["x", "y", "z"] {
        run(&env, &["-q", "create", "--name", name]);
    }
    let mut f = Follower::start(&env, &["--json", "log", "--follow", "--limit", "1"]);
    assert_eq!(f.event()["token_id"], 3, "the latest event of the history");
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id IN (1, 3)",
        now() - 60
    ));
    run(&env, &["-q", "--actor", "cron", "purge"]);
    let purged = [f.event(), f.event()];
    let mut ids: Vec<i64> = purged
        .iter()
        .map(|e| {
            assert_eq!(e["action"], "purged", "{e}");
            assert_eq!(e["actor"], "cron", "{e}");
            e["token_id"].as_i64().unwrap()
        })
        .collect();
    ids.sort();
    assert_eq!(ids, [1, 3]);
    // And on after it.
    run(&env, &["-q", "create", "--name", "after"]);
    let e = f.event();
    assert_eq!(
        (&e["token_id"], &e["action"]),
        (&4.into(), &"created".into())
    );
    run(
        &env,
        &["-q", "--actor", "cron", "purge", "--include-revoked"],
    );
    run(&env, &["-q", "revoke", "2", "--yes"]);
    let e = f.event();
    assert_eq!(
        (&e["token_id"], &e["action"]),
        (&2.into(), &"revoked".into())
    );
    f.quiet();
    assert_eq!(f.stop(), "");
}

#[test]
fn follow_ends_quietly_when_its_reader_goes() {
    let Some(env) = Env::new() else { return };
    run(&env, &["-q", "create", "--name", "n"]);
    for json in [true, false] {
        let args: &[&str] = if json {
            &["--json", "log", "--follow"]
        } else {
            &["log", "--follow"]
        };
        // The reader takes the first line, then closes the pipe; no event
        // is written after.
        let mut f = Follower::start_reading(&env, args, 1);
        f.next();
        f.wait(Duration::from_secs(5)).success().stderr_is("");
    }
    // Also when an event comes after the reader went.
    let mut f = Follower::start_reading(&env, &["--json", "log", "--follow"], 1);
    f.next();
    run(&env, &["-q", "create", "--name", "unread"]);
    f.wait(Duration::from_secs(5)).success().stderr_is("");
}

#[test]
fn follow_for_people_is_a_header_then_rows() {
    let Some(env) = Env::new() else { return };
    run(&env, &["-q", "--actor", "alice", "create", "--name", "n"]);
    let mut f = Follower::start(&env, &["log", "--follow"]);
    let words = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        words(&f.next()),
        ["AT", "TOKEN", "ACTION", "ACTOR", "DETAIL"]
    );
    let first = f.next();
    let events = log(&env, &[]);
    assert_eq!(
        words(&first)[..6],
        [
            events[0]["at"].as_str().unwrap(),
            "1",
            "created",
            "alice",
            "name",
            "\"n\","
        ]
    );
    run(&env, &["-q", "--actor", "sec", "revoke", "1", "--yes"]);
    let row = f.next();
    let events = log(&env, &[]);
    assert_eq!(
        words(&row),
        [events[1]["at"].as_str().unwrap(), "1", "revoked", "sec"]
    );
    run(
        &env,
        &["-q", "--actor", "ops", "policy", "set", "max-grace", "1d"],
    );
    let row = f.next();
    let events = log(&env, &[]);
    assert_eq!(
        words(&row),
        [
            events[2]["at"].as_str().unwrap(),
            "-",
            "policy",
            "ops",
            "max-grace:",
            "unset",
            "->",
            "1d"
        ]
    );
    assert!(!row.contains('\x1b'), "no colour off a terminal: {row:?}");
    f.quiet();
    assert_eq!(f.stop(), "");
}
