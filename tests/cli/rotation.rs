//! Rotation with a grace period (SPEC §7): `reset --grace` keeps the
//! replaced secret verifying until its end, then it is `rotated`; revoke,
//! disable and expiry apply to both secrets; `max-grace`; `reset --owner`;
//! the trail, the dump and a race with revoke; on both backends.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{Env, now};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

fn epoch(rfc3339: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().expect("a time"))
        .unwrap()
        .timestamp()
}

/// `--json reset ID ARGS... --yes`: the token object with the new secret.
fn reset(env: &Env, id: i64, args: &[&str]) -> Value {
    let id = id.to_string();
    let mut all = vec!["--json", "reset", id.as_str(), "--yes"];
    all.extend_from_slice(args);
    env.cmd(&all).run().success().json()
}

/// The new secret of a reset's token object.
fn secret(v: &Value) -> String {
    v["token"].as_str().expect("a secret").to_owned()
}

/// Ends token `id`'s grace period a second ago, as time passing would.
fn end_grace(env: &Env, id: i64) {
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET previous_valid_until = {} WHERE id = {id}",
            now() - 1
        )),
        1
    );
}

/// (exit code, reason, token id, grace_until) of `verify --json`.
fn answer(env: &Env, secret: &str, args: &[&str]) -> (i32, Value, Value, Value) {
    let (code, v) = env.verify(secret, args);
    (
        code,
        v["reason"].clone(),
        v["token"]["id"].clone(),
        v["grace_until"].clone(),
    )
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
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
fn the_replaced_secret_verifies_in_its_grace_then_is_rotated() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "deploy", "--owner", "alice"]);
    let t0 = now();
    let v = reset(&env, id, &["--grace", "1h"]);
    let new = secret(&v);
    let end = v["previous_valid_until"].clone();
    let e = epoch(&end);
    assert!((t0 + HOUR..=now() + HOUR).contains(&e), "{v}");
    assert_eq!(env.show(id)["previous_valid_until"], end);

    // The replaced secret: valid, with the end of its grace.
    let (code, verdict) = env.verify(&old, &[]);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["reason"], Value::Null);
    assert_eq!(verdict["token"]["id"], id);
    assert_eq!(verdict["token"]["previous_valid_until"], end);
    assert_eq!(verdict["grace_until"], end);
    // Human output says it is the replaced one, and until when.
    let out = env
        .cmd(&["verify"])
        .stdin(format!("{old}\n"))
        .run()
        .success()
        .stderr_is("");
    assert_eq!(
        out.stdout,
        format!(
            "valid: token {id} \"deploy\" (tok_****{}); a replaced secret, which stops verifying at {}\n",
            &new[new.len() - 4..],
            end.as_str().unwrap()
        )
    );
    // The current secret: valid, no grace_until.
    assert_eq!(
        answer(&env, &new, &[]),
        (0, Value::Null, id.into(), Value::Null)
    );

    // Once the grace is over: rotated, the token named, exit 3.
    end_grace(&env, id);
    let (code, verdict) = env.verify(&old, &[]);
    assert_eq!(code, 3, "{verdict}");
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["reason"], "rotated");
    assert_eq!(verdict["token"]["id"], id);
    assert_eq!(verdict["token"]["name"], "deploy");
    assert_eq!(verdict["grace_until"], Value::Null);
    env.cmd(&["-q", "verify"])
        .stdin(format!("{old}\n"))
        .run()
        .code(3)
        .stdout_is("")
        .stderr_is("");
    assert_eq!(
        answer(&env, &new, &[]),
        (0, Value::Null, id.into(), Value::Null)
    );
}

#[test]
fn without_grace_the_replaced_secret_is_rotated_at_once() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    let v = reset(&env, id, &[]);
    assert_eq!(v["previous_valid_until"], Value::Null);
    assert_eq!(env.show(id)["previous_valid_until"], Value::Null);
    assert_eq!(
        answer(&env, &old, &[]),
        (3, "rotated".into(), id.into(), Value::Null)
    );
    assert_eq!(
        answer(&env, &secret(&v), &[]),
        (0, Value::Null, id.into(), Value::Null)
    );
    // A token never reset has no grace either.
    let (other, current) = env.create(&["--name", "m"]);
    assert_eq!(env.show(other)["previous_valid_until"], Value::Null);
    assert_eq!(
        answer(&env, &current, &[]),
        (0, Value::Null, other.into(), Value::Null)
    );
}

