//! `verify`: stdin only, verdicts and exit codes, scopes, batch mode, use
//! recorded at most once a minute; on both backends.

use crate::Env;

#[test]
fn a_valid_token_is_exit_0_and_records_use() {
    let Some(env) = Env::new() else { return };
    let (id, token) = env.create(&["--name", "n"]);
    let (code, v) = env.verify(&token, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["reason"], serde_json::Value::Null);
    assert_eq!(v["token"]["id"], id);
    assert!(!v.to_string().contains(&token));
    assert!(env.show(id)["last_used_at"].is_string());
    // Surrounding whitespace is trimmed; -q prints nothing.
    env.cmd(&["-q", "verify"])
        .stdin(format!("  {token} \r\n"))
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    // Human output names the token, masked.
    let out = env
        .cmd(&["verify"])
        .stdin(format!("{token}\n"))
        .run()
        .success();
    assert!(
        out.stdout.starts_with("valid: token 1 \"n\" (tok_****"),
        "{}",
        out.stdout
    );
}

#[test]
fn rejections_are_exit_3_with_a_reason() {
    let Some(env) = Env::new() else { return };
    let (_, good) = env.create(&["--name", "n"]);
    let mut typo = good.clone().into_bytes();
    typo[10] = if typo[10] == b'a' { b'b' } else { b'a' };
    let typo = String::from_utf8(typo).unwrap();
    for (input, reason) in [
        (typo.as_str(), "malformed"),
        ("", "malformed"),
        ("hello", "malformed"),
        ("tok_x", "malformed"),
    ] {
        let (code, v) = env.verify(input, &[]);
        assert_eq!(
            (code, v["reason"].as_str().unwrap()),
            (3, reason),
            "{input}"
        );
        assert_eq!(v["token"], serde_json::Value::Null);
    }
    // A well-formed token nobody issued: unknown.
    let other = env.another();
    let (_, stranger) = other.create(&["--name", "elsewhere"]);
    let (code, v) = env.verify(&stranger, &[]);
    assert_eq!((code, v["reason"].as_str().unwrap()), (3, "unknown"));
    assert_eq!(v["token"], serde_json::Value::Null);
}

#[test]
fn state_rejections_name_the_token() {
    let Some(env) = Env::new() else { return };
    let (_, disabled) = env.create(&["--name", "d"]);
    let (_, revoked) = env.create(&["--name", "r"]);
    env.cmd(&["-q", "disable", "1"]).run().success();
    env.cmd(&["-q", "revoke", "2", "--yes"]).run().success();
    for (token, reason, id) in [(&disabled, "disabled", 1), (&revoked, "revoked", 2)] {
        let (code, v) = env.verify(token, &[]);
        assert_eq!(code, 3);
        assert_eq!(v["reason"], reason);
        assert_eq!(v["token"]["id"], id);
        assert_eq!(v["token"]["status"], reason);
    }
}

#[test]
fn scopes_are_exit_4_when_missing() {
    let Some(env) = Env::new() else { return };
    let (_, token) = env.create(&["--name", "n", "--scope", "deploy", "--scope", "read"]);
    assert_eq!(env.verify(&token, &["--require-scope", "deploy"]).0, 0);
    assert_eq!(
        env.verify(
            &token,
            &["--require-scope", "deploy", "--require-scope", "read"]
        )
        .0,
        0
    );
    let (code, v) = env.verify(
        &token,
        &["--require-scope", "deploy", "--require-scope", "admin"],
    );
    assert_eq!(code, 4);
    assert_eq!(v["valid"], false);
    assert_eq!(v["reason"], "missing_scope");
    env.cmd(&["verify", "--require-scope", "Bad Scope"])
        .stdin(token)
        .run()
        .code(2)
        .error_has("invalid scope");
}

#[test]
fn the_token_is_never_taken_from_argv() {
    let Some(env) = Env::new() else { return };
    let (_, token) = env.create(&["--name", "n"]);
    let out = env
        .cmd(&["verify", &token])
        .run()
        .code(2)
        .error_has("stdin");
    assert!(!out.stderr.contains(&token), "the error echoed the secret");
}

