//! `edit`: a token's name, owner, scopes and expiry change, its secret
//! never does; one `edited` event per edit listing each change, old and
//! new; values already as given change nothing; usage errors, unknown ids
//! and revoked tokens refused with nothing changed; on both backends.

use serde_json::{Value, json};

use crate::policy::{events, state};
use crate::{Env, now};

const DAY: i64 = 86_400;

fn epoch(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .unwrap()
        .timestamp()
}

/// The detail of the last event in token `id`'s trail, which must be an
/// `edited` event by `ops`.
#[track_caller]
fn last_edit(env: &Env, id: i64) -> String {
    let log = env
        .cmd(&["--json", "log", &id.to_string()])
        .run()
        .success()
        .json();
    let e = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(e["action"], "edited", "{e}");
    assert_eq!(e["token_id"], id, "{e}");
    assert_eq!(e["actor"], "ops", "{e}");
    e["detail"].as_str().expect("a detail").to_owned()
}

/// `edit 1 ARGS...` by `ops`: exit 0, nothing on stdout, the note on
/// stderr, and one `edited` event more; returns its detail.
#[track_caller]
fn edit(env: &Env, args: &[&str]) -> String {
    let before = env.actions(1).len();
    let mut all = vec!["--actor", "ops", "edit", "1"];
    all.extend_from_slice(args);
    env.cmd(&all)
        .run()
        .success()
        .stdout_is("")
        .stderr_is("edited token 1\n");
    let after = env.actions(1);
    assert_eq!(after.len(), before + 1, "{args:?}: {after:?}");
    last_edit(env, 1)
}

