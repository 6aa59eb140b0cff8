//! `reset`: a new secret under the same id, confirmed like revoke, printed
//! once like create's; what it keeps and what it sets anew; on both
//! backends.

use serde_json::Value;

use crate::{Env, now, pty, pty_end};

const DAY: i64 = 86_400;

fn epoch(rfc3339: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().expect("a time"))
        .unwrap()
        .timestamp()
}

fn is_token(s: &str) -> bool {
    s.starts_with("tok_")
        && s.len() == 4 + 43 + 6
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[test]
fn on_a_terminal_yes_resets_and_the_secret_goes_to_stdout_once() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&[
        "--name",
        "CI deploy",
        "--owner",
        "alice",
        "--expires-in",
        "90d",
    ]);
    let stdout = env.dir().join("stdout.txt");
    let mut cmd = env.cmd(&["reset", "1"]).command();
    cmd.stdout(std::fs::File::create(&stdout).unwrap());
    let mut p = pty(cmd, false);
    let before = p.exp_string("[y/N] ").unwrap();
    p.send_line("y").unwrap();
    let (rest, code) = pty_end(p);
    assert_eq!(code, 0, "{rest}");
    // issue 10 item 14: the question names the expiry the reset sets.
    let expires = env.show(id)["expires_at"].as_str().unwrap().to_owned();
    assert_eq!(
        before,
        format!(
            "Reset token 1 \"CI deploy\" (owner alice, tok_****{}, expires in 90 days)? Its current secret stops working at once; the new one expires {expires} (in 180 days). ",
            &old[old.len() - 4..]
        )
    );
    let secret = std::fs::read_to_string(&stdout).unwrap();
    let new = secret.strip_suffix('\n').expect("a newline");
    assert!(is_token(new), "{secret:?}");
    assert!(rest.starts_with("y\r\n"), "{rest:?}");
    assert!(
        rest.contains(&format!(
            "reset token 1 \"CI deploy\" (owner alice, tok_****{}, expires in 180 days)",
            &new[new.len() - 4..]
        )),
        "{rest:?}"
    );
    assert!(rest.contains("only time the secret is shown"), "{rest:?}");
    assert!(
        !rest.contains(new),
        "the secret reached the terminal's stderr"
    );
    assert_eq!(env.verify(new, &[]).0, 0);
    let (code, v) = env.verify(&old, &[]);
    assert_eq!((code, v["reason"].as_str()), (3, Some("rotated")));
    assert_eq!(env.actions(id), ["created", "reset"]);
}

#[test]
fn on_a_terminal_no_and_a_bare_enter_keep_the_old_secret() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n", "--owner", "bob"]);
    // Used once, so the checks below do not record a first use.
    assert_eq!(env.verify(&old, &[]).0, 0);
    let before = env.show(id);
    // issue 10 item 14: only a line saying y or yes confirms.
    for answer in ["n", "", "not yet", "yesterday", "ny", "y\x7fn", "\x04"] {
        let mut p = pty(env.cmd(&["reset", "1"]).command(), false);
        let prompt = p.exp_string("[y/N] ").unwrap();
        assert!(
            prompt.starts_with(&format!(
                "Reset token 1 \"n\" (owner bob, tok_****{}, expires in ",
                &old[old.len() - 4..]
            )),
            "{prompt:?}"
        );
        if answer == "\x04" {
            p.send_control('d').unwrap();
        } else {
            p.send_line(answer).unwrap();
        }
        let (rest, code) = pty_end(p);
        assert_eq!(code, 1, "answer {answer:?}: {rest}");
        assert!(
            rest.contains("tokenctl: did not reset token 1: not confirmed; nothing changed"),
            "{rest:?}"
        );
        assert!(!rest.split_whitespace().any(is_token), "a secret: {rest:?}");
        assert_eq!(env.show(id), before);
        assert_eq!(env.verify(&old, &[]).0, 0);
        assert_eq!(env.actions(id), ["created"]);
    }
}

