//! `revoke`: the question on a real terminal, the refusal without one, the
//! order of checks, `--owner`, and what -q and --json print; on both
//! backends.

use serde_json::Value;

use crate::{Env, pty, pty_end};

fn last4(secret: &str) -> &str {
    &secret[secret.len() - 4..]
}

/// Runs `revoke ID` on a terminal, types `keys` at the question (Ctrl-D as
/// `\x04`, Backspace as DEL, `\x7f`, as terminals send it) and returns
/// (the question, what followed it, exit code).
fn answer(env: &Env, id: i64, keys: &str) -> (String, String, i32) {
    let mut p = pty(env.cmd(&["revoke", &id.to_string()]).command(), false);
    let question = p.exp_string("[y/N] ").unwrap();
    p.send(keys).unwrap();
    p.flush().unwrap();
    let (rest, code) = pty_end(p);
    (question, rest, code)
}

#[test]
fn on_a_terminal_it_asks_and_yes_revokes() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "CI deploy", "--owner", "alice"]);
    let (question, rest, code) = answer(&env, id, "y\n");
    assert_eq!(
        question,
        format!(
            "Revoke token 1 \"CI deploy\" (owner alice, tok_****{}, expires in 180 days)? This cannot be undone. ",
            last4(&secret)
        )
    );
    assert_eq!(code, 0, "{rest}");
    // What was typed is echoed, then the note.
    assert_eq!(rest, "y\r\nrevoked token 1\r\n");
    assert_eq!(env.show(id)["status"], "revoked");
    assert_eq!(env.actions(id), ["created", "revoked"]);
    let (code, v) = env.verify(&secret, &[]);
    assert_eq!((code, v["reason"].as_str()), (3, Some("revoked")));
}

#[test]
fn only_a_line_saying_y_or_yes_confirms() {
    // issue 10 item 14: "not yet" and Enter revoked the token (the last
    // y/n key decided); Backspace did not undo; Ctrl-D was ignored.
    let Some(env) = Env::new() else { return };
    let declines = [
        ("n\n", "n"),
        ("not yet\n", "not yet"),
        ("yesterday\n", "yesterday"),
        ("ny\n", "ny"),
        ("yn\n", "yn"),
        ("no\n", "no"),
        ("\n", ""),
        ("  \n", "  "),
        // Ctrl-D on an empty line: end of input.
        ("\x04", ""),
        // y, Ctrl-D (which hands "y" over without Enter), Ctrl-D (end).
        ("y\x04\x04", "y"),
        // y, Backspace, n.
        ("y\x7fn\n", "y\x08 \x08n"),
        ("yes\x7f\x7f\x7f\n", "yes\x08 \x08\x08 \x08\x08 \x08"),
    ];
    let (id, secret) = env.create(&["--name", "n", "--no-expiry"]);
    for (keys, echoed) in declines {
        let (question, rest, code) = answer(&env, id, keys);
        assert_eq!(
            question,
            format!(
                "Revoke token 1 \"n\" (tok_****{})? This cannot be undone. ",
                last4(&secret)
            ),
            "a token without owner and expiry names neither"
        );
        assert_eq!(code, 1, "keys {keys:?}: {rest:?}");
        // The typed line is echoed as typed, then the line ends (Enter, or
        // tokenctl itself after Ctrl-D) and the refusal follows.
        assert_eq!(
            rest,
            format!(
                "{echoed}\r\ntokenctl: did not revoke token 1: not confirmed; nothing changed\r\n"
            ),
            "keys {keys:?}"
        );
        assert_eq!(env.show(id)["status"], "active", "keys {keys:?}");
        assert_eq!(env.actions(id), ["created"], "keys {keys:?}");
        assert_eq!(env.verify(&secret, &[]).0, 0);
    }
    let confirms = [
        ("y\n", "y"),
        ("Y\n", "Y"),
        ("yes\n", "yes"),
        ("YeS\n", "YeS"),
        (" YES \n", " YES "),
        ("\ty\n", "\ty"),
        // n, Backspace, y.
        ("n\x7fy\n", "n\x08 \x08y"),
        (
            "not yet\x7f\x7f\x7f\x7f\x7f\x7f\x7fyes\n",
            &format!("not yet{}yes", "\x08 \x08".repeat(7)),
        ),
        // Enter as a terminal sends it: a carriage return.
        ("y\r", "y"),
    ];
    for (keys, echoed) in confirms {
        let (id, secret) = env.create(&["--name", "n"]);
        let (_, rest, code) = answer(&env, id, keys);
        assert_eq!(code, 0, "keys {keys:?}: {rest:?}");
        assert_eq!(
            rest,
            format!("{echoed}\r\nrevoked token {id}\r\n"),
            "keys {keys:?}"
        );
        assert_eq!(env.show(id)["status"], "revoked", "keys {keys:?}");
        assert_eq!(env.verify(&secret, &[]).0, 3);
    }
}

