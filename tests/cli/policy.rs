//! `policy`: the rules kept in the database (SPEC §7), as a table and as
//! JSON; `policy set` and `policy unset`, each one audited event; bad values
//! refused before anything changes; and each rule refusing `create`,
//! `edit` and `reset` with exit 6 and one line naming it; on both backends.

use serde_json::{Value, json};

use crate::{Env, now};

const DAY: i64 = 86_400;

/// The policy of a database nobody has set a rule in.
pub fn built_in() -> Value {
    json!({"default_lifetime": "180d", "max_lifetime": null, "one_per_owner": false,
        "require_owner": false, "allowed_scopes": null, "max_grace": "7d"})
}

/// What a refused command must leave as it was: the policy, every token
/// and the whole trail.
pub fn state(env: &Env) -> (Value, Value, Value) {
    let policy = env.cmd(&["--json", "policy"]).run().success().json();
    let list = env.cmd(&["--json", "list"]).run().success().json();
    let log = env.cmd(&["--json", "log"]).run().success().json();
    (policy, list, log)
}

/// The whole trail, oldest first.
pub fn events(env: &Env) -> Vec<Value> {
    env.cmd(&["--json", "log"])
        .run()
        .success()
        .json()
        .as_array()
        .expect("an array")
        .clone()
}

/// `policy set KEY VALUE`, which must succeed silently under -q.
pub fn set(env: &Env, key: &str, value: &str) {
    env.cmd(&["-q", "policy", "set", key, value])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
}

/// Runs `args`, which the rule `key` must refuse: exit 6, nothing on
/// stdout, one line `tokenctl: policy KEY: ...` containing `part`, and
/// nothing changed. Returns the error line.
#[track_caller]
pub fn refused(env: &Env, args: &[&str], key: &str, part: &str) -> String {
    let before = state(env);
    let out = env.cmd(args).run().code(6).stdout_is("").error_has(part);
    assert!(
        out.stderr.starts_with(&format!("tokenctl: policy {key}: ")),
        "{args:?}: {:?}",
        out.stderr
    );
    assert_eq!(state(env), before, "{args:?} changed something");
    out.stderr
}

fn epoch(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a time"))
        .unwrap()
        .timestamp()
}

/// Asserts `token` expires `secs` from a moment between `from` and now.
#[track_caller]
fn expires_after(token: &Value, from: i64, secs: i64) {
    let at = epoch(&token["expires_at"]);
    assert!(
        (from + secs..=now() + secs).contains(&at),
        "expires {} s after {from}, not {secs}: {token}",
        at - from
    );
}

#[test]
fn the_built_in_rules_as_a_table_and_as_json() {
    let Some(env) = Env::new() else { return };
    // Like every command but init, create and load: no database, exit 1.
    env.cmd(&["policy"])
        .run()
        .code(1)
        .stdout_is("")
        .error_has(&env.missing());
    env.cmd(&["policy", "set", "max-lifetime", "30d"])
        .run()
        .code(1)
        .stdout_is("")
        .error_has(&env.missing());
    env.cmd(&["policy", "unset", "max-lifetime"])
        .run()
        .code(1)
        .error_has(&env.missing());
    assert!(!env.exists(), "policy made a database");

    env.cmd(&["-q", "init"]).run().success();
    env.cmd(&["policy"])
        .run()
        .success()
        .stderr_is("")
        .stdout_is(
            "RULE              VALUE  SET\n\
         default-lifetime  180d   default\n\
         max-lifetime      none   default\n\
         one-per-owner     off    default\n\
         require-owner     off    default\n\
         allowed-scopes    any    default\n\
         max-grace         7d     default\n",
        );
    let out = env.cmd(&["--json", "policy"]).run().success().stderr_is("");
    assert_eq!(out.stdout.lines().count(), 1, "{:?}", out.stdout);
    assert_eq!(out.json(), built_in());
    // The keys in the order SPEC §7 shows them.
    assert_eq!(
        out.stdout,
        "{\"default_lifetime\":\"180d\",\"max_lifetime\":null,\"one_per_owner\":false,\"require_owner\":false,\"allowed_scopes\":null,\"max_grace\":\"7d\"}\n"
    );
    // Showing the rules is no change.
    assert_eq!(events(&env), Vec::<Value>::new());
}

