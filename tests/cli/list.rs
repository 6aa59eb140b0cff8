//! `list`: masked table and JSON array, filters, read-only behaviour (a
//! missing database is not made), on both backends.

use crate::{Env, ids};

#[test]
fn table_is_masked_and_json_is_an_array() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "CI deploy", "--owner", "alice"]);
    let out = env.cmd(&["list"]).run().success().stderr_is("");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines[0].starts_with("ID  NAME"), "{}", out.stdout);
    assert!(
        lines[1].contains("CI deploy") && lines[1].contains("alice") && lines[1].contains("active")
    );
    assert!(lines[1].contains(&format!("tok_****{}", &secret[secret.len() - 4..])));
    assert!(!out.stdout.contains(&secret));
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no colour when not a terminal"
    );
    let v = env.cmd(&["--json", "list"]).run().success().json();
    assert_eq!(ids(&v), [1]);
    assert!(!v.to_string().contains(&secret));
}

#[test]
fn colour_only_when_asked() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    let out = env.cmd(&["--color", "always", "list"]).run().success();
    assert!(out.stdout.contains("\u{1b}["));
    let out = env
        .cmd(&["--color", "always", "--json", "list"])
        .run()
        .success();
    assert!(!out.stdout.contains('\u{1b}'));
}

#[test]
fn filters() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "a", "--owner", "alice", "--expires-in", "2d"]);
    env.create(&["--name", "b", "--owner", "bob", "--expires-in", "30d"]);
    env.create(&["--name", "c", "--owner", "alice", "--no-expiry"]);
    env.create(&["--name", "d", "--owner", "alice", "--expires-in", "1d"]);
    env.cmd(&["-q", "disable", "3"]).run().success();
    env.cmd(&["-q", "revoke", "4", "--yes"]).run().success();
    let list = |args: &[&str]| {
        let mut all = vec!["--json", "list"];
        all.extend_from_slice(args);
        ids(&env.cmd(&all).run().success().json())
    };
    assert_eq!(list(&[]), [1, 2, 3, 4]);
    assert_eq!(list(&["--owner", "alice"]), [1, 3, 4]);
    assert_eq!(list(&["--status", "active"]), [1, 2]);
    assert_eq!(list(&["--status", "disabled"]), [3]);
    assert_eq!(list(&["--status", "revoked"]), [4]);
    assert_eq!(list(&["--status", "expired"]), Vec::<i64>::new());
    assert_eq!(list(&["--expiring-within", "3d"]), [1]);
    assert_eq!(list(&["--expiring-within", "31d", "--owner", "bob"]), [2]);
    env.cmd(&["list", "--status", "bogus"])
        .run()
        .code(2)
        .error_has("invalid value");
    env.cmd(&["list", "--expiring-within", "soon"])
        .run()
        .code(2)
        .error_has("duration");
    env.cmd(&["list", "--owner", "nobody"])
        .run()
        .success()
        .stdout_is("")
        .stderr_has("no tokens match");
    env.cmd(&["--json", "list", "--owner", "nobody"])
        .run()
        .success()
        .stdout_is("[]\n");
}

#[test]
fn a_missing_database_is_an_error_and_is_not_created() {
    let Some(env) = Env::new() else { return };
    for cmd in [&["list"][..], &["show", "1"], &["log"], &["--json", "list"]] {
        env.cmd(cmd)
            .run()
            .code(1)
            .error_has(&env.missing())
            .stdout_is("");
    }
    assert!(!env.exists(), "a read command made the database");
}

#[test]
fn a_broken_pipe_is_quiet_success() {
    let Some(env) = Env::new() else { return };
    for i in 0..50 {
        env.create(&["--name", &format!("t{i}"), "--no-expiry"]);
    }
    let mut cmd = env.cmd(&["--json", "list"]).command();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(std::process::Stdio::piped());
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
}