#[test]
fn the_hint_stays_y_slash_capital_n_whatever_is_typed() {
    // issue 10 item 14: the hint flipped to [Y/n] after a y.
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "n"]);
    let mut p = pty(env.cmd(&["revoke", &id.to_string()]).command(), true);
    p.exp_string("This cannot be undone. [y/N] ").unwrap();
    p.send("y\x7fyy\x7f\x7fn\n").unwrap();
    p.flush().unwrap();
    let (rest, code) = pty_end(p);
    assert_eq!(code, 1, "{rest:?}");
    assert!(
        !rest.contains("[Y/n]") && !rest.contains("[y/N]"),
        "{rest:?}"
    );
    // No escape sequence of a full-screen prompt: the terminal does it all.
    assert!(!rest.contains('\x1b'), "{rest:?}");
    assert_eq!(env.show(id)["status"], "active");
}

#[test]
fn ctrl_c_at_the_question_changes_nothing_and_exits_130() {
    // issue 10 item 14: Ctrl-C kills tokenctl by SIGINT before anything
    // changed; a shell reports that as exit status 130. The shell traps
    // SIGINT itself so that it lives on to say so (a trapped signal is
    // reset to its default in the command it runs).
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "n"]);
    for typed in ["", "y", "yes"] {
        let cmd = env
            .cmd(&["revoke", &id.to_string()])
            .through(
                std::path::Path::new("sh"),
                &["-c", r#"trap : INT; "$@"; echo "status $?""#, "sh"],
            )
            .command();
        let mut p = pty(cmd, false);
        p.exp_string("[y/N] ").unwrap();
        p.send(typed).unwrap();
        p.flush().unwrap();
        p.send_control('c').unwrap();
        let (rest, code) = pty_end(p);
        assert_eq!(code, 0, "{rest:?}");
        assert!(
            rest.ends_with("status 130\r\n"),
            "typed {typed:?}: {rest:?}"
        );
        assert_eq!(env.show(id)["status"], "active");
        assert_eq!(env.actions(id), ["created"]);
    }
}

#[test]
fn names_and_owners_from_the_database_are_shown_escaped() {
    // issue 10 item 14: text from the database goes through text::escape.
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "plain", "--owner", "alice"]);
    // As an older version or another program might have stored them.
    env.sql("UPDATE tokens SET name = 'ev\u{202e}il', owner = 'bo\u{202e}\u{1b}b' WHERE id = 1");
    let (question, _, code) = answer(&env, id, "n\n");
    assert_eq!(code, 1);
    assert!(
        question
            .starts_with("Revoke token 1 \"ev\\u{202e}il\" (owner bo\\u{202e}\\u{1b}b, tok_****"),
        "{question:?}"
    );
    assert!(
        !question.contains('\u{202e}') && !question.contains('\x1b'),
        "{question:?}"
    );
}