#[test]
fn a_second_reset_ends_the_first_grace_at_once() {
    let Some(env) = Env::new() else { return };
    let (id, first) = env.create(&["--name", "n"]);
    let second = secret(&reset(&env, id, &["--grace", "1d"]));
    assert_eq!(env.verify(&first, &[]).0, 0);
    // Reset without grace: the token remembers only the secret it just
    // replaced, and that one is dead at once.
    let third = secret(&reset(&env, id, &[]));
    assert_eq!(
        answer(&env, &first, &[]),
        (3, "unknown".into(), Value::Null, Value::Null)
    );
    assert_eq!(
        answer(&env, &second, &[]),
        (3, "rotated".into(), id.into(), Value::Null)
    );
    assert_eq!(
        answer(&env, &third, &[]),
        (0, Value::Null, id.into(), Value::Null)
    );
    assert_eq!(env.show(id)["previous_valid_until"], Value::Null);

    // Reset with a grace again: only the secret just replaced keeps working.
    let v = reset(&env, id, &["--grace", "2h"]);
    let fourth = secret(&v);
    let end = v["previous_valid_until"].clone();
    assert!(end.is_string(), "{v}");
    for s in [&first, &second] {
        assert_eq!(
            answer(&env, s, &[]),
            (3, "unknown".into(), Value::Null, Value::Null)
        );
    }
    assert_eq!(
        answer(&env, &third, &[]),
        (0, Value::Null, id.into(), end.clone())
    );
    assert_eq!(
        answer(&env, &fourth, &[]),
        (0, Value::Null, id.into(), Value::Null)
    );
}

#[test]
fn a_second_reset_with_grace_inside_the_first_replaces_it() {
    let Some(env) = Env::new() else { return };
    let (id, first) = env.create(&["--name", "n"]);
    let second = secret(&reset(&env, id, &["--grace", "3d"]));
    let v = reset(&env, id, &["--grace", "1h"]);
    let end = v["previous_valid_until"].clone();
    let e = epoch(&end);
    assert!(e <= now() + HOUR, "the second grace is its own: {v}");
    assert_eq!(
        answer(&env, &first, &[]),
        (3, "unknown".into(), Value::Null, Value::Null)
    );
    assert_eq!(answer(&env, &second, &[]), (0, Value::Null, id.into(), end));
}

#[test]
fn revoke_disable_and_expiry_apply_to_both_secrets() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    let v = reset(&env, id, &["--grace", "1h"]);
    let new = secret(&v);
    let end = v["previous_valid_until"].clone();
    let both = |reason: &str| {
        assert_eq!(
            answer(&env, &old, &[]),
            (3, reason.into(), id.into(), end.clone()),
            "the replaced secret, {reason}"
        );
        assert_eq!(
            answer(&env, &new, &[]),
            (3, reason.into(), id.into(), Value::Null),
            "the current secret, {reason}"
        );
    };

    env.cmd(&["-q", "disable", &id.to_string()])
        .run()
        .success()
        .stderr_is("");
    both("disabled");
    env.cmd(&["-q", "enable", &id.to_string()]).run().success();
    assert_eq!(answer(&env, &old, &[]).0, 0);

    let expires = env.show(id)["expires_at"].clone();
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = {id}",
        now() - 1
    ));
    both("expired");
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = {id}",
        epoch(&expires)
    ));
    assert_eq!(answer(&env, &old, &[]).0, 0);
    assert_eq!(answer(&env, &new, &[]).0, 0);

    env.cmd(&["-q", "revoke", &id.to_string(), "--yes"])
        .run()
        .success()
        .stderr_is("");
    both("revoked");
    assert_eq!(env.show(id)["status"], "revoked");
}

#[test]
fn a_grace_above_max_grace_is_refused_and_changes_nothing() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    let before = env.show(id);
    env.cmd(&["reset", "1", "--grace", "8d", "--yes"])
        .run()
        .code(6)
        .stdout_is("")
        .stderr_is("tokenctl: policy max-grace: a grace period may be at most 7d\n");
    assert_eq!(env.show(id), before);
    assert_eq!(env.actions(id), ["created"]);
    assert_eq!(
        answer(&env, &old, &[]),
        (0, Value::Null, id.into(), Value::Null)
    );
    // The default's limit itself is allowed.
    let v = reset(&env, id, &["--grace", "7d"]);
    assert!(
        (now() - 5 + 7 * DAY..=now() + 7 * DAY).contains(&epoch(&v["previous_valid_until"])),
        "{v}"
    );

    env.cmd(&["-q", "policy", "set", "max-grace", "1d"])
        .run()
        .success()
        .stderr_is("");
    let before = env.show(id);
    let current = secret(&v);
    env.cmd(&["reset", "1", "--grace", "2d", "--yes"])
        .run()
        .code(6)
        .stdout_is("")
        .stderr_is("tokenctl: policy max-grace: a grace period may be at most 1d\n");
    assert_eq!(env.show(id), before);
    assert_eq!(env.actions(id), ["created", "reset"]);
    assert_eq!(answer(&env, &current, &[]).0, 0);
    let t0 = now();
    let v = reset(&env, id, &["--grace", "1d"]);
    let e = epoch(&v["previous_valid_until"]);
    assert!((t0 + DAY..=now() + DAY).contains(&e), "{v}");
    assert_eq!(
        answer(&env, &current, &[]),
        (0, Value::Null, id.into(), v["previous_valid_until"].clone())
    );
}