#[test]
fn every_key_set_shows_as_set_in_the_form_given() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "max-lifetime", "90d");
    set(&env, "default-lifetime", "1w2d");
    set(&env, "one-per-owner", "on");
    set(&env, "require-owner", "on");
    set(&env, "allowed-scopes", "write, read,deploy:prod,read");
    set(&env, "max-grace", "36h");
    assert_eq!(
        env.cmd(&["--json", "policy"]).run().success().json(),
        json!({"default_lifetime": "1w2d", "max_lifetime": "90d", "one_per_owner": true,
            "require_owner": true, "allowed_scopes": ["deploy:prod", "read", "write"],
            "max_grace": "36h"})
    );
    env.cmd(&["policy"])
        .run()
        .success()
        .stderr_is("")
        .stdout_is(
            "RULE              VALUE                   SET\n\
         default-lifetime  1w2d                    set\n\
         max-lifetime      90d                     set\n\
         one-per-owner     on                      set\n\
         require-owner     on                      set\n\
         allowed-scopes    deploy:prod,read,write  set\n\
         max-grace         36h                     set\n",
        );
    // Off is the built-in value again.
    set(&env, "one-per-owner", "off");
    assert_eq!(
        env.cmd(&["--json", "policy"]).run().success().json()["one_per_owner"],
        false
    );
}

