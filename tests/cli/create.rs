//! `create`: the secret once, in its three forms; validation that creates
//! nothing; a secret that cannot be delivered is revoked (both backends);
//! the new SQLite file's modes and contents.

use std::os::unix::fs::PermissionsExt;

use crate::Env;

#[test]
fn quiet_prints_the_token_and_nothing_else() {
    let Some(env) = Env::new() else { return };
    let out = env
        .cmd(&["-q", "create", "--name", "ci"])
        .run()
        .success()
        .stderr_is("");
    let token = out.stdout.strip_suffix('\n').expect("newline");
    assert!(!token.contains('\n'));
    assert!(
        token.starts_with("tok_") && token.len() == 4 + 43 + 6,
        "{token}"
    );
    let (code, v) = env.verify(token, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["token"]["id"], 1);
}

#[test]
fn human_output_puts_the_secret_on_stdout_and_the_warning_on_stderr() {
    let Some(env) = Env::new() else { return };
    let out = env
        .cmd(&["create", "--name", "CI deploy", "--owner", "alice"])
        .run()
        .success();
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stdout.starts_with("tok_"));
    assert!(
        out.stderr
            .contains("created token 1 \"CI deploy\" (owner alice, tok_****"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("only time the secret is shown"));
    let last4 = &out.stdout.trim_end()[out.stdout.trim_end().len() - 4..];
    assert!(out.stderr.contains(&format!("tok_****{last4}")));
    assert!(
        !out.stderr.contains(out.stdout.trim_end()),
        "secret leaked to stderr"
    );
}

#[test]
fn json_is_the_token_object_plus_the_secret() {
    let Some(env) = Env::new() else { return };
    let out = env
        .cmd(&[
            "--json",
            "--actor",
            "ops",
            "create",
            "--name",
            "n",
            "--scope",
            "deploy",
            "--scope",
            "admin:users",
            "--expires-at",
            "2099-01-01",
        ])
        .run()
        .success();
    let v = out.json();
    let token = v["token"].as_str().unwrap();
    assert_eq!(v["id"], 1);
    assert_eq!(v["name"], "n");
    assert_eq!(v["owner"], serde_json::Value::Null);
    assert_eq!(v["scopes"], serde_json::json!(["admin:users", "deploy"]));
    assert_eq!(v["status"], "active");
    assert_eq!(v["last4"], &token[token.len() - 4..]);
    assert_eq!(
        v["masked"],
        format!("tok_****{}", &token[token.len() - 4..])
    );
    assert_eq!(v["created_by"], "ops");
    assert_eq!(v["expires_at"], "2099-01-01T00:00:00Z");
    assert_eq!(v["last_used_at"], serde_json::Value::Null);
    assert_eq!(v["revoked_at"], serde_json::Value::Null);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(v["previous_valid_until"], serde_json::Value::Null);
    assert_eq!(keys.len(), 14, "{keys:?}");
}

#[test]
fn defaults_are_read_write_and_180_days() {
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "d"]);
    let v = env.show(id);
    assert_eq!(v["scopes"], serde_json::json!(["read", "write"]));
    let created = chrono::DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap()).unwrap();
    let expires = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((expires - created).num_seconds(), 180 * 86_400);
}

#[test]
fn expiry_flags() {
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "never", "--no-expiry"]);
    assert_eq!(env.show(id)["expires_at"], serde_json::Value::Null);
    let (id, _) = env.create(&[
        "--name",
        "offset",
        "--expires-at",
        "2099-01-01T02:00:00+02:00",
    ]);
    assert_eq!(env.show(id)["expires_at"], "2099-01-01T00:00:00Z");
    let (id, _) = env.create(&["--name", "combined", "--expires-in", "1d12h"]);
    let v = env.show(id);
    let c = chrono::DateTime::parse_from_rfc3339(v["created_at"].as_str().unwrap()).unwrap();
    let e = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!((e - c).num_seconds(), 36 * 3600);
}

#[test]
fn bad_input_is_a_usage_error_and_creates_nothing() {
    let Some(env) = Env::new() else { return };
    let long = "x".repeat(101);
    let cases: &[(&[&str], &str)] = &[
        (&["create"], "--name"),
        (&["create", "--name", ""], "name must not be empty"),
        (&["create", "--name", &long], "at most 100"),
        (&["create", "--name", "a\tb"], "U+0009"),
        (
            &["create", "--name", "n", "--scope", "Admin"],
            "invalid scope",
        ),
        (
            &["create", "--name", "n", "--owner", ""],
            "owner must not be empty",
        ),
        (&["create", "--name", "n", "--expires-in", "5x"], "duration"),
        (
            &["create", "--name", "n", "--expires-in", "99999999999w"],
            "too long",
        ),
        (
            &["create", "--name", "n", "--expires-at", "2001-01-01"],
            "not in the future",
        ),
        (
            &[
                "create",
                "--name",
                "n",
                "--expires-at",
                "10000-01-01T00:00:00Z",
            ],
            "RFC 3339",
        ),
        (
            &["create", "--name", "n", "--expires-in", "1d", "--no-expiry"],
            "cannot be used with",
        ),
        (
            &["--actor", "", "create", "--name", "n"],
            "actor must not be empty",
        ),
    ];
    for (args, msg) in cases {
        env.cmd(args).run().code(2).error_has(msg).stdout_is("");
    }
    assert!(!env.exists(), "a usage error created the database");
}