#[test]
fn on_a_terminal_a_grace_above_max_grace_is_refused_before_the_question() {
    // SPEC §3: the checks come before the confirmation; the expiry rules
    // (max-lifetime) already do, so an operator is never asked to confirm
    // a reset that the policy then refuses.
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    let mut p = crate::pty(env.cmd(&["reset", "1", "--grace", "8d"]).command(), false);
    let (rest, code) = crate::pty_end({
        // Answer yes, should a question come after all.
        p.send_line("y").unwrap();
        p
    });
    assert_eq!(code, 6, "{rest}");
    assert!(!rest.contains("[y/N]"), "asked before refusing: {rest:?}");
    assert!(
        rest.contains("tokenctl: policy max-grace: a grace period may be at most 7d"),
        "{rest:?}"
    );
    assert_eq!(env.actions(id), ["created"]);
    assert_eq!(answer(&env, &old, &[]).0, 0);
}

#[test]
fn reset_owner_hands_the_token_over() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "bot", "--owner", "alice", "--scope", "deploy"]);
    let before = env.show(id);
    let v = reset(&env, id, &["--owner", "bob"]);
    let new = secret(&v);
    assert_ne!(new, old);
    assert_eq!(v["owner"], "bob");
    assert_eq!(v["name"], "bot");
    assert_eq!(v["scopes"], before["scopes"]);
    assert_eq!(v["created_at"], before["created_at"]);
    assert_eq!(v["previous_valid_until"], Value::Null);
    assert_eq!(env.show(id)["owner"], "bob");
    assert_eq!(
        answer(&env, &new, &["--owner", "bob"]),
        (0, Value::Null, id.into(), Value::Null)
    );
    assert_eq!(
        answer(&env, &new, &["--owner", "alice"]),
        (3, "wrong_owner".into(), id.into(), Value::Null)
    );
    assert_eq!(
        answer(&env, &old, &[]),
        (3, "rotated".into(), id.into(), Value::Null)
    );
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log[1]["action"], "reset");
    assert_eq!(
        log[1]["detail"],
        format!(
            "expires {}, old secret rotated at once, owner \"alice\" -> \"bob\"",
            v["expires_at"].as_str().unwrap()
        )
    );
    // To the owner it already has: no hand-over in the detail.
    let v = reset(&env, id, &["--owner", "bob"]);
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(
        log[2]["detail"],
        format!(
            "expires {}, old secret rotated at once",
            v["expires_at"].as_str().unwrap()
        )
    );
}

#[test]
fn the_reset_event_names_the_end_of_the_grace() {
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "n", "--owner", "alice"]);
    let v = reset(
        &env,
        id,
        &["--grace", "12h", "--expires-in", "30d", "--owner", "carol"],
    );
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log.as_array().unwrap().len(), 2, "{log}");
    assert_eq!(log[1]["action"], "reset");
    assert_eq!(
        log[1]["detail"],
        format!(
            "expires {}, old secret valid until {}, owner \"alice\" -> \"carol\"",
            v["expires_at"].as_str().unwrap(),
            v["previous_valid_until"].as_str().unwrap()
        )
    );
}

#[test]
fn the_dump_carries_the_replaced_hash_and_a_load_keeps_the_grace() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    let v = reset(&env, id, &["--grace", "1h"]);
    let new = secret(&v);
    let end = v["previous_valid_until"].clone();
    let (plain, plain_secret) = env.create(&["--name", "never reset"]);

    let text = env.cmd(&["dump"]).run().success().stderr_is("").stdout;
    for s in [&old, &new, &plain_secret] {
        assert!(!text.contains(&s[4..]), "a secret in the dump");
        assert!(!text.contains(&s[s.len() - 20..]), "a secret in the dump");
    }
    let lines = crate::dump::dump(&env);
    let tokens: Vec<&Value> = lines.iter().filter_map(|l| l.get("token")).collect();
    assert_eq!(tokens.len(), 2, "{lines:?}");
    assert_eq!(tokens[0]["id"], id);
    assert_eq!(tokens[0]["hash"], hex_sha256(&new));
    assert_eq!(tokens[0]["previous_hash"], hex_sha256(&old));
    assert_eq!(tokens[0]["previous_valid_until"], end);
    assert_eq!(tokens[1]["id"], plain);
    assert_eq!(tokens[1]["hash"], hex_sha256(&plain_secret));
    assert_eq!(tokens[1]["previous_hash"], Value::Null);
    assert_eq!(tokens[1]["previous_valid_until"], Value::Null);

    let to = env.another();
    to.cmd(&["-q", "load"])
        .stdin(text)
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    assert_eq!(to.show(id)["previous_valid_until"], end);
    for s in [&old, &new, &plain_secret] {
        assert_eq!(
            unused(to.verify(s, &[]).1),
            unused(env.verify(s, &[]).1),
            "the loaded database answers as the dumped one"
        );
    }
    assert_eq!(
        answer(&to, &old, &[]),
        (0, Value::Null, id.into(), end.clone())
    );
    // The grace ends in the loaded database as in the first.
    end_grace(&to, id);
    assert_eq!(
        answer(&to, &old, &[]),
        (3, "rotated".into(), id.into(), Value::Null)
    );
    assert_eq!(answer(&to, &new, &[]).0, 0);
}