#[test]
fn set_and_unset_each_write_one_policy_event() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    env.cmd(&["--actor", "ops", "policy", "set", "max-lifetime", "90d"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("policy max-lifetime is now 90d\n");
    let log = events(&env);
    assert_eq!(log.len(), 1, "{log:?}");
    let e = &log[0];
    assert_eq!(e["token_id"], Value::Null);
    assert_eq!(e["action"], "policy");
    assert_eq!(e["actor"], "ops");
    assert_eq!(e["detail"], "max-lifetime: unset -> 90d");
    // The built-in 180-day default is capped at the new maximum.
    let mut expected = built_in();
    expected["max_lifetime"] = json!("90d");
    expected["default_lifetime"] = json!("90d");
    assert_eq!(
        env.cmd(&["--json", "policy"]).run().success().json(),
        expected
    );

    // The same value again: a note, no event.
    env.cmd(&["--actor", "ops", "policy", "set", "max-lifetime", "90d"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("policy max-lifetime is already 90d; nothing changed\n");
    assert_eq!(events(&env).len(), 1);

    // --json: the policy now in force.
    let out = env
        .cmd(&[
            "--json",
            "--actor",
            "ops",
            "policy",
            "set",
            "max-lifetime",
            "60d",
        ])
        .run()
        .success()
        .stderr_is("policy max-lifetime is now 60d\n");
    expected["max_lifetime"] = json!("60d");
    expected["default_lifetime"] = json!("60d");
    assert_eq!(out.json(), expected);

    env.cmd(&["--actor", "ops", "policy", "unset", "max-lifetime"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("policy max-lifetime is now none\n");
    env.cmd(&["--actor", "ops", "policy", "unset", "max-lifetime"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("policy max-lifetime is already none; nothing changed\n");
    assert_eq!(
        env.cmd(&["--json", "policy"]).run().success().json(),
        built_in()
    );
    env.cmd(&["--actor", "ops", "policy", "set", "one-per-owner", "on"])
        .run()
        .success()
        .stderr_is("policy one-per-owner is now on\n");
    env.cmd(&["--actor", "ops", "policy", "set", "one-per-owner", "on"])
        .run()
        .success()
        .stderr_is("policy one-per-owner is already on; nothing changed\n");
    env.cmd(&[
        "--actor",
        "ops",
        "policy",
        "set",
        "allowed-scopes",
        "write,read",
    ])
    .run()
    .success()
    .stderr_is("policy allowed-scopes is now read,write\n");
    // The same set, written another way, is no change.
    env.cmd(&[
        "--actor",
        "ops",
        "policy",
        "set",
        "allowed-scopes",
        "read, write,read",
    ])
    .run()
    .success()
    .stderr_is("policy allowed-scopes is already read,write; nothing changed\n");
    env.cmd(&["--actor", "ops", "policy", "unset", "one-per-owner"])
        .run()
        .success()
        .stderr_is("policy one-per-owner is now off\n");

    let details: Vec<(Value, Value, Value, Value)> = events(&env)
        .into_iter()
        .map(|e| {
            (
                e["token_id"].clone(),
                e["action"].clone(),
                e["actor"].clone(),
                e["detail"].clone(),
            )
        })
        .collect();
    let policy = |d: &str| (Value::Null, json!("policy"), json!("ops"), json!(d));
    assert_eq!(
        details,
        [
            policy("max-lifetime: unset -> 90d"),
            policy("max-lifetime: 90d -> 60d"),
            policy("max-lifetime: 60d -> unset"),
            policy("one-per-owner: unset -> on"),
            policy("allowed-scopes: unset -> read,write"),
            policy("one-per-owner: on -> unset"),
        ]
    );
    // `log --action policy` finds them; no token's trail has them.
    let out = env
        .cmd(&["--json", "log", "--action", "policy"])
        .run()
        .success();
    assert_eq!(out.json().as_array().unwrap().len(), 6);
}

#[test]
fn quiet_policy_set_prints_nothing_at_all() {
    let Some(env) = Env::new() else { return };
    // A token that the new rules break, so there is a note to silence.
    env.create(&["--name", "n", "--no-expiry"]);
    env.create(&["--name", "m", "--owner", "alice"]);
    env.create(&["--name", "o", "--owner", "alice"]);
    for args in [
        &["-q", "policy", "set", "max-lifetime", "30d"][..],
        &["-q", "policy", "set", "max-lifetime", "30d"],
        &["-q", "policy", "set", "require-owner", "on"],
        &["-q", "policy", "set", "one-per-owner", "on"],
        &["-q", "policy", "set", "allowed-scopes", "read"],
        &["-q", "policy", "unset", "allowed-scopes"],
        &["-q", "policy", "unset", "allowed-scopes"],
    ] {
        env.cmd(args).run().success().stdout_is("").stderr_is("");
    }
    // -q never silences the data --json asks for.
    let out = env
        .cmd(&["-q", "--json", "policy", "set", "max-grace", "1d"])
        .run()
        .success()
        .stderr_is("");
    assert_eq!(out.json()["max_grace"], "1d");
    assert_eq!(
        events(&env)
            .iter()
            .filter(|e| e["action"] == "policy")
            .count(),
        6
    );
}

#[test]
fn bad_keys_and_values_are_usage_errors_that_change_nothing() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n", "--owner", "alice"]);
    set(&env, "max-lifetime", "200d");
    set(&env, "max-grace", "2d");
    let cases: [(&[&str], &str); 16] = [
        (&["set", "nope", "1"], "unknown policy key \"nope\""),
        (&["unset", "nope"], "unknown policy key \"nope\""),
        (
            &["set", "MaxLifetime", "1d"],
            "unknown policy key \"MaxLifetime\"",
        ),
        (&["set", "max-lifetime", "soon"], "policy max-lifetime: "),
        (&["set", "max-lifetime", "90"], "policy max-lifetime: "),
        (&["set", "max-lifetime", "-1d"], "policy max-lifetime: "),
        (&["set", "max-lifetime", "0d"], "policy max-lifetime: "),
        (
            &["set", "default-lifetime", "3x"],
            "policy default-lifetime: ",
        ),
        (&["set", "max-grace", "a week"], "policy max-grace: "),
        (
            &["set", "one-per-owner", "yes"],
            "policy one-per-owner: the value is on or off, not \"yes\"",
        ),
        (&["set", "require-owner", "1"], "policy require-owner: "),
        (
            &["set", "allowed-scopes", "read,Write"],
            "policy allowed-scopes: invalid scope \"Write\"",
        ),
        (
            &["set", "allowed-scopes", "read,,write"],
            "policy allowed-scopes: invalid scope \"\"",
        ),
        (
            &["set", "allowed-scopes", "9lives"],
            "policy allowed-scopes: ",
        ),
        // Above max-lifetime 200d.
        (
            &["set", "default-lifetime", "201d"],
            "policy default-lifetime: default-lifetime 201d would be above max-lifetime 200d",
        ),
        (&["set", "max-lifetime"], "policy"),
    ];
    let before = state(&env);
    for (args, part) in cases {
        let mut all = vec!["policy"];
        all.extend_from_slice(args);
        env.cmd(&all).run().code(2).stdout_is("").error_has(part);
        assert_eq!(state(&env), before, "{args:?} changed something");
    }

    // The other order: a default first, then a maximum below it.
    set(&env, "default-lifetime", "60d");
    let before = state(&env);
    env.cmd(&["policy", "set", "max-lifetime", "30d"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("policy max-lifetime: default-lifetime 60d would be above max-lifetime 30d");
    assert_eq!(state(&env), before);
    // Equal is allowed.
    set(&env, "max-lifetime", "60d");
}

#[test]
fn policy_set_names_the_live_tokens_that_break_it_and_changes_none() {
    let Some(env) = Env::new() else { return };
    // 1: never expires, no owner, read write.
    env.create(&["--name", "forever", "--no-expiry"]);
    // 2: alice's, 10 days, read.
    env.create(&[
        "--name",
        "a1",
        "--owner",
        "alice",
        "--scope",
        "read",
        "--expires-in",
        "10d",
    ]);
    // 3: alice's too, disabled (still live), admin.
    env.create(&["--name", "a2", "--owner", "alice", "--scope", "admin"]);
    env.cmd(&["-q", "disable", "3"]).run().success();
    // 4: breaks everything but is revoked; 5: breaks everything but expired.
    env.create(&["--name", "gone", "--no-expiry", "--scope", "admin"]);
    env.cmd(&["-q", "revoke", "4", "--yes"]).run().success();
    env.create(&["--name", "old", "--scope", "admin"]);
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET expires_at = {} WHERE id = 5",
            now() - 60
        )),
        1
    );
    // 6: bob's, which meets every rule below.
    env.create(&[
        "--name",
        "b",
        "--owner",
        "bob",
        "--scope",
        "read",
        "--expires-in",
        "1d",
    ]);
    let tokens = env.cmd(&["--json", "list"]).run().success().json();
    let trail = events(&env).len();

    let cases = [
        (
            "max-lifetime",
            "30d",
            "2 live tokens do not meet max-lifetime (left as they are): 1, 3",
        ),
        (
            "require-owner",
            "on",
            "1 live token does not meet require-owner (left as they are): 1",
        ),
        (
            "allowed-scopes",
            "read",
            "2 live tokens do not meet allowed-scopes (left as they are): 1, 3",
        ),
        (
            "one-per-owner",
            "on",
            "2 live tokens do not meet one-per-owner (left as they are): 2, 3",
        ),
    ];
    for (key, value, note) in cases {
        env.cmd(&["policy", "set", key, value])
            .run()
            .success()
            .stdout_is("")
            .stderr_is(&format!("policy {key} is now {value}\n{note}\n"));
        assert_eq!(
            env.cmd(&["--json", "list"]).run().success().json(),
            tokens,
            "policy set {key} changed a token"
        );
    }
    // Each token is as it was, one by one.
    for (i, t) in tokens.as_array().unwrap().iter().enumerate() {
        assert_eq!(&env.show(i as i64 + 1), t);
    }
    // Only the policy events were written.
    let actions: Vec<Value> = events(&env).iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions.len(), trail + 4, "{actions:?}");
    assert_eq!(
        actions[trail..],
        [
            json!("policy"),
            json!("policy"),
            json!("policy"),
            json!("policy")
        ]
    );
    assert_eq!(env.actions(1), ["created"]);
    assert_eq!(env.actions(3), ["created", "disabled"]);

    // A rule every live token meets names none.
    env.cmd(&["policy", "set", "max-grace", "1d"])
        .run()
        .success()
        .stderr_is("policy max-grace is now 1d\n");
}

#[test]
fn max_lifetime_caps_every_expiry_and_forbids_none() {
    let Some(env) = Env::new() else { return };
    // 1: from before the rule, never expires.
    env.create(&["--name", "old", "--no-expiry"]);
    set(&env, "max-lifetime", "30d");
    let at_most = "a token may live at most 30d";
    for args in [
        &["create", "--name", "n", "--expires-in", "31d"][..],
        &["create", "--name", "n", "--expires-in", "30d1s"],
        &["create", "--name", "n", "--expires-at", "2099-01-01"],
        &["create", "--name", "n", "--no-expiry"],
        &["edit", "1", "--expires-in", "31d"],
        &["edit", "1", "--expires-at", "2099-01-01"],
        &["edit", "1", "--no-expiry", "--name", "renamed"],
        &["reset", "1", "--yes", "--expires-in", "31d"],
        &["reset", "1", "--yes", "--no-expiry"],
    ] {
        refused(&env, args, "max-lifetime", at_most);
    }
    // With no expiry flag, the built-in 180 days are capped at 30.
    let t = now();
    let (id, _) = env.create(&["--name", "capped"]);
    expires_after(&env.show(id), t, 30 * DAY);
    let v = env
        .cmd(&["--json", "create", "--name", "limit", "--expires-in", "30d"])
        .run()
        .success()
        .json();
    expires_after(&v, t, 30 * DAY);
    // A reset with no expiry flag: the same cap.
    let t = now();
    let v = env
        .cmd(&["--json", "reset", "1", "--yes"])
        .run()
        .success()
        .json();
    expires_after(&v, t, 30 * DAY);
    // Within the limit, edit sets an expiry.
    let t = now();
    let v = env
        .cmd(&["--json", "edit", "1", "--expires-in", "7d"])
        .run()
        .success()
        .json();
    expires_after(&v, t, 7 * DAY);
    // A default-lifetime below the maximum is used as it is.
    set(&env, "default-lifetime", "2d");
    let t = now();
    let (id, _) = env.create(&["--name", "short"]);
    expires_after(&env.show(id), t, 2 * DAY);
    // Unset, --no-expiry is allowed again.
    env.cmd(&["-q", "policy", "unset", "default-lifetime"])
        .run()
        .success();
    env.cmd(&["-q", "policy", "unset", "max-lifetime"])
        .run()
        .success();
    let (id, _) = env.create(&["--name", "free", "--no-expiry"]);
    assert_eq!(env.show(id)["expires_at"], Value::Null);
}

#[test]
fn a_token_from_before_max_lifetime_keeps_its_expiry_through_other_edits() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "old", "--no-expiry"]);
    set(&env, "max-lifetime", "30d");
    let v = env
        .cmd(&["--json", "edit", "1", "--name", "renamed"])
        .run()
        .success()
        .json();
    assert_eq!(v["name"], "renamed");
    assert_eq!(v["expires_at"], Value::Null);
}

#[test]
fn require_owner_refuses_a_token_without_one() {
    let Some(env) = Env::new() else { return };
    // 1: from before the rule, no owner.
    env.create(&["--name", "old"]);
    env.create(&["--name", "owned", "--owner", "alice"]);
    set(&env, "require-owner", "on");
    let rule = "every token must name an owner";
    refused(&env, &["create", "--name", "n"], "require-owner", rule);
    refused(&env, &["edit", "2", "--no-owner"], "require-owner", rule);
    refused(
        &env,
        &["edit", "2", "--no-owner", "--name", "x"],
        "require-owner",
        rule,
    );
    // With an owner, create and edit go through.
    let (id, _) = env.create(&["--name", "n", "--owner", "bob"]);
    assert_eq!(env.show(id)["owner"], "bob");
    env.cmd(&["-q", "edit", "2", "--owner", "carol"])
        .run()
        .success();
    env.cmd(&["-q", "edit", "1", "--owner", "dave"])
        .run()
        .success();
    assert_eq!(env.show(1)["owner"], "dave");
}

#[test]
fn allowed_scopes_refuses_others_at_create_and_edit_but_never_a_removal() {
    let Some(env) = Env::new() else { return };
    // 1: from before the rule, with admin.
    env.create(&[
        "--name", "old", "--scope", "admin", "--scope", "read", "--scope", "write",
    ]);
    env.create(&["--name", "n", "--scope", "read"]);
    set(&env, "allowed-scopes", "read,write");
    let not = "scope admin is not allowed";
    refused(
        &env,
        &["create", "--name", "x", "--scope", "admin"],
        "allowed-scopes",
        not,
    );
    refused(
        &env,
        &[
            "create", "--name", "x", "--scope", "read", "--scope", "admin",
        ],
        "allowed-scopes",
        not,
    );
    refused(
        &env,
        &["edit", "2", "--add-scope", "admin"],
        "allowed-scopes",
        not,
    );
    refused(
        &env,
        &["edit", "2", "--scope", "admin"],
        "allowed-scopes",
        not,
    );
    refused(
        &env,
        &["edit", "1", "--add-scope", "deploy"],
        "allowed-scopes",
        "scope deploy is not allowed",
    );
    // The default scopes, and the allowed ones, go through.
    let (id, _) = env.create(&["--name", "default"]);
    assert_eq!(env.show(id)["scopes"], json!(["read", "write"]));
    env.cmd(&["-q", "edit", "2", "--add-scope", "write"])
        .run()
        .success()
        .stderr_is("");
    // Removing a scope is always allowed, even one that leaves admin.
    env.cmd(&["-q", "edit", "1", "--remove-scope", "write"])
        .run()
        .success()
        .stderr_is("");
    assert_eq!(env.show(1)["scopes"], json!(["admin", "read"]));
    env.cmd(&["-q", "edit", "1", "--remove-scope", "admin"])
        .run()
        .success();
    assert_eq!(env.show(1)["scopes"], json!(["read"]));
}

#[test]
fn one_per_owner_refuses_a_second_live_token_however_it_would_come() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    let (alice, _) = env.create(&["--name", "a", "--owner", "alice"]);
    let line = refused(
        &env,
        &["create", "--name", "a2", "--owner", "alice"],
        "one-per-owner",
        &format!("already holds token {alice}"),
    );
    assert!(line.contains("alice"), "{line:?}");
    assert!(
        line.ends_with("; pass --replace to revoke it\n"),
        "{line:?}"
    );
    // Another owner, and no owner, are not held to alice's token.
    let (bob, _) = env.create(&["--name", "b", "--owner", "bob"]);
    let (nobody, _) = env.create(&["--name", "c"]);
    let held = format!("already holds token {alice}");
    refused(
        &env,
        &["edit", &bob.to_string(), "--owner", "alice"],
        "one-per-owner",
        &held,
    );
    refused(
        &env,
        &["edit", &nobody.to_string(), "--owner", "alice"],
        "one-per-owner",
        &held,
    );
    refused(
        &env,
        &["reset", &nobody.to_string(), "--owner", "alice", "--yes"],
        "one-per-owner",
        &held,
    );
    // A disabled token is live: enable would make it valid.
    env.cmd(&["-q", "disable", &alice.to_string()])
        .run()
        .success();
    refused(
        &env,
        &["create", "--name", "a2", "--owner", "alice"],
        "one-per-owner",
        &held,
    );
    // alice's own token may be edited and reset.
    env.cmd(&[
        "-q",
        "edit",
        &alice.to_string(),
        "--name",
        "a!",
        "--owner",
        "alice",
    ])
    .run()
    .success();
    env.cmd(&[
        "-q",
        "reset",
        &alice.to_string(),
        "--yes",
        "--owner",
        "alice",
    ])
    .run()
    .success();

    // Expired, it no longer counts: alice may take another...
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET expires_at = {} WHERE id = {alice}",
            now() - 60
        )),
        1
    );
    let (second, _) = env.create(&["--name", "a2", "--owner", "alice"]);
    // ...but the expired one may not come back to life beside it.
    let held = format!("already holds token {second}");
    refused(
        &env,
        &["reset", &alice.to_string(), "--yes"],
        "one-per-owner",
        &held,
    );
    refused(
        &env,
        &["edit", &alice.to_string(), "--expires-in", "1d"],
        "one-per-owner",
        &held,
    );
    // A revoked token does not count either.
    env.cmd(&["-q", "revoke", &second.to_string(), "--yes"])
        .run()
        .success();
    let (third, _) = env.create(&["--name", "a3", "--owner", "alice"]);
    assert_eq!(env.show(third)["status"], "active");
    // With the rule off, alice may hold two.
    set(&env, "one-per-owner", "off");
    env.create(&["--name", "a4", "--owner", "alice"]);
}