#[test]
fn the_new_database_is_private() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    env.create(&["--name", "n"]);
    let dir = env.db().parent().unwrap();
    assert_eq!(
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert_eq!(
        std::fs::metadata(env.db()).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn the_secret_is_stored_only_as_a_hash() {
    // The files next to the database; secrets.rs searches PostgreSQL's.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, token) = env.create(&["--name", "n"]);
    env.cmd(&["list"]).run().success();
    for entry in std::fs::read_dir(env.db().parent().unwrap()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let body = &token[4..token.len() - 4];
        assert!(
            !bytes.windows(body.len()).any(|w| w == body.as_bytes()),
            "secret found in a file"
        );
    }
}

#[test]
fn an_undeliverable_secret_revokes_the_token() {
    let Some(env) = Env::new() else { return };
    let out = env
        .cmd(&["create", "--name", "lost"])
        .run_with_stdout(dev_full())
        .code(1)
        .error_has("could not write the secret of token 1");
    assert!(out.stderr.contains("revoked"));
    assert_eq!(env.show(1)["status"], "revoked");
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log[1]["action"], "revoked");
    assert!(
        log[1]["detail"]
            .as_str()
            .unwrap()
            .contains("secret not delivered")
    );
}

#[test]
fn a_closed_pipe_revokes_the_token_too() {
    let Some(env) = Env::new() else { return };
    let mut cmd = env.cmd(&["-q", "create", "--name", "lost"]).command();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(std::process::Stdio::piped());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(env.show(1)["status"], "revoked");
}

/// A stdout where every write fails: disk full.
pub fn dev_full() -> std::fs::File {
    std::fs::File::options()
        .write(true)
        .open("/dev/full")
        .unwrap()
}

#[test]
fn an_expiry_seconds_away_reads_in_seconds() {
    // issue 10 item 19: `create --expires-in 5s` said "expires just now".
    let Some(env) = Env::new() else { return };
    env.cmd(&["create", "--name", "soon", "--expires-in", "5s"])
        .run()
        .success()
        .stderr_has("(tok_****")
        .stderr_has(", expires in 5 seconds)");
    env.cmd(&["create", "--name", "a minute", "--expires-in", "59s"])
        .run()
        .success()
        .stderr_has(", expires in 59 seconds)");
    let out = env.cmd(&["list"]).run().success();
    assert!(!out.stdout.contains("just now"), "{}", out.stdout);
    let soon = out.stdout.lines().nth(1).unwrap();
    assert!(
        ["in 5 seconds", "in 4 seconds", "in 3 seconds"]
            .iter()
            .any(|s| soon.contains(s)),
        "{soon}"
    );
    // A few seconds in the past: so many seconds ago, not "just now".
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = 1",
        crate::now() - 5
    ));
    let out = env.cmd(&["list"]).run().success();
    let gone = out.stdout.lines().nth(1).unwrap();
    assert!(
        ["5 seconds ago", "6 seconds ago", "7 seconds ago"]
            .iter()
            .any(|s| gone.contains(s)),
        "{gone}"
    );
    let out = env.cmd(&["show", "1"]).run().success();
    assert!(out.stdout.contains(" seconds ago)"), "{}", out.stdout);
}

#[test]
fn a_leap_second_is_refused_not_moved() {
    // issue 10 item 19: 12:34:60 was stored as 12:34:59.
    let Some(env) = Env::new() else { return };
    for leap in ["2030-01-01T12:34:60Z", "2030-06-30T23:59:60+00:00"] {
        env.cmd(&["create", "--name", "n", "--expires-at", leap])
            .run()
            .code(2)
            .stdout_is("")
            .error_has(&format!("'{leap}'"))
            .error_has("leap second");
    }
    assert!(!env.exists(), "a usage error created the database");
    let (id, _) = env.create(&["--name", "n", "--expires-at", "2030-01-01T12:34:59Z"]);
    assert_eq!(env.show(id)["expires_at"], "2030-01-01T12:34:59Z");
    env.cmd(&[
        "reset",
        "1",
        "--yes",
        "--expires-at",
        "2030-01-01T12:34:60Z",
    ])
    .run()
    .code(2)
    .error_has("leap second");
    assert_eq!(env.show(id)["expires_at"], "2030-01-01T12:34:59Z");
    assert_eq!(env.actions(id), ["created"]);
}