#[test]
fn without_a_terminal_it_refuses_unless_yes_after_checking_id_and_state() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    env.cmd(&["reset", "1"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has(
            "refusing to reset token 1 without confirmation: stdin is not a terminal; pass --yes",
        );
    assert_eq!(env.verify(&old, &[]).0, 0);
    assert_eq!(env.actions(id), ["created"]);
    env.cmd(&["reset", "9"])
        .run()
        .code(5)
        .error_has("no token with id 9");
    env.create(&["--name", "r"]);
    env.cmd(&["-q", "revoke", "2", "--yes"]).run().success();
    env.cmd(&["reset", "2"])
        .run()
        .code(6)
        .stdout_is("")
        .error_has("cannot reset token 2: it is revoked");
    assert_eq!(env.actions(2), ["created", "revoked"]);
}

#[test]
fn same_id_name_owner_and_scopes_new_secret() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&[
        "--name",
        "deploy",
        "--owner",
        "ci@example.com",
        "--scope",
        "deploy",
        "--scope",
        "read",
    ]);
    env.verify(&old, &[]);
    let before = env.show(id);
    assert!(before["last_used_at"].is_string());
    let out = env
        .cmd(&["--json", "--actor", "ops", "reset", "1", "--yes"])
        .run()
        .success();
    let v = out.json();
    let new = v["token"].as_str().unwrap();
    assert!(is_token(new));
    assert_ne!(new, old);
    for field in ["id", "name", "owner", "scopes", "created_at", "created_by"] {
        assert_eq!(v[field], before[field], "{field}");
    }
    assert_eq!(v["status"], "active");
    assert_eq!(v["last4"], &new[new.len() - 4..]);
    assert_eq!(v["masked"], format!("tok_****{}", &new[new.len() - 4..]));
    // The new secret has not been used yet.
    assert_eq!(v["last_used_at"], Value::Null);
    // The token object is what show says, plus the secret.
    let mut shown = env.show(id);
    shown["token"] = Value::from(new);
    assert_eq!(v, shown);

    let (code, verdict) = env.verify(&old, &[]);
    assert_eq!((code, verdict["reason"].as_str()), (3, Some("rotated")));
    let (code, verdict) = env.verify(new, &["--require-scope", "deploy"]);
    assert_eq!(code, 0);
    assert_eq!(verdict["token"]["id"], id);

    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log[1]["action"], "reset");
    assert_eq!(log[1]["actor"], "ops");
    assert!(
        log[1]["detail"]
            .as_str()
            .unwrap()
            .ends_with(", old secret rotated at once"),
        "{log}"
    );
}

#[test]
fn the_secret_in_the_same_three_forms_as_create() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    // -q: the secret and a newline, nothing else anywhere.
    let out = env
        .cmd(&["-q", "reset", "1", "--yes"])
        .run()
        .success()
        .stderr_is("");
    let new = out.stdout.strip_suffix('\n').unwrap();
    assert!(is_token(new), "{:?}", out.stdout);
    assert_eq!(env.verify(new, &[]).0, 0);

    // Human: the secret alone on stdout, the warning on stderr.
    let out = env.cmd(&["reset", "1", "--yes"]).run().success();
    let new = out.stdout.strip_suffix('\n').unwrap();
    assert!(is_token(new), "{:?}", out.stdout);
    assert_eq!(
        out.stderr,
        format!(
            "reset token 1 \"n\" (tok_****{}, expires in 180 days)\n\
             This is the only time the secret is shown: store it now.\n",
            &new[new.len() - 4..]
        )
    );

    // JSON: one document, the token object plus the secret.
    let out = env.cmd(&["--json", "reset", "1", "--yes"]).run().success();
    let v = out.json();
    assert!(is_token(v["token"].as_str().unwrap()));
    assert_eq!(out.stdout.lines().count(), 1);
    assert_eq!(env.verify(v["token"].as_str().unwrap(), &[]).0, 0);
    assert_eq!(
        env.verify(new, &[]).0,
        3,
        "each reset kills the secret before"
    );
}

#[test]
fn expiry_flags_work_as_for_create() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n", "--expires-in", "1h"]);
    let reset = |args: &[&str]| -> Value {
        let mut all = vec!["--json", "reset", "1", "--yes"];
        all.extend_from_slice(args);
        env.cmd(&all).run().success().json()
    };
    let t = now();
    let v = reset(&[]);
    let e = epoch(&v["expires_at"]);
    assert!(
        (t + 180 * DAY..=now() + 180 * DAY).contains(&e),
        "default 180 days from now: {v}"
    );
    let v = reset(&["--expires-in", "1d12h"]);
    let e = epoch(&v["expires_at"]);
    assert!((t + 36 * 3600..=now() + 36 * 3600).contains(&e), "{v}");
    let v = reset(&["--expires-at", "2099-01-01"]);
    assert_eq!(v["expires_at"], "2099-01-01T00:00:00Z");
    let v = reset(&["--no-expiry"]);
    assert_eq!(v["expires_at"], Value::Null);

    for bad in [
        &["--expires-at", "2020-01-01"][..],
        &["--expires-in", "1d", "--no-expiry"],
        &["--expires-in", "soon"],
    ] {
        let mut all = vec!["reset", "1", "--yes"];
        all.extend_from_slice(bad);
        env.cmd(&all).run().code(2).stdout_is("");
    }
    assert_eq!(env.show(1)["expires_at"], Value::Null);
}