#[test]
fn without_a_terminal_it_refuses_unless_yes() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n", "--owner", "alice"]);
    // The test harness's stdin is a pipe, never a terminal.
    env.cmd(&["revoke", "1"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("pass --yes");
    env.cmd(&["revoke", "--owner", "alice"])
        .run()
        .code(2)
        .error_has("pass --yes");
    assert_eq!(env.show(id)["status"], "active");
    assert_eq!(env.actions(id), ["created"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);

    env.cmd(&["revoke", "1", "--yes"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("revoked token 1\n");
    assert_eq!(env.show(id)["status"], "revoked");
}

#[test]
fn a_terminal_on_stdin_is_not_enough_when_stderr_is_redirected() {
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "n"]);
    let log = env.dir().join("stderr.txt");
    let mut cmd = env.cmd(&["revoke", "1"]).command();
    cmd.stderr(std::fs::File::create(&log).unwrap());
    let (rest, code) = pty_end(pty(cmd, false));
    assert_eq!(code, 2, "{rest}");
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        stderr.starts_with("tokenctl: refusing to revoke token 1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("stderr is not a terminal, so the question cannot be shown; pass --yes"),
        "{stderr}"
    );
    assert_eq!(env.show(id)["status"], "active");
}

#[test]
fn checks_come_in_order_unknown_id_then_state_then_question() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    // Unknown id: 5, not the refusal for want of --yes.
    env.cmd(&["revoke", "7"])
        .run()
        .code(5)
        .error_has("no token with id 7");
    env.cmd(&["revoke", "1", "--yes"]).run().success();
    let revoked_at = env.show(1)["revoked_at"].clone();
    // Already revoked: 0 with a note, asking nothing even without a terminal.
    env.cmd(&["revoke", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("token 1 is already revoked; nothing changed\n");
    env.cmd(&["-q", "revoke", "1"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    assert_eq!(env.show(1)["revoked_at"], revoked_at);
    assert_eq!(env.actions(1), ["created", "revoked"]);
}

#[test]
fn quiet_prints_nothing_and_json_prints_the_token() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "a"]);
    env.create(&["--name", "b"]);
    env.cmd(&["-q", "revoke", "1", "--yes"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    let out = env
        .cmd(&["--json", "revoke", "2", "--yes"])
        .run()
        .success()
        .stderr_is("revoked token 2\n");
    let v = out.json();
    assert_eq!(v["id"], 2);
    assert_eq!(v["status"], "revoked");
    assert!(v["revoked_at"].as_str().unwrap().ends_with('Z'));
    assert!(v.get("token").is_none(), "no secret after create");
    assert_eq!(v, env.show(2));
}

#[test]
fn revoked_is_final_for_reset_enable_and_disable() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    env.cmd(&["revoke", "1", "--yes"]).run().success();
    for args in [
        &["reset", "1", "--yes"][..],
        &["enable", "1"],
        &["disable", "1"],
    ] {
        env.cmd(args)
            .run()
            .code(6)
            .stdout_is("")
            .error_has("token 1: it is revoked");
    }
    assert_eq!(env.actions(1), ["created", "revoked"]);
}

#[test]
fn owner_revokes_every_token_not_revoked_yet_in_one_go() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "active", "--owner", "alice"]); // 1
    env.create(&["--name", "other", "--owner", "bob"]); // 2
    env.create(&["--name", "disabled", "--owner", "alice"]); // 3
    env.create(&["--name", "expired", "--owner", "alice"]); // 4
    env.create(&["--name", "gone", "--owner", "alice"]); // 5
    env.create(&["--name", "case", "--owner", "Alice"]); // 6
    env.cmd(&["-q", "disable", "3"]).run().success();
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET expires_at = {} WHERE id = 4",
            crate::now() - 60
        )),
        1
    );
    env.cmd(&["-q", "revoke", "5", "--yes"]).run().success();
    let revoked_5 = env.show(5)["revoked_at"].clone();

    let out = env
        .cmd(&[
            "--json", "--actor", "ops", "revoke", "--owner", "alice", "--yes",
        ])
        .run()
        .success()
        .stderr_is("revoked 3 tokens of owner \"alice\": 1, 3, 4\n");
    let v = out.json();
    let ids: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 3, 4]);
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "revoked")
    );
    for id in [1, 3, 4] {
        assert_eq!(env.show(id)["status"], "revoked");
    }
    // Other owners (matched exactly, case included) keep their tokens, and
    // a token revoked before keeps its revocation time and trail.
    assert_eq!(env.show(2)["status"], "active");
    assert_eq!(env.show(6)["status"], "active");
    assert_eq!(env.show(5)["revoked_at"], revoked_5);
    assert_eq!(env.actions(5), ["created", "revoked"]);

    // One transaction: one time for all, one event each, with the reason.
    let log = env.cmd(&["--json", "log"]).run().success().json();
    let events: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "ops")
        .collect();
    assert_eq!(events.len(), 3);
    for (e, id) in events.iter().zip([1, 3, 4]) {
        assert_eq!(e["token_id"], id);
        assert_eq!(e["action"], "revoked");
        assert_eq!(e["at"], events[0]["at"]);
        assert_eq!(e["detail"], "all tokens of owner alice");
    }

    // Again: nothing left to revoke is success with a note.
    env.cmd(&["--json", "revoke", "--owner", "alice"])
        .run()
        .success()
        .stdout_is("[]\n")
        .stderr_is("every token of owner \"alice\" is revoked already; nothing changed\n");
    // An owner with no token at all is exit 5, even with -q (issue 10
    // item 13); one that differs only in case is suggested.
    env.cmd(&["-q", "revoke", "--owner", "nobody", "--yes"])
        .run()
        .code(5)
        .stdout_is("")
        .error_has("no token has owner \"nobody\"");
    env.cmd(&["--json", "revoke", "--owner", "ALICE", "--yes"])
        .run()
        .code(5)
        .stdout_is("")
        .error_has("no token has owner \"ALICE\"; did you mean \"Alice\" or \"alice\"?");
}