#[test]
fn a_missing_database_fails_whatever_is_presented() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["verify"])
        .stdin("garbage\n")
        .run()
        .code(1)
        .error_has(&env.missing());
    env.cmd(&["verify", "--batch"])
        .stdin("garbage\n")
        .run()
        .code(1)
        .error_has(&env.missing())
        .stdout_is("");
    assert!(!env.exists());
}

#[test]
fn batch_answers_every_line_in_order() {
    let Some(env) = Env::new() else { return };
    let (_, a) = env.create(&["--name", "a", "--scope", "deploy"]);
    let (_, b) = env.create(&["--name", "b"]);
    env.cmd(&["-q", "revoke", "2", "--yes"]).run().success();
    let long = "x".repeat(200_000);
    let mut input = format!("{a}\n\n{b}\n  {a}  \nnot-a-token\n{long}\n").into_bytes();
    input.extend_from_slice(b"\xff\xfe\x00binary\n");
    input.extend_from_slice(a.as_bytes()); // last line without newline
    let out = env.batch(input);
    let r = |s: &str| serde_json::Value::from(s);
    assert_eq!(
        out.reasons(),
        [
            serde_json::Value::Null,
            r("malformed"),
            r("revoked"),
            serde_json::Value::Null,
            r("malformed"),
            r("malformed"),
            r("malformed"),
            serde_json::Value::Null
        ]
    );
    let out = env
        .cmd(&["verify", "--batch", "--require-scope", "admin"])
        .stdin(format!("{a}\n"))
        .run()
        .success();
    assert!(out.stdout.contains("missing_scope"));
    env.cmd(&["verify", "--batch"])
        .stdin("")
        .run()
        .success()
        .stdout_is("");
}

#[test]
fn a_long_batch_answers_every_line_in_order_across_its_groups() {
    // Thousands of lines arrive at once: they are looked up in groups of
    // about a thousand, each of which SQLite splits across two connections
    // on a machine with two cores. Every answer must stay on its line.
    let Some(env) = Env::new() else { return };
    let Some(elsewhere) = Env::new() else { return };
    let (_, a) = env.create(&["--name", "a"]);
    let (_, b) = env.create(&["--name", "b"]);
    let (_, c) = env.create(&["--name", "c"]);
    env.cmd(&["-q", "revoke", "2", "--yes"]).run().success();
    // Well formed, and of no token of this database.
    let (_, unknown) = elsewhere.create(&["--name", "u"]);
    let pick = |i: usize| match i * 7 % 11 % 4 {
        0 => (&a, None, "a"),
        1 => (&b, Some("revoked"), "b"),
        2 => (&c, None, "c"),
        _ => (&unknown, Some("unknown"), ""),
    };
    let lines = 5_000;
    let input: String = (0..lines).map(|i| format!("{}\n", pick(i).0)).collect();
    let answers = env.batch(input).json_lines();
    assert_eq!(answers.len(), lines);
    for (i, v) in answers.iter().enumerate() {
        let (_, reason, name) = pick(i);
        assert_eq!(v["reason"].as_str(), reason, "line {i}: {v}");
        if !name.is_empty() {
            assert_eq!(v["token"]["name"], name, "line {i}: {v}");
        }
    }
}

#[test]
fn use_is_recorded_at_most_once_a_minute() {
    let Some(env) = Env::new() else { return };
    let (id, token) = env.create(&["--name", "n"]);
    env.verify(&token, &[]);
    let first = env.show(id)["last_used_at"].clone();
    assert!(first.is_string());
    let log_before = env.cmd(&["--json", "log"]).run().success().json();
    env.batch(format!("{token}\n{token}\n"));
    assert_eq!(env.show(id)["last_used_at"], first);
    // Verifying is not a change: the audit trail stays as it was.
    assert_eq!(
        env.cmd(&["--json", "log"]).run().success().json(),
        log_before
    );
}
