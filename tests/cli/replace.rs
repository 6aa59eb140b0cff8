//! `create --replace` under `one-per-owner`: the owner's live token revoked
//! and the new one issued in one step, after a question that names the
//! token that goes; and the rule under concurrency, where of many parallel
//! creates for one owner exactly one succeeds; on both backends.

use std::sync::Barrier;

use serde_json::Value;

use crate::policy::{set, state};
use crate::{Env, now, pty, pty_end};

const PARALLEL: usize = 10;

fn last4(secret: &str) -> &str {
    &secret[secret.len() - 4..]
}

/// The live (neither revoked nor expired) tokens of `owner`.
fn live_of(env: &Env, owner: &str) -> Vec<Value> {
    env.cmd(&["--json", "list", "--owner", owner])
        .run()
        .success()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !matches!(t["status"].as_str(), Some("revoked" | "expired")))
        .cloned()
        .collect()
}

/// The events of token `id` as (action, detail).
fn trail(env: &Env, id: i64) -> Vec<(String, Value)> {
    env.cmd(&["--json", "log", &id.to_string()])
        .run()
        .success()
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["detail"].clone(),
            )
        })
        .collect()
}

#[test]
fn with_yes_the_live_token_is_revoked_and_the_new_one_issued_in_one_step() {
    let Some(env) = Env::new() else { return };
    // alice's expired token is not live, and stays as it is.
    let (expired, _) = env.create(&["--name", "older", "--owner", "alice"]);
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET expires_at = {} WHERE id = {expired}",
            now() - 60
        )),
        1
    );
    set(&env, "one-per-owner", "on");
    let (old, old_secret) = env.create(&["--name", "laptop", "--owner", "alice"]);
    let (bob, bob_secret) = env.create(&["--name", "bob's", "--owner", "bob"]);

    let out = env
        .cmd(&[
            "create",
            "--name",
            "desktop",
            "--owner",
            "alice",
            "--replace",
            "--yes",
        ])
        .run()
        .success();
    let secret = out.stdout.strip_suffix('\n').expect("a newline").to_owned();
    let new = 4;
    assert_eq!(
        out.stderr,
        format!(
            "revoked 1 token, replaced by token {new}: {old}\n\
             created token {new} \"desktop\" (owner alice, tok_****{}, expires in 180 days)\n\
             This is the only time the secret is shown: store it now.\n",
            last4(&secret)
        )
    );
    assert_eq!(env.show(old)["status"], "revoked");
    assert_eq!(env.show(new)["status"], "active");
    assert_eq!(env.show(new)["owner"], "alice");
    assert_eq!(env.show(expired)["status"], "expired");
    assert_eq!(env.show(bob)["status"], "active");
    let events = trail(&env, old);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].0, "created");
    assert_eq!(
        events[1],
        (
            "revoked".to_owned(),
            Value::from(format!("replaced by token {new}"))
        )
    );
    assert_eq!(env.actions(new), ["created"]);
    assert_eq!(env.actions(expired), ["created"]);
    let (code, v) = env.verify(&old_secret, &[]);
    assert_eq!((code, v["reason"].as_str()), (3, Some("revoked")));
    assert_eq!(env.verify(&secret, &[]).0, 0);
    assert_eq!(env.verify(&bob_secret, &[]).0, 0);
    assert_eq!(
        live_of(&env, "alice")
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [new]
    );

    // -q: the secret and a newline, nothing else; --json: the token object.
    let out = env
        .cmd(&[
            "-q",
            "create",
            "--name",
            "d2",
            "--owner",
            "alice",
            "--replace",
            "--yes",
        ])
        .run()
        .success()
        .stderr_is("");
    assert_eq!(out.stdout.lines().count(), 1);
    assert_eq!(env.show(new)["status"], "revoked");
    let out = env
        .cmd(&[
            "--json",
            "create",
            "--name",
            "d3",
            "--owner",
            "alice",
            "--replace",
            "--yes",
        ])
        .run()
        .success();
    let v = out.json();
    assert_eq!(v["id"], 6);
    assert_eq!(v["owner"], "alice");
    assert_eq!(env.show(5)["status"], "revoked");
    assert_eq!(
        trail(&env, 5).last().unwrap().1,
        Value::from("replaced by token 6")
    );
    assert_eq!(live_of(&env, "alice").len(), 1);
}

