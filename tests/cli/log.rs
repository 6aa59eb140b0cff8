//! `log`: every kind of change with time, actor and token id; oldest first;
//! `--limit`; one token's history, purged or never issued; on both
//! backends.

use serde_json::Value;

use crate::Env;

fn log(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--json", "log"];
    all.extend_from_slice(args);
    let v = env.cmd(&all).run().success().stderr_is("").json();
    v.as_array().expect("an array").clone()
}

fn summary(events: &[Value]) -> Vec<(i64, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["token_id"].as_i64().unwrap(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A history with every kind of event: 1 created, 2 created, 1 disabled,
/// 1 enabled, 2 reset, 2 revoked, 1 expired and purged.
fn history(env: &Env) {
    env.cmd(&["-q", "--actor", "alice", "create", "--name", "one"])
        .run()
        .success();
    env.cmd(&["-q", "--actor", "bob", "create", "--name", "two"])
        .run()
        .success();
    env.cmd(&["-q", "--actor", "ops", "disable", "1"])
        .run()
        .success();
    env.cmd(&["-q", "--actor", "ops", "enable", "1"])
        .run()
        .success();
    env.cmd(&["-q", "--actor", "ops", "reset", "2", "--yes"])
        .run()
        .success();
    env.cmd(&["-q", "--actor", "sec", "revoke", "2", "--yes"])
        .run()
        .success();
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = 1",
        crate::now() - 60
    ));
    env.cmd(&["-q", "--actor", "cron", "purge"]).run().success();
}

#[test]
fn every_change_is_an_event_oldest_first() {
    let Some(env) = Env::new() else { return };
    history(&env);
    let events = log(&env, &[]);
    let expected: Vec<(i64, &str, &str)> = vec![
        (1, "created", "alice"),
        (2, "created", "bob"),
        (1, "disabled", "ops"),
        (1, "enabled", "ops"),
        (2, "reset", "ops"),
        (2, "revoked", "sec"),
        (1, "purged", "cron"),
    ];
    assert_eq!(events.len(), expected.len());
    for (e, (id, action, actor)) in events.iter().zip(expected) {
        assert_eq!(e["token_id"], id, "{e}");
        assert_eq!(e["action"], action, "{e}");
        assert_eq!(e["actor"], actor, "{e}");
        // What a reader after a purge needs: what was issued, what a reset
        // set; the other changes speak for themselves.
        match action {
            "created" => assert!(
                e["detail"]
                    .as_str()
                    .unwrap()
                    .contains(", no owner, scopes read write, expires 20"),
                "{e}"
            ),
            "reset" => assert!(
                e["detail"]
                    .as_str()
                    .unwrap()
                    .ends_with(", old secret rotated at once"),
                "{e}"
            ),
            _ => assert_eq!(e["detail"], Value::Null, "{e}"),
        }
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 7, "{e}");
        let hash = e["hash"].as_str().unwrap();
        assert!(
            hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{e}"
        );
        assert!(e["seq"].as_i64().unwrap() > 0, "{e}");
        let at = e["at"].as_str().unwrap();
        assert!(
            at.len() == 20 && at.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(at).is_ok(),
            "{at}"
        );
    }
    let times: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

#[test]
fn limit_is_the_most_recent_still_oldest_first() {
    let Some(env) = Env::new() else { return };
    history(&env);
    assert_eq!(
        summary(&log(&env, &["--limit", "3"])),
        [
            (2, "reset".to_owned()),
            (2, "revoked".to_owned()),
            (1, "purged".to_owned())
        ]
    );
    assert_eq!(log(&env, &["--limit", "100"]).len(), 7);
    assert_eq!(
        summary(&log(&env, &["1", "--limit", "2"])),
        [(1, "enabled".to_owned()), (1, "purged".to_owned())]
    );
    env.cmd(&["log", "--limit", "-1"]).run().code(2);
}

#[test]
fn one_tokens_history_survives_purge() {
    let Some(env) = Env::new() else { return };
    history(&env);
    // Token 1 is purged: show knows it no more, log still does.
    env.cmd(&["show", "1"]).run().code(5);
    assert_eq!(
        summary(&log(&env, &["1"])),
        [
            (1, "created".to_owned()),
            (1, "disabled".to_owned()),
            (1, "enabled".to_owned()),
            (1, "purged".to_owned())
        ]
    );
    assert_eq!(
        summary(&log(&env, &["2"])),
        [
            (2, "created".to_owned()),
            (2, "reset".to_owned()),
            (2, "revoked".to_owned())
        ]
    );
}

#[test]
fn an_id_never_issued_is_5() {
    let Some(env) = Env::new() else { return };
    history(&env);
    for args in [
        &["log", "3"][..],
        &["--json", "log", "3"],
        &["log", "99", "--limit", "1"],
    ] {
        env.cmd(args)
            .run()
            .code(5)
            .stdout_is("")
            .error_has("no token with id");
    }
}

#[test]
fn a_table_for_people() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "--actor", "alice", "create", "--name", "n"])
        .run()
        .success();
    env.cmd(&["-q", "--actor", "sec", "revoke", "1", "--yes"])
        .run()
        .success();
    let events = log(&env, &[]);
    let out = env.cmd(&["log"]).run().success().stderr_is("");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.stdout);
    let words = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        words(lines[0]),
        ["AT", "TOKEN", "ACTION", "ACTOR", "DETAIL"]
    );
    assert_eq!(
        words(lines[1])[..6],
        [
            events[0]["at"].as_str().unwrap(),
            "1",
            "created",
            "alice",
            "name",
            "\"n\","
        ]
    );
    assert_eq!(
        words(lines[2]),
        [events[1]["at"].as_str().unwrap(), "1", "revoked", "sec"]
    );
    assert!(!out.stdout.contains('\x1b'), "no colour off a terminal");
}

#[test]
fn details_are_shown() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n", "--owner", "alice"]);
    env.cmd(&[
        "-q", "--actor", "sec", "revoke", "--owner", "alice", "--yes",
    ])
    .run()
    .success();
    let events = log(&env, &["1"]);
    assert_eq!(events[1]["detail"], "all tokens of owner alice");
    let out = env.cmd(&["log", "1"]).run().success();
    let last: Vec<&str> = out
        .stdout
        .lines()
        .nth(2)
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        last[1..],
        [
            "1", "revoked", "sec", "all", "tokens", "of", "owner", "alice"
        ]
    );
}

#[test]
fn an_empty_trail() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["init"]).run().success();
    env.cmd(&["log"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("no events\n");
    env.cmd(&["-q", "log"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    env.cmd(&["--json", "log"])
        .run()
        .success()
        .stdout_is("[]\n")
        .stderr_is("");
}

#[test]
fn a_missing_database_is_an_error_and_is_not_created() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["log"])
        .run()
        .code(1)
        .stdout_is("")
        .error_has(&env.missing());
    assert!(!env.exists());
}

#[test]
fn a_declined_change_leaves_no_event() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    env.cmd(&["revoke", "1"]).run().code(2);
    env.cmd(&["reset", "1"]).run().code(2);
    env.cmd(&["enable", "1"]).run().success();
    assert_eq!(summary(&log(&env, &[])), [(1, "created".to_owned())]);
}