#[test]
fn an_expired_token_is_valid_again_after_reset() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    assert_eq!(
        env.sql(&format!(
            "UPDATE tokens SET expires_at = {} WHERE id = 1",
            now() - 3600
        )),
        1
    );
    assert_eq!(env.show(id)["status"], "expired");
    assert_eq!(env.verify(&old, &[]).1["reason"], "expired");
    let out = env.cmd(&["--json", "reset", "1", "--yes"]).run().success();
    let v = out.json();
    assert_eq!(v["status"], "active");
    assert_eq!(env.verify(v["token"].as_str().unwrap(), &[]).0, 0);
}

#[test]
fn a_disabled_token_stays_disabled() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    env.cmd(&["-q", "disable", "1"]).run().success();
    let out = env.cmd(&["reset", "1", "--yes"]).run().success();
    let new = out.stdout.trim_end();
    assert!(
        out.stderr
            .ends_with("token 1 is still disabled; 'tokenctl enable 1' switches it on\n"),
        "{}",
        out.stderr
    );
    assert_eq!(env.show(1)["status"], "disabled");
    let (code, v) = env.verify(new, &[]);
    assert_eq!((code, v["reason"].as_str()), (3, Some("disabled")));
    env.cmd(&["-q", "enable", "1"]).run().success();
    assert_eq!(env.verify(new, &[]).0, 0);
}

#[test]
fn an_undeliverable_new_secret_revokes_the_token() {
    let Some(env) = Env::new() else { return };
    let (id, old) = env.create(&["--name", "n"]);
    env.cmd(&["reset", "1", "--yes"])
        .run_with_stdout(crate::create::dev_full())
        .code(1)
        .error_has("could not write the secret of token 1");
    assert_eq!(env.show(id)["status"], "revoked");
    assert_eq!(env.verify(&old, &[]).1["reason"], "rotated");
    assert_eq!(env.actions(id), ["created", "reset", "revoked"]);
}

#[test]
fn the_question_says_what_the_new_expiry_will_be() {
    // issue 10 item 14: "The question shows what will be true afterwards
    // where it differs from now (reset: the new expiry)".
    let Some(env) = Env::new() else { return };
    let cases: [(&[&str], &str, &str); 5] = [
        (&[], "yes", "(in 180 days)."),
        (&["--expires-in", "30d"], " YES ", "(in 30 days)."),
        (&["--expires-in", "45s"], "Y", "(in 45 seconds)."),
        (&["--expires-at", "2099-01-01"], "y", "years)."),
        (&["--no-expiry"], "y", ""),
    ];
    for (flags, yes, relative) in cases {
        let (id, old) = env.create(&["--name", "n", "--expires-in", "3d"]);
        let id_text = id.to_string();
        let mut args = vec!["reset", id_text.as_str()];
        args.extend_from_slice(flags);
        let mut cmd = env.cmd(&args).command();
        // Not /dev/null: a secret written there reaches nobody, and the
        // token would be revoked.
        let secret_file = std::fs::File::create(env.dir().join("secret")).unwrap();
        cmd.stdout(secret_file);
        let mut p = pty(cmd, false);
        let question = p.exp_string("[y/N] ").unwrap();
        p.send_line(yes).unwrap();
        let (rest, code) = pty_end(p);
        assert_eq!(code, 0, "{flags:?}: {rest}");
        let then = match env.show(id)["expires_at"].as_str() {
            Some(at) => format!("the new one expires {at} {relative}"),
            None => "the new one never expires.".to_owned(),
        };
        let now = format!(
            "Reset token {id} \"n\" (tok_****{}, expires in 3 days)? Its current secret stops working at once; ",
            &old[old.len() - 4..]
        );
        assert!(question.starts_with(&now), "{flags:?}: {question:?}");
        let said = &question[now.len()..];
        if flags.first() == Some(&"--expires-at") {
            assert!(
                said.starts_with("the new one expires 2099-01-01T00:00:00Z (in "),
                "{said:?}"
            );
            assert!(said.ends_with(&format!("{relative} ")), "{said:?}");
        } else {
            assert_eq!(said, format!("{then} "), "{flags:?}");
        }
    }
}
