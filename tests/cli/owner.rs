//! `verify --owner O`: the token must also belong to O (SPEC §3), exactly;
//! `wrong_owner` in its place in the order of reasons, in single and
//! `--batch` mode; a bad owner is a usage error; on both backends.

use serde_json::Value;

use crate::{Env, now};

/// (exit code, reason, token id) of `verify --json ARGS...`.
fn answer(env: &Env, secret: &str, args: &[&str]) -> (i32, Value, Value) {
    let (code, v) = env.verify(secret, args);
    (code, v["reason"].clone(), v["token"]["id"].clone())
}

/// A verdict without the token's `last_used_at`, which each verify may
/// set anew.
fn unused(mut v: Value) -> Value {
    if let Some(token) = v["token"].as_object_mut() {
        token.remove("last_used_at");
    }
    v
}

#[test]
fn a_token_of_another_owner_is_wrong_owner() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "app", "--owner", "alice"]);
    let (code, v) = env.verify(&secret, &["--owner", "bob"]);
    assert_eq!(code, 3, "{v}");
    assert_eq!(v["valid"], false);
    assert_eq!(v["reason"], "wrong_owner");
    assert_eq!(v["token"]["id"], id);
    assert_eq!(v["token"]["owner"], "alice");
    assert_eq!(v["grace_until"], Value::Null);
    // Owners are compared exactly: one that differs only in case is not it.
    for other in ["Alice", "ALICE", "alice2", "alic"] {
        assert_eq!(
            answer(&env, &secret, &["--owner", other]),
            (3, "wrong_owner".into(), id.into()),
            "--owner {other}"
        );
    }
    // Human output names the token; -q says nothing, the exit code does.
    let last4 = &secret[secret.len() - 4..];
    env.cmd(&["verify", "--owner", "bob"])
        .stdin(format!("{secret}\n"))
        .run()
        .code(3)
        .stdout_is(&format!(
            "rejected, wrong_owner: token {id} \"app\" (tok_****{last4})\n"
        ))
        .stderr_is("");
    env.cmd(&["-q", "verify", "--owner", "bob"])
        .stdin(format!("{secret}\n"))
        .run()
        .code(3)
        .stdout_is("")
        .stderr_is("");

    // The right owner: valid.
    let (code, v) = env.verify(&secret, &["--owner", "alice"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], Value::Null);
    assert_eq!(v["token"]["id"], id);
    env.cmd(&["verify", "--owner", "alice"])
        .stdin(format!("{secret}\n"))
        .run()
        .success()
        .stdout_is(&format!("valid: token {id} \"app\" (tok_****{last4})\n"))
        .stderr_is("");
}

#[test]
fn a_token_with_no_owner_belongs_to_nobody_asked_for() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "ownerless"]);
    assert_eq!(
        answer(&env, &secret, &["--owner", "alice"]),
        (3, "wrong_owner".into(), id.into())
    );
    // Without --owner, any owner or none will do.
    assert_eq!(answer(&env, &secret, &[]), (0, Value::Null, id.into()));
}

#[test]
fn a_replaced_secret_in_its_grace_is_checked_for_its_owner_too() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n", "--owner", "alice"]);
    env.cmd(&["-q", "reset", "1", "--grace", "1h", "--yes"])
        .run()
        .success();
    let (code, v) = env.verify(&old, &["--owner", "bob"]);
    assert_eq!(
        (code, &v["reason"]),
        (3, &Value::from("wrong_owner")),
        "{v}"
    );
    assert_eq!(v["token"]["id"], id);
    assert!(v["grace_until"].is_string(), "{v}");
    let (code, v) = env.verify(&old, &["--owner", "alice"]);
    assert_eq!((code, &v["reason"]), (0, &Value::Null), "{v}");
    assert!(v["grace_until"].is_string(), "{v}");
}

/// Tokens of alice in every state, and what `--owner bob --require-scope
/// admin` answers for each, in SPEC §3's order: (secret, reason, token id,
/// exit code).
fn every_state(env: &Env) -> Vec<(String, Value, Value, i32)> {
    let mut cases = Vec::new();
    let (_, malformed) = env.create(&["--name", "typo", "--owner", "alice"]);
    let mut typo = malformed.into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    cases.push((typo, "malformed".into(), Value::Null, 3));
    let stranger = env
        .another()
        .create(&["--name", "elsewhere", "--owner", "alice"]);
    cases.push((stranger.1, "unknown".into(), Value::Null, 3));

    let (id, rotated) = env.create(&["--name", "rotated", "--owner", "alice"]);
    env.cmd(&["-q", "reset", &id.to_string(), "--yes"])
        .run()
        .success();
    cases.push((rotated, "rotated".into(), id.into(), 3));

    let (id, revoked) = env.create(&["--name", "revoked", "--owner", "alice"]);
    env.cmd(&["-q", "revoke", &id.to_string(), "--yes"])
        .run()
        .success();
    cases.push((revoked, "revoked".into(), id.into(), 3));

    let (id, expired) = env.create(&["--name", "expired", "--owner", "alice"]);
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = {id}",
        now() - 1
    ));
    cases.push((expired, "expired".into(), id.into(), 3));

    let (id, disabled) = env.create(&["--name", "disabled", "--owner", "alice"]);
    env.cmd(&["-q", "disable", &id.to_string()]).run().success();
    cases.push((disabled, "disabled".into(), id.into(), 3));

    // Live, of the wrong owner and without the scope: wrong_owner first.
    let (id, active) = env.create(&["--name", "active", "--owner", "alice"]);
    cases.push((active, "wrong_owner".into(), id.into(), 3));
    cases
}