#[test]
fn one_per_owner_refuses_a_reset_before_the_question() {
    // SPEC §3: the checks come first, only then the confirmation; reset
    // already refuses an expiry beyond max-lifetime so.
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    let (alice, _) = env.create(&["--name", "a", "--owner", "alice"]);
    let (bob, _) = env.create(&["--name", "b", "--owner", "bob"]);
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = {alice}",
        now() - 60
    ));
    let (_, _) = env.create(&["--name", "a2", "--owner", "alice"]);
    let bob_text = bob.to_string();
    let alice_text = alice.to_string();
    for args in [
        &["reset", bob_text.as_str(), "--owner", "alice"][..],
        &["reset", alice_text.as_str()],
    ] {
        let before = state(&env);
        let out = env.cmd(args).run();
        assert_eq!(out.code, 6, "{args:?}: {}", out.stderr);
        let out = out.stdout_is("").error_has("policy one-per-owner: ");
        assert!(out.stderr.starts_with("tokenctl: policy one-per-owner: "));
        assert_eq!(state(&env), before);

        let mut p = crate::pty(env.cmd(args).command(), false);
        // Typed ahead: it answers a question if one is asked.
        let _ = p.send_line("y");
        let (rest, code) = crate::pty_end(p);
        assert_eq!(code, 6, "{args:?}: {rest:?}");
        assert!(!rest.contains("[y/N]"), "{args:?}: asked {rest:?}");
        assert_eq!(state(&env), before);
    }
}
