//! `dump` and `load`: the whole database as JSON Lines and back, ids,
//! hashes, trail and id high-water mark kept (SPEC §8), within each
//! backend; postgres.rs moves a database from one backend to the other.

use serde_json::Value;

use crate::Env;

/// A database with one of everything: active, disabled, revoked, expired,
/// reset and purged tokens, owners and scopes.
pub fn populated(env: &Env) -> Vec<(i64, String)> {
    let mut secrets = Vec::new();
    secrets.push(env.create(&["--name", "active", "--owner", "alice", "--scope", "deploy"]));
    let (d, s) = env.create(&["--name", "disabled", "--no-expiry"]);
    env.cmd(&["-q", "disable", &d.to_string()]).run().success();
    secrets.push((d, s));
    let (r, s) = env.create(&["--name", "revoked"]);
    env.cmd(&["-q", "revoke", &r.to_string(), "--yes"])
        .run()
        .success();
    secrets.push((r, s));
    let (x, _) = env.create(&["--name", "reset"]);
    let new = env
        .cmd(&["-q", "reset", &x.to_string(), "--yes"])
        .run()
        .success()
        .stdout;
    secrets.push((x, new.trim().to_owned()));
    let (p, _) = env.create(&["--name", "purged"]);
    env.sql(&format!("UPDATE tokens SET expires_at = 1 WHERE id = {p}"));
    env.cmd(&["-q", "purge"]).run().success();
    secrets
}

/// `verify --json` of `secret`: (exit code, verdict), without the token's
/// `last_used_at`: that is the time of this very verify, which two
/// databases record each at its own second (the dump's lines compare the
/// loaded times).
pub fn verdict(env: &Env, secret: &str) -> (i32, Value) {
    let (code, mut v) = env.verify(secret, &[]);
    if let Some(token) = v["token"].as_object_mut() {
        token.remove("last_used_at");
    }
    (code, v)
}

/// The dump's lines, parsed.
pub fn dump(env: &Env) -> Vec<Value> {
    env.cmd(&["dump"])
        .run()
        .success()
        .stderr_is("")
        .json_lines()
}

#[test]
fn a_dump_loads_into_a_new_database_and_dumps_the_same() {
    let Some(from) = Env::new() else { return };
    let secrets = populated(&from);
    let lines = dump(&from);
    assert_eq!(
        lines[0],
        serde_json::json!({"tokenctl_dump": 1, "prefix": "tok"})
    );
    assert_eq!(lines.last().unwrap(), &serde_json::json!({"last_id": 5}));
    let text = from.cmd(&["dump"]).run().success().stdout;
    // No secret, only hashes.
    for (_, s) in &secrets {
        assert!(!text.contains(&s[4..20]), "a secret in the dump");
    }
    let to = from.another();
    to.cmd(&["load"])
        .stdin(text.clone())
        .run()
        .success()
        .stdout_is("")
        .stderr_has("loaded 4 tokens and");
    // The same lines again, but for the one event load adds.
    let again = dump(&to);
    assert_eq!(again.len(), lines.len() + 1);
    let (last_event, rest) = again[..again.len() - 1].split_last().unwrap();
    assert_eq!(rest, &lines[..lines.len() - 1]);
    assert_eq!(last_event["event"]["action"], "loaded");
    assert_eq!(last_event["event"]["token_id"], Value::Null);
    // Every secret verifies as it did; ids go on after the purged one.
    for (id, s) in &secrets {
        assert_eq!(verdict(&from, s), verdict(&to, s), "token {id}");
    }
    assert_eq!(
        to.create(&["--name", "next"]).0,
        6,
        "an id was issued twice"
    );
    // A second load into a database that is no longer empty: exit 6.
    to.cmd(&["load"])
        .stdin(text)
        .run()
        .code(6)
        .error_has("empty");
}

#[test]
fn a_bad_line_loads_nothing_and_is_named() {
    let Some(from) = Env::new() else { return };
    populated(&from);
    let text = from.cmd(&["dump"]).run().success().stdout;
    let mut lines: Vec<&str> = text.lines().collect();
    lines[2] = r#"{"token":{"id":"two"}}"#;
    let to = from.another();
    to.cmd(&["load"])
        .stdin(lines.join("\n"))
        .run()
        .code(2)
        .error_has("line 3 of the dump");
    assert!(!to.exists(), "a bad dump created a database");
    // Cut short: no last_id line.
    let cut: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    to.cmd(&["load"])
        .stdin(cut)
        .run()
        .code(2)
        .error_has("cut short");
    // Another prefix than the database's: exit 6.
    to.cmd(&["-q", "init", "--prefix", "acme"]).run().success();
    to.cmd(&["load"])
        .stdin(text)
        .run()
        .code(6)
        .error_has("prefix");
    assert_eq!(to.listed_ids(), Vec::<i64>::new());
}