#[test]
fn the_order_of_reasons_holds_with_owner_and_scope() {
    let Some(env) = Env::new() else { return };
    let cases = every_state(&env);
    for (secret, reason, id, code) in &cases {
        assert_eq!(
            answer(
                &env,
                secret,
                &["--owner", "bob", "--require-scope", "admin"]
            ),
            (*code, reason.clone(), id.clone()),
            "{reason}"
        );
        // Without the scope asked for, the owner still comes after the
        // state.
        assert_eq!(
            answer(&env, secret, &["--owner", "bob"]),
            (*code, reason.clone(), id.clone()),
            "{reason}"
        );
    }
    // The right owner without the scope: missing_scope, exit 4.
    let (secret, _, id, _) = cases.last().unwrap();
    assert_eq!(
        answer(
            &env,
            secret,
            &["--owner", "alice", "--require-scope", "admin"]
        ),
        (4, "missing_scope".into(), id.clone())
    );
    assert_eq!(
        answer(
            &env,
            secret,
            &["--owner", "alice", "--require-scope", "read"]
        ),
        (0, Value::Null, id.clone())
    );
}

#[test]
fn batch_gives_the_same_answers() {
    let Some(env) = Env::new() else { return };
    let cases = every_state(&env);
    let input: String = cases.iter().map(|(s, ..)| format!("{s}\n")).collect();
    for flags in [
        &["--owner", "bob", "--require-scope", "admin"][..],
        &["--owner", "bob"],
        &["--owner", "alice", "--require-scope", "admin"],
        &["--owner", "alice"],
    ] {
        let mut args = vec!["verify", "--batch"];
        args.extend_from_slice(flags);
        let out = env
            .cmd(&args)
            .stdin(input.clone())
            .run()
            .success()
            .stderr_is("");
        let lines = out.json_lines();
        assert_eq!(lines.len(), cases.len(), "{flags:?}");
        for ((secret, ..), line) in cases.iter().zip(lines) {
            let (_, single) = env.verify(secret, flags);
            assert_eq!(unused(line), unused(single), "{flags:?}");
        }
    }
    // And what they are, for the right owner.
    let mut args = vec!["verify", "--batch", "--owner", "alice"];
    let out = env.cmd(&args).stdin(input.clone()).run().success();
    let mut expected: Vec<Value> = cases.iter().map(|(_, r, ..)| r.clone()).collect();
    *expected.last_mut().unwrap() = Value::Null;
    assert_eq!(out.reasons(), expected);
    args.extend(["--require-scope", "admin"]);
    let out = env.cmd(&args).stdin(input).run().success();
    *expected.last_mut().unwrap() = "missing_scope".into();
    assert_eq!(out.reasons(), expected);
}

#[test]
fn an_owner_with_a_control_character_is_a_usage_error() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n", "--owner", "alice"]);
    let used = env.show(id)["last_used_at"].clone();
    for (owner, shown) in [
        ("al\u{1}ice", "U+0001"),
        ("alice\u{7f}", "U+007F"),
        ("al\tice", "U+0009"),
        ("alice\n", "U+000A"),
        ("ali\u{202e}ce", "U+202E"),
    ] {
        for batch in [false, true] {
            let mut args = vec!["verify", "--owner", owner];
            if batch {
                args.push("--batch");
            }
            let out = env
                .cmd(&args)
                .stdin(format!("{secret}\n"))
                .run()
                .code(2)
                .stdout_is("")
                .error_has(shown)
                .error_has("--owner");
            // The message shows no control character itself.
            assert!(
                !out.stderr
                    .trim_end_matches('\n')
                    .chars()
                    .any(char::is_control),
                "{:?}",
                out.stderr
            );
        }
    }
    // Nothing was looked up: no use recorded.
    assert_eq!(env.show(id)["last_used_at"], used);
}