#[test]
fn owner_asks_once_saying_how_many() {
    let Some(env) = Env::new() else { return };
    for name in ["a", "b", "c"] {
        env.create(&["--name", name, "--owner", "alice"]);
    }
    env.create(&["--name", "d", "--owner", "bob"]);
    let mut p = pty(env.cmd(&["revoke", "--owner", "alice"]).command(), false);
    let before = p.exp_string("[y/N] ").unwrap();
    assert_eq!(
        before,
        "Revoke all 3 tokens of owner \"alice\" not revoked yet (ids 1, 2, 3)? This cannot be undone. "
    );
    p.send_line("y").unwrap();
    let (rest, code) = pty_end(p);
    assert_eq!(code, 0, "{rest}");
    assert_eq!(rest.matches("[y/N]").count(), 0, "asked again: {rest:?}");
    assert!(
        rest.contains("revoked 3 tokens of owner \"alice\": 1, 2, 3"),
        "{rest:?}"
    );
    for id in 1..=3 {
        assert_eq!(env.show(id)["status"], "revoked");
    }
    assert_eq!(env.show(4)["status"], "active");

    // Declined: none of them changes.
    env.create(&["--name", "e", "--owner", "bob"]);
    let mut p = pty(env.cmd(&["revoke", "--owner", "bob"]).command(), false);
    p.exp_string("Revoke all 2 tokens of owner \"bob\" not revoked yet (ids 4, 5)?")
        .unwrap();
    p.send_line("").unwrap();
    let (rest, code) = pty_end(p);
    assert_eq!(code, 1, "{rest}");
    assert_eq!(env.show(4)["status"], "active");
    assert_eq!(env.show(5)["status"], "active");
}

#[test]
fn owner_with_one_token_names_it() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "solo", "--owner", "carol", "--no-expiry"]);
    let mut p = pty(env.cmd(&["revoke", "--owner", "carol"]).command(), false);
    let before = p.exp_string("[y/N] ").unwrap();
    assert_eq!(
        before,
        format!(
            "Revoke token 1 \"solo\" (owner carol, tok_****{}), the only token of owner \"carol\" not revoked yet? This cannot be undone. ",
            last4(&secret)
        )
    );
    p.send_line("n").unwrap();
    assert_eq!(pty_end(p).1, 1);
    assert_eq!(env.show(1)["status"], "active");
}

#[test]
fn bad_arguments_are_usage_errors() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n", "--owner", "alice"]);
    for args in [
        &["revoke"][..],
        &["revoke", "1", "--owner", "alice", "--yes"],
        &["revoke", "--owner", "", "--yes"],
        &["revoke", "0", "--yes"],
        &["revoke", "x", "--yes"],
    ] {
        env.cmd(args).run().code(2).stdout_is("");
    }
    assert_eq!(env.show(1)["status"], "active");
}