#[test]
fn each_field_changes_with_one_event_naming_old_and_new() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&[
        "--name",
        "a",
        "--owner",
        "bob",
        "--scope",
        "read",
        "--scope",
        "write",
        "--expires-at",
        "2090-01-01",
    ]);
    let created = env.show(id);

    assert_eq!(edit(&env, &["--name", "b"]), r#"name "a" -> "b""#);
    assert_eq!(env.show(id)["name"], "b");
    assert_eq!(
        edit(&env, &["--owner", "carol"]),
        r#"owner "bob" -> "carol""#
    );
    assert_eq!(env.show(id)["owner"], "carol");
    assert_eq!(edit(&env, &["--no-owner"]), r#"owner "carol" -> none"#);
    assert_eq!(env.show(id)["owner"], Value::Null);
    assert_eq!(
        edit(&env, &["--owner", "dave@example.com"]),
        r#"owner none -> "dave@example.com""#
    );
    assert_eq!(
        edit(&env, &["--scope", "read"]),
        "scopes read write -> read"
    );
    assert_eq!(env.show(id)["scopes"], json!(["read"]));
    assert_eq!(
        edit(&env, &["--scope", "deploy", "--scope", "admin"]),
        "scopes read -> admin deploy"
    );
    assert_eq!(
        edit(&env, &["--add-scope", "read", "--add-scope", "deploy"]),
        "scopes admin deploy -> admin deploy read"
    );
    assert_eq!(
        edit(&env, &["--remove-scope", "admin", "--remove-scope", "nope"]),
        "scopes admin deploy read -> deploy read"
    );
    assert_eq!(
        edit(&env, &["--add-scope", "write", "--remove-scope", "deploy"]),
        "scopes deploy read -> read write"
    );
    assert_eq!(env.show(id)["scopes"], json!(["read", "write"]));
    assert_eq!(
        edit(&env, &["--expires-at", "2099-01-01"]),
        "expires 2090-01-01T00:00:00Z -> expires 2099-01-01T00:00:00Z"
    );
    assert_eq!(env.show(id)["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(
        edit(&env, &["--no-expiry"]),
        "expires 2099-01-01T00:00:00Z -> never expires"
    );
    assert_eq!(env.show(id)["expires_at"], Value::Null);
    let t = now();
    let detail = edit(&env, &["--expires-in", "1d12h"]);
    let at = epoch(&env.show(id)["expires_at"]);
    assert!((t + 36 * 3600..=now() + 36 * 3600).contains(&at), "{at}");
    assert_eq!(
        detail,
        format!(
            "never expires -> expires {}",
            env.show(id)["expires_at"].as_str().unwrap()
        )
    );

    // Several changes at once: one event listing each.
    assert_eq!(
        edit(
            &env,
            &[
                "--name",
                "c",
                "--owner",
                "erin",
                "--scope",
                "read",
                "--expires-at",
                "2098-01-01"
            ]
        ),
        format!(
            r#"name "b" -> "c"; owner "dave@example.com" -> "erin"; scopes read write -> read; expires {} -> expires 2098-01-01T00:00:00Z"#,
            chrono::DateTime::from_timestamp(at, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
        )
    );

    // What was not asked for stays: id, secret, creation, status, use.
    let after = env.show(id);
    for field in [
        "id",
        "last4",
        "masked",
        "created_at",
        "created_by",
        "status",
        "revoked_at",
    ] {
        assert_eq!(after[field], created[field], "{field}");
    }
    let (code, v) = env.verify(&secret, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["token"]["name"], "c");
    assert_eq!(v["token"]["owner"], "erin");
    assert_eq!(env.verify(&secret, &["--owner", "erin"]).0, 0);
    assert_eq!(
        env.verify(&secret, &["--owner", "bob"]).1["reason"],
        "wrong_owner"
    );
    assert_eq!(
        env.verify(&secret, &["--require-scope", "write"]).1["reason"],
        "missing_scope"
    );
    let mut actions = vec!["created".to_owned()];
    actions.extend(std::iter::repeat_n("edited".to_owned(), 13));
    assert_eq!(env.actions(id), actions);
}

#[test]
fn the_secret_never_changes() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n", "--owner", "alice"]);
    let v = env
        .cmd(&[
            "--json",
            "edit",
            "1",
            "--name",
            "m",
            "--no-owner",
            "--scope",
            "deploy",
            "--no-expiry",
        ])
        .run()
        .success()
        .json();
    assert!(v.get("token").is_none(), "edit printed a secret: {v}");
    assert_eq!(v["last4"], &secret[secret.len() - 4..]);
    let (code, verdict) = env.verify(&secret, &["--require-scope", "deploy"]);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["token"]["id"], id);
    assert_eq!(verdict["grace_until"], Value::Null);
    // No reset, no rotation.
    assert_eq!(env.actions(id), ["created", "edited"]);
    assert_eq!(env.show(id)["previous_valid_until"], Value::Null);
}

#[test]
fn json_prints_the_token_afterwards_and_quiet_prints_nothing() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n"]);
    let out = env
        .cmd(&[
            "--json",
            "edit",
            "1",
            "--name",
            "renamed",
            "--add-scope",
            "deploy",
        ])
        .run()
        .success()
        .stderr_is("edited token 1\n");
    assert_eq!(out.stdout.lines().count(), 1, "{:?}", out.stdout);
    let v = out.json();
    assert_eq!(v["name"], "renamed");
    assert_eq!(v["scopes"], json!(["deploy", "read", "write"]));
    assert_eq!(v, env.show(id));
    assert!(!out.stdout.contains(&secret));

    env.cmd(&["-q", "edit", "1", "--name", "quiet"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    assert_eq!(env.show(id)["name"], "quiet");
    // -q with --json: the token, and no note.
    let out = env
        .cmd(&["-q", "--json", "edit", "1", "--name", "both"])
        .run()
        .success()
        .stderr_is("");
    assert_eq!(out.json(), env.show(id));
    // Already as given, --json still prints the token.
    let out = env
        .cmd(&["--json", "edit", "1", "--name", "both"])
        .run()
        .success()
        .stderr_is("token 1 is already as given; nothing changed\n");
    assert_eq!(out.json(), env.show(id));
    env.cmd(&["-q", "edit", "1", "--name", "both"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    assert_eq!(env.actions(id), ["created", "edited", "edited", "edited"]);
}

#[test]
fn values_already_as_given_are_a_note_and_no_event() {
    let Some(env) = Env::new() else { return };
    env.create(&[
        "--name",
        "n",
        "--owner",
        "alice",
        "--expires-at",
        "2099-01-01",
    ]);
    env.create(&["--name", "free", "--no-expiry"]);
    let cases: [&[&str]; 11] = [
        &["1", "--name", "n"],
        &["1", "--owner", "alice"],
        &["1", "--scope", "write", "--scope", "read"],
        &[
            "1", "--scope", "read", "--scope", "write", "--scope", "read",
        ],
        &["1", "--add-scope", "read"],
        &["1", "--remove-scope", "deploy"],
        &["1", "--add-scope", "write", "--remove-scope", "admin"],
        &["1", "--expires-at", "2099-01-01T00:00:00Z"],
        &[
            "1",
            "--name",
            "n",
            "--owner",
            "alice",
            "--expires-at",
            "2099-01-01",
        ],
        &["2", "--no-owner"],
        &["2", "--no-expiry"],
    ];
    let before = state(&env);
    for args in cases {
        let mut all = vec!["edit"];
        all.extend_from_slice(args);
        env.cmd(&all)
            .run()
            .success()
            .stdout_is("")
            .stderr_is(&format!(
                "token {} is already as given; nothing changed\n",
                args[0]
            ));
        assert_eq!(state(&env), before, "{args:?} changed something");
    }
}

#[test]
fn no_flag_is_a_usage_error_before_anything_is_opened() {
    let Some(env) = Env::new() else { return };
    // No database yet: a usage error, and nothing made.
    env.cmd(&["edit", "1"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("nothing to change in token 1");
    assert!(!env.exists(), "edit made a database");
    // An edit that asks something opens the database, which is missing.
    env.cmd(&["edit", "1", "--name", "x"])
        .run()
        .code(1)
        .stdout_is("")
        .error_has(&env.missing());
    assert!(!env.exists(), "edit made a database");

    env.create(&["--name", "n"]);
    let before = state(&env);
    env.cmd(&["edit", "1"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("nothing to change in token 1");
    env.cmd(&["--json", "edit", "1"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("nothing to change in token 1");
    assert_eq!(state(&env), before);
}

#[test]
fn unknown_ids_are_5_and_revoked_tokens_6() {
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "n"]);
    env.cmd(&["-q", "revoke", "1", "--yes"]).run().success();
    let before = state(&env);
    env.cmd(&["edit", "9", "--name", "x"])
        .run()
        .code(5)
        .stdout_is("")
        .error_has("no token with id 9");
    env.cmd(&["--json", "edit", "9", "--name", "x"])
        .run()
        .code(5)
        .stdout_is("")
        .error_has("no token with id 9");
    for args in [
        &["edit", "1", "--name", "x"][..],
        &["edit", "1", "--no-expiry"],
        &["edit", "1", "--add-scope", "deploy"],
        // Even a change to what it already is.
        &["edit", "1", "--name", "n"],
    ] {
        env.cmd(args)
            .run()
            .code(6)
            .stdout_is("")
            .error_has("cannot edit token 1: it is revoked");
        assert_eq!(state(&env), before, "{args:?}");
    }
    assert_eq!(env.show(id)["status"], "revoked");
    // A purged token is gone: 5.
    env.cmd(&["-q", "purge", "--include-revoked"])
        .run()
        .success();
    env.cmd(&["edit", "1", "--name", "x"])
        .run()
        .code(5)
        .error_has("no token with id 1");
}

#[test]
fn bad_values_are_usage_errors_that_change_nothing() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n", "--owner", "alice", "--scope", "read"]);
    let before = state(&env);
    let cases: [(&[&str], &str); 17] = [
        (
            &["--remove-scope", "read"],
            "token 1 would be left with no scope",
        ),
        (
            &["--scope", "deploy", "--remove-scope", "deploy"],
            "token 1 would be left with no scope",
        ),
        (&["--owner", "a\u{202e}b"], "U+202E"),
        (&["--owner", "a\u{7}b"], "U+0007"),
        (&["--owner", "a\u{200b}b"], "U+200B"),
        (&["--owner", "a\u{1b}[31mb"], "U+001B"),
        (&["--owner", " alice"], "--owner"),
        (&["--owner", ""], "--owner"),
        (&["--name", "a\u{2028}b"], "U+2028"),
        (&["--name", "x "], "--name"),
        (&["--owner", "x", "--no-owner"], "--no-owner"),
        (&["--scope", "Read"], "invalid scope \"Read\""),
        (&["--add-scope", "9x"], "invalid scope \"9x\""),
        (&["--expires-at", "2020-01-01"], "not in the future"),
        (&["--expires-at", "10000-01-01"], "--expires-at"),
        (&["--expires-in", "1d", "--no-expiry"], "--no-expiry"),
        (&["--expires-in", "soon"], "--expires-in"),
    ];
    for (args, part) in cases {
        let mut all = vec!["edit", "1"];
        all.extend_from_slice(args);
        let out = env.cmd(&all).run().code(2).stdout_is("").error_has(part);
        // What the error line shows of the value, it shows escaped.
        assert!(
            !out.stderr
                .contains(['\u{202e}', '\u{7}', '\u{200b}', '\u{1b}', '\u{2028}']),
            "{:?}",
            out.stderr
        );
        assert_eq!(state(&env), before, "{args:?} changed something");
    }
}

#[test]
fn an_expired_token_made_live_and_a_disabled_one_kept_disabled() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n"]);
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET expires_at = {} WHERE id = 1",
            now() - 60
        )),
        1
    );
    assert_eq!(env.verify(&secret, &[]).1["reason"], "expired");
    let t = now();
    let v = env
        .cmd(&["--json", "edit", "1", "--expires-in", "2d"])
        .run()
        .success()
        .json();
    assert_eq!(v["status"], "active");
    let at = epoch(&v["expires_at"]);
    assert!((t + 2 * DAY..=now() + 2 * DAY).contains(&at));
    assert_eq!(env.verify(&secret, &[]).0, 0);

    env.cmd(&["-q", "disable", "1"]).run().success();
    let v = env
        .cmd(&["--json", "edit", "1", "--name", "still off"])
        .run()
        .success()
        .json();
    assert_eq!(v["status"], "disabled");
    assert_eq!(env.verify(&secret, &[]).1["reason"], "disabled");
    assert_eq!(env.actions(id), ["created", "edited", "disabled", "edited"]);
    // The trail, whole: no other event was written.
    assert_eq!(events(&env).len(), 4);
}