#[test]
fn replace_for_an_owner_with_no_live_token_just_creates() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    let out = env
        .cmd(&[
            "create",
            "--name",
            "first",
            "--owner",
            "zed",
            "--replace",
            "--yes",
        ])
        .run()
        .success();
    assert!(!out.stderr.contains("revoked"), "{}", out.stderr);
    assert_eq!(env.actions(1), ["created"]);
    assert_eq!(live_of(&env, "zed").len(), 1);
}

#[test]
fn without_yes_and_without_a_terminal_it_refuses_and_nothing_changes() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    let (old, secret) = env.create(&["--name", "laptop", "--owner", "alice"]);
    let before = state(&env);
    env.cmd(&[
        "create",
        "--name",
        "desktop",
        "--owner",
        "alice",
        "--replace",
    ])
    .run()
    .code(2)
    .stdout_is("")
    .error_has("pass --yes");
    assert_eq!(state(&env), before);
    // The plain create is refused by the rule, and says how to replace.
    env.cmd(&["create", "--name", "desktop", "--owner", "alice"])
        .run()
        .code(6)
        .stdout_is("")
        .error_has("pass --replace");
    assert_eq!(state(&env), before);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    assert_eq!(env.show(old)["status"], "active");
}

#[test]
fn replace_without_owner_is_a_usage_error() {
    let Some(env) = Env::new() else { return };
    // Refused before a database is made.
    env.cmd(&["create", "--name", "n", "--replace", "--yes"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("--owner");
    env.cmd(&["create", "--name", "n", "--replace"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("--owner");
    // --yes belongs to --replace.
    env.cmd(&["create", "--name", "n", "--owner", "alice", "--yes"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("--replace");
    assert!(!env.exists(), "a usage error made a database");

    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    env.create(&["--name", "a", "--owner", "alice"]);
    let before = state(&env);
    env.cmd(&["create", "--name", "n", "--replace", "--yes"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("--owner");
    assert_eq!(state(&env), before);
}

/// Runs `create --name desktop --owner alice --replace` on a terminal with
/// the secret going to a file; returns (the question, what followed it,
/// exit code, what reached the file).
fn on_a_terminal(env: &Env, answer: &str) -> (String, String, i32, String) {
    let file = env.dir().join("secret.txt");
    let mut cmd = env
        .cmd(&[
            "create",
            "--name",
            "desktop",
            "--owner",
            "alice",
            "--replace",
        ])
        .command();
    cmd.stdout(std::fs::File::create(&file).unwrap());
    let mut p = pty(cmd, false);
    let question = p.exp_string("[y/N] ").unwrap();
    p.send_line(answer).unwrap();
    let (rest, code) = pty_end(p);
    let secret = std::fs::read_to_string(&file).unwrap();
    (question, rest, code, secret)
}

#[test]
fn on_a_terminal_the_question_names_the_token_that_goes() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    let (old, old_secret) = env.create(&["--name", "laptop", "--owner", "alice"]);
    let question = format!(
        "Create a token for \"alice\" and revoke token {old} \"laptop\" (owner alice, tok_****{}, expires in 180 days), which it replaces? The revoke cannot be undone. ",
        last4(&old_secret)
    );

    // n, and an empty line, decline: exit 1 and nothing changed.
    let before = state(&env);
    for answer in ["n", ""] {
        let (asked, rest, code, secret) = on_a_terminal(&env, answer);
        assert_eq!(asked, question);
        assert_eq!(code, 1, "{answer:?}: {rest:?}");
        assert!(rest.contains("not confirmed; nothing changed"), "{rest:?}");
        assert_eq!(
            rest.lines().filter(|l| l.starts_with("tokenctl: ")).count(),
            1,
            "{rest:?}"
        );
        assert_eq!(secret, "");
        assert_eq!(state(&env), before, "{answer:?} changed something");
    }
    assert_eq!(env.verify(&old_secret, &[]).0, 0);

    // y confirms.
    let (asked, rest, code, secret) = on_a_terminal(&env, "y");
    assert_eq!(asked, question);
    assert_eq!(code, 0, "{rest:?}");
    let secret = secret.strip_suffix('\n').expect("a newline");
    assert!(
        rest.contains("revoked 1 token, replaced by token 2: 1"),
        "{rest:?}"
    );
    assert!(!rest.contains(secret), "the secret reached the terminal");
    assert_eq!(env.show(old)["status"], "revoked");
    assert_eq!(
        trail(&env, old).last().unwrap().1,
        Value::from("replaced by token 2")
    );
    assert_eq!(env.verify(secret, &[]).0, 0);
    assert_eq!(env.verify(&old_secret, &[]).1["reason"], "revoked");
    assert_eq!(live_of(&env, "alice").len(), 1);
}

#[test]
fn of_many_parallel_creates_for_one_owner_exactly_one_succeeds() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    let start = Barrier::new(PARALLEL);
    let outs: Vec<crate::Out> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..PARALLEL)
            .map(|i| {
                let (env, start) = (&env, &start);
                s.spawn(move || {
                    let run = env.cmd(&[
                        "-q",
                        "create",
                        "--name",
                        &format!("c{i}"),
                        "--owner",
                        "alice",
                    ]);
                    start.wait();
                    run.run()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for out in &outs {
        crate::concurrency::no_lock_error(&out.stderr);
    }
    let (won, lost): (Vec<&crate::Out>, Vec<&crate::Out>) = outs.iter().partition(|o| o.code == 0);
    assert_eq!(won.len(), 1, "{outs:#?}");
    assert_eq!(won[0].stderr, "");
    let live = live_of(&env, "alice");
    assert_eq!(live.len(), 1, "{live:?}");
    let id = live[0]["id"].as_i64().unwrap();
    for out in lost {
        assert_eq!(out.code, 6, "{out:?}");
        assert_eq!(out.stdout, "");
        assert!(
            out.stderr.starts_with("tokenctl: policy one-per-owner: ")
                && out
                    .stderr
                    .contains(&format!("already holds token {id}; pass --replace"))
                && out.stderr.lines().count() == 1,
            "{:?}",
            out.stderr
        );
    }
    // One token, one created event; the secret printed is its own.
    assert_eq!(env.listed_ids(), [id]);
    assert_eq!(env.actions(id), ["created"]);
    assert_eq!(
        crate::policy::events(&env).len(),
        2,
        "the policy event and one created"
    );
    let secret = won[0].stdout.trim_end();
    assert_eq!(env.verify(secret, &[]).1["token"]["id"], id);
}

#[test]
fn of_many_parallel_replaces_for_one_owner_one_token_stays_live() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    set(&env, "one-per-owner", "on");
    env.create(&["--name", "first", "--owner", "alice"]);
    let start = Barrier::new(PARALLEL);
    let outs: Vec<crate::Out> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..PARALLEL)
            .map(|i| {
                let (env, start) = (&env, &start);
                s.spawn(move || {
                    let run = env.cmd(&[
                        "-q",
                        "create",
                        "--name",
                        &format!("r{i}"),
                        "--owner",
                        "alice",
                        "--replace",
                        "--yes",
                    ]);
                    start.wait();
                    run.run()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut secrets = Vec::new();
    for out in &outs {
        crate::concurrency::no_lock_error(&out.stderr);
        if out.code == 0 {
            assert_eq!(out.stderr, "");
            secrets.push(out.stdout.trim_end().to_owned());
        } else {
            assert_eq!(out.code, 6, "{out:?}");
            assert_eq!(out.stdout, "");
            assert!(
                out.stderr.starts_with("tokenctl: policy one-per-owner: ")
                    && out.stderr.lines().count() == 1,
                "{:?}",
                out.stderr
            );
        }
    }
    assert!(!secrets.is_empty(), "none succeeded: {outs:#?}");
    let live = live_of(&env, "alice");
    assert_eq!(live.len(), 1, "{live:?}");
    let ids = env.listed_ids();
    assert_eq!(ids.len(), 1 + secrets.len(), "one token per success");
    // Every token but the last was replaced by one issued after it.
    let last = *ids.last().unwrap();
    assert_eq!(live[0]["id"], last);
    for &id in &ids[..ids.len() - 1] {
        assert_eq!(env.show(id)["status"], "revoked", "token {id}");
        let (action, detail) = trail(&env, id).last().unwrap().clone();
        assert_eq!(action, "revoked");
        let by: i64 = detail
            .as_str()
            .unwrap()
            .strip_prefix("replaced by token ")
            .unwrap_or_else(|| panic!("{detail}"))
            .parse()
            .unwrap();
        assert!(by > id && ids.contains(&by), "token {id}: {detail}");
    }
    // Exactly one of the printed secrets still opens a token: the live one.
    let input: String = secrets.iter().map(|s| format!("{s}\n")).collect();
    let valid: Vec<Value> = env
        .batch(input)
        .json_lines()
        .into_iter()
        .filter(|v| v["valid"] == true)
        .collect();
    assert_eq!(valid.len(), 1, "{valid:?}");
    assert_eq!(valid[0]["token"]["id"], last);
}

#[test]
fn replace_revokes_every_live_token_the_owner_holds_from_before_the_rule() {
    let Some(env) = Env::new() else { return };
    let (a, _) = env.create(&["--name", "a", "--owner", "alice"]);
    let (b, _) = env.create(&["--name", "b", "--owner", "alice"]);
    set(&env, "one-per-owner", "on");
    let out = env
        .cmd(&[
            "--json",
            "create",
            "--name",
            "c",
            "--owner",
            "alice",
            "--replace",
            "--yes",
        ])
        .run()
        .success();
    let new = out.json()["id"].as_i64().unwrap();
    assert_eq!(new, 3);
    assert!(
        out.stderr
            .starts_with("revoked 2 tokens, replaced by token 3: 1, 2\n"),
        "{}",
        out.stderr
    );
    for id in [a, b] {
        assert_eq!(env.show(id)["status"], "revoked");
        assert_eq!(
            trail(&env, id).last().unwrap(),
            &("revoked".to_owned(), Value::from("replaced by token 3"))
        );
    }
    assert_eq!(live_of(&env, "alice").len(), 1);
}

#[test]
fn a_rule_that_refuses_the_new_token_refuses_before_the_question() {
    // SPEC §3: the checks come first, only then the confirmation. A token
    // the policy will refuse anyway is refused with 6 at once: a script is
    // not told to pass --yes only to be refused then, and an operator does
    // not confirm a revoke that cannot happen.
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "a", "--owner", "alice"]);
    set(&env, "one-per-owner", "on");
    set(&env, "allowed-scopes", "read,write");
    set(&env, "max-lifetime", "30d");
    for (flags, key) in [
        (&["--scope", "admin"][..], "allowed-scopes"),
        (&["--no-expiry"], "max-lifetime"),
        (&["--expires-in", "31d"], "max-lifetime"),
    ] {
        let mut args = vec!["create", "--name", "b", "--owner", "alice", "--replace"];
        args.extend_from_slice(flags);
        let before = state(&env);
        let out = env.cmd(&args).run();
        assert_eq!(out.code, 6, "{flags:?}: {}", out.stderr);
        let out = out.stdout_is("").error_has(&format!("policy {key}: "));
        assert!(out.stderr.starts_with(&format!("tokenctl: policy {key}: ")));
        assert_eq!(state(&env), before);

        // On a terminal: refused without a question.
        let mut p = pty(env.cmd(&args).command(), false);
        // Typed ahead: it answers a question if one is asked.
        let _ = p.send_line("y");
        let (rest, code) = pty_end(p);
        assert_eq!(code, 6, "{flags:?}: {rest:?}");
        assert!(!rest.contains("[y/N]"), "{flags:?}: asked {rest:?}");
        assert_eq!(state(&env), before);
    }
}
