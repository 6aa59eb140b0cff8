//! Secrets: printed once by the command that issues them, and nowhere
//! else: not in any file next to the database (-wal and -shm included),
//! not on stderr, not on the stdout of any other command.

use serde_json::Value;

use crate::faults::files_in;
use crate::{Env, Out};

/// The random body of a token: what must never be found anywhere.
fn body(token: &str) -> &str {
    let (_, rest) = token.split_once('_').unwrap();
    &rest[..43]
}

#[track_caller]
fn assert_absent(haystack: &[u8], secrets: &[String], place: &str) {
    for s in secrets {
        let needle = body(s).as_bytes();
        assert!(
            !haystack.windows(needle.len()).any(|w| w == needle),
            "a secret was found in {place}"
        );
    }
}

#[test]
fn plaintext_never_reaches_a_file_stderr_or_another_command() {
    let env = Env::new();
    env.cmd(&["-q", "init"]).run().success();
    // An open connection keeps -wal and -shm on disk, so they are searched
    // while they hold the changes, not only after they were folded in.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder
        .query_row("SELECT count(*) FROM tokens", [], |r| r.get::<_, i64>(0))
        .unwrap();

    let mut secrets: Vec<String> = Vec::new();
    let mut stderr = String::new();
    let mut issue = |out: Out, json: bool| {
        let secret = if json {
            out.json()["token"].as_str().unwrap().to_owned()
        } else {
            out.stdout.trim_end().to_owned()
        };
        assert!(secret.starts_with("tok_"), "{}", out.stdout);
        stderr.push_str(&out.stderr);
        secrets.push(secret);
    };
    // Every way a secret is issued: create and reset; human, -q and JSON.
    issue(
        env.cmd(&["create", "--name", "human", "--owner", "a"])
            .run()
            .success(),
        false,
    );
    issue(
        env.cmd(&["-q", "create", "--name", "quiet"])
            .run()
            .success(),
        false,
    );
    issue(
        env.cmd(&["--json", "create", "--name", "json", "--owner", "a"])
            .run()
            .success(),
        true,
    );
    issue(env.cmd(&["reset", "1", "--yes"]).run().success(), false);
    issue(
        env.cmd(&["-q", "reset", "2", "--yes"]).run().success(),
        false,
    );
    issue(
        env.cmd(&["--json", "reset", "3", "--yes"]).run().success(),
        true,
    );
    assert_eq!(secrets.len(), 6);

    // Everything else that can be done with them or near them.
    let mut others: Vec<Out> = Vec::new();
    for s in &secrets {
        for args in [&["verify"][..], &["--json", "verify"], &["-q", "verify"]] {
            others.push(env.cmd(args).stdin(format!("{s}\n")).run());
        }
        // Mistakes: the secret where an id or argument belongs.
        others.push(env.cmd(&["show", s]).run().code(2));
        others.push(env.cmd(&["verify", s]).run().code(2));
        others.push(
            env.cmd(&["create", "--name", "n", "--scope", s])
                .run()
                .code(2),
        );
    }
    let all: String = secrets.iter().map(|s| format!("{s}\n")).collect();
    others.push(env.batch(all.clone()));
    for args in [
        &["list"][..],
        &["--json", "list"],
        &["show", "1"],
        &["--json", "show", "3"],
        &["log"],
        &["--json", "log"],
        &["disable", "2"],
        &["revoke", "--owner", "a", "--yes"],
        &["--json", "purge", "--include-revoked", "--dry-run"],
    ] {
        others.push(env.cmd(args).run().success());
    }
    for out in &others {
        assert_absent(
            out.stdout.as_bytes(),
            &secrets,
            "the stdout of a later command",
        );
        stderr.push_str(&out.stderr);
    }
    assert_absent(stderr.as_bytes(), &secrets, "stderr");

    // The files: the database, and its pending WAL and shared memory.
    let data = env.db().parent().unwrap();
    assert_eq!(
        files_in(data),
        ["tokens.db", "tokens.db-shm", "tokens.db-wal"]
    );
    assert!(
        std::fs::metadata(env.db().with_extension("db-wal"))
            .unwrap()
            .len()
            > 0
    );
    for name in files_in(data) {
        assert_absent(&std::fs::read(data.join(&name)).unwrap(), &secrets, &name);
    }
    // And once the WAL is folded into the file.
    drop(holder);
    assert_eq!(files_in(data), ["tokens.db"]);
    assert_absent(&std::fs::read(env.db()).unwrap(), &secrets, "tokens.db");

    // The secrets did work: the current ones verify, the replaced ones not.
    let out = env.batch(all);
    assert_eq!(
        out.reasons(),
        [
            "unknown", "unknown", "unknown", "revoked", "disabled", "revoked"
        ]
        .map(Value::from)
    );
}