#[test]
fn a_reset_with_grace_racing_a_revoke_leaves_both_secrets_revoked() {
    let Some(env) = Env::new() else { return };
    for _ in 0..10 {
        let (id, old) = env.create(&["--name", "raced"]);
        let id_text = id.to_string();
        let barrier = std::sync::Barrier::new(2);
        let (reset_out, revoke_out) = std::thread::scope(|s| {
            let resetting = s.spawn(|| {
                barrier.wait();
                env.cmd(&["--json", "reset", &id_text, "--grace", "1h", "--yes"])
                    .run()
            });
            let revoking = s.spawn(|| {
                barrier.wait();
                env.cmd(&["-q", "revoke", &id_text, "--yes"]).run()
            });
            (resetting.join().unwrap(), revoking.join().unwrap())
        });
        let revoke_out = revoke_out.success().stdout_is("").stderr_is("");
        drop(revoke_out);
        assert_eq!(env.show(id)["status"], "revoked");
        match reset_out.code {
            0 => {
                // The reset came first: the revoke ends both secrets.
                let v = reset_out.json();
                let new = secret(&v);
                let end = v["previous_valid_until"].clone();
                assert!(end.is_string(), "{v}");
                assert_eq!(
                    answer(&env, &old, &[]),
                    (3, "revoked".into(), id.into(), end),
                    "the replaced secret of token {id}"
                );
                assert_eq!(
                    answer(&env, &new, &[]),
                    (3, "revoked".into(), id.into(), Value::Null),
                    "the new secret of token {id}"
                );
                assert_eq!(env.actions(id), ["created", "reset", "revoked"]);
            }
            6 => {
                // The revoke came first: nothing to reset.
                reset_out
                    .stdout_is("")
                    .error_has(&format!("cannot reset token {id}: it is revoked"));
                assert_eq!(
                    answer(&env, &old, &[]),
                    (3, "revoked".into(), id.into(), Value::Null)
                );
                assert_eq!(env.actions(id), ["created", "revoked"]);
            }
            _ => panic!("reset of token {id}: {reset_out:?}"),
        }
    }
}

#[test]
fn batch_answers_as_single_verify_does() {
    let Some(env) = Env::new() else { return };
    let (a, a_old) = env.create(&["--name", "in grace"]);
    let a_new = secret(&reset(&env, a, &["--grace", "1h"]));
    let (b, b_old) = env.create(&["--name", "grace over"]);
    let b_new = secret(&reset(&env, b, &["--grace", "1h"]));
    end_grace(&env, b);
    let (c, c_old) = env.create(&["--name", "no grace"]);
    let c_new = secret(&reset(&env, c, &[]));
    let inputs = [&a_old, &a_new, &b_old, &b_new, &c_old, &c_new];
    let input: String = inputs.iter().map(|s| format!("{s}\n")).collect();
    let out = env.batch(input);
    let batch: Vec<Value> = out.json_lines().into_iter().map(unused).collect();
    assert_eq!(batch.len(), inputs.len());
    let reasons: Vec<&Value> = batch.iter().map(|v| &v["reason"]).collect();
    assert_eq!(
        reasons,
        [
            &Value::Null,
            &Value::Null,
            &Value::from("rotated"),
            &Value::Null,
            &Value::from("rotated"),
            &Value::Null
        ]
    );
    assert!(batch[0]["grace_until"].is_string(), "{}", batch[0]);
    for (s, line) in inputs.iter().zip(&batch) {
        let (code, single) = env.verify(s, &[]);
        assert_eq!(line, &unused(single), "batch and single disagree");
        let expected = if line["valid"] == true { 0 } else { 3 };
        assert_eq!(code, expected, "{line}");
    }
}
