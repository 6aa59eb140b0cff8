//! `purge`: which tokens go (expiry, --older-than, --include-revoked), the
//! dry run, the output for people, scripts and cron, and ids never reused;
//! on both backends.

use serde_json::{Value, json};

use crate::Env;

const DAY: i64 = 86_400;

/// Sets token `id`'s expiry to `ago` seconds before now.
fn expire(env: &Env, id: i64, ago: i64) {
    let n = env.sql(&format!(
        "UPDATE tokens SET expires_at = {} WHERE id = {id}",
        crate::now() - ago
    ));
    assert_eq!(n, 1);
}

/// Sets token `id`'s revocation time to `ago` seconds before now.
fn revoked_ago(env: &Env, id: i64, ago: i64) {
    let n = env.sql(&format!(
        "UPDATE tokens SET revoked_at = {} WHERE id = {id}",
        crate::now() - ago
    ));
    assert_eq!(n, 1);
}

fn purge(env: &Env, args: &[&str]) -> Value {
    let mut all = vec!["--json", "purge"];
    all.extend_from_slice(args);
    env.cmd(&all).run().success().stderr_is("").json()
}

#[test]
fn by_default_every_expired_token_goes_whatever_its_state() {
    let Some(env) = Env::new() else { return };
    for name in [
        "active",
        "expired",
        "expired+disabled",
        "expired+revoked",
        "revoked",
        "never",
    ] {
        let mut args = vec!["--name", name];
        if name == "never" {
            args.push("--no-expiry");
        }
        env.create(&args);
    }
    expire(&env, 2, 1);
    expire(&env, 3, 1);
    expire(&env, 4, 1);
    env.cmd(&["-q", "disable", "3"]).run().success();
    env.cmd(&["-q", "revoke", "4", "--yes"]).run().success();
    env.cmd(&["-q", "revoke", "5", "--yes"]).run().success();

    assert_eq!(
        purge(&env, &[]),
        json!({"purged": 3, "ids": [2, 3, 4], "dry_run": false})
    );
    // A revoked token that has not expired stays without --include-revoked.
    assert_eq!(env.listed_ids(), [1, 5, 6]);
    assert_eq!(
        purge(&env, &[]),
        json!({"purged": 0, "ids": [], "dry_run": false})
    );
}

#[test]
fn older_than_keeps_the_recently_expired() {
    let Some(env) = Env::new() else { return };
    for name in ["a", "b", "c"] {
        env.create(&["--name", name]);
    }
    expire(&env, 1, 10 * DAY);
    expire(&env, 2, 3600);
    assert_eq!(purge(&env, &["--older-than", "1d"])["ids"], json!([1]));
    assert_eq!(env.listed_ids(), [2, 3]);
    assert_eq!(purge(&env, &["--older-than", "30m"])["ids"], json!([2]));
    assert_eq!(env.listed_ids(), [3]);
}

#[test]
fn include_revoked_takes_tokens_revoked_long_enough_ago() {
    let Some(env) = Env::new() else { return };
    for name in ["old revocation", "new revocation", "live"] {
        env.create(&["--name", name, "--no-expiry"]);
    }
    env.cmd(&["-q", "revoke", "1", "--yes"]).run().success();
    env.cmd(&["-q", "revoke", "2", "--yes"]).run().success();
    revoked_ago(&env, 1, 40 * DAY);
    assert_eq!(purge(&env, &["--older-than", "30d"])["purged"], 0);
    assert_eq!(
        purge(&env, &["--older-than", "30d", "--include-revoked"])["ids"],
        json!([1])
    );
    assert_eq!(env.listed_ids(), [2, 3]);
    // Default --older-than: revoked at all.
    assert_eq!(purge(&env, &["--include-revoked"])["ids"], json!([2]));
    assert_eq!(env.listed_ids(), [3]);
}

#[test]
fn dry_run_changes_nothing() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "a"]);
    env.create(&["--name", "b"]);
    expire(&env, 2, DAY);
    let log_before = env.cmd(&["--json", "log"]).run().success().json();
    assert_eq!(
        purge(&env, &["--dry-run"]),
        json!({"purged": 1, "ids": [2], "dry_run": true})
    );
    env.cmd(&["purge", "--dry-run"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("would purge 1 token: 2\n");
    assert_eq!(env.listed_ids(), [1, 2]);
    assert_eq!(
        env.cmd(&["--json", "log"]).run().success().json(),
        log_before
    );
}

#[test]
fn dry_run_does_not_create_a_missing_database() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["purge", "--dry-run"])
        .run()
        .code(1)
        .stdout_is("")
        .error_has(&env.missing());
    assert!(!env.exists());
}

#[test]
fn people_get_a_note_and_cron_gets_silence() {
    let Some(env) = Env::new() else { return };
    for name in ["a", "b", "c"] {
        env.create(&["--name", name]);
    }
    env.cmd(&["purge"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("purged no tokens\n");
    expire(&env, 1, DAY);
    expire(&env, 3, DAY);
    env.cmd(&["purge"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("purged 2 tokens: 1, 3\n");
    expire(&env, 2, DAY);
    env.cmd(&["-q", "purge", "--older-than", "1h", "--include-revoked"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    assert_eq!(env.listed_ids(), Vec::<i64>::new());
    // Trouble still reaches cron's mail.
    env.cmd(&["-q", "purge", "--older-than", "soon"])
        .run()
        .code(2)
        .stdout_is("")
        .error_has("duration");
}

#[test]
fn a_long_list_of_ids_is_shortened_for_people_only() {
    let Some(env) = Env::new() else { return };
    for i in 0..25 {
        env.create(&["--name", &format!("t{i}")]);
    }
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {}",
        crate::now() - 60
    ));
    env.cmd(&["purge", "--dry-run"])
        .run()
        .success()
        .stderr_is(
            "would purge 25 tokens: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, and 5 more\n",
        );
    let v = purge(&env, &[]);
    assert_eq!(v["purged"], 25);
    assert_eq!(v["ids"], json!((1..=25).collect::<Vec<i64>>()));
}

#[test]
fn ids_are_never_reused_after_purge() {
    let Some(env) = Env::new() else { return };
    for name in ["a", "b", "c"] {
        env.create(&["--name", name]);
    }
    // Purge the highest id, then everything: the next id still goes up.
    expire(&env, 3, DAY);
    assert_eq!(purge(&env, &[])["ids"], json!([3]));
    assert_eq!(env.create(&["--name", "d"]).0, 4);
    env.sql(&format!(
        "UPDATE tokens SET expires_at = {}",
        crate::now() - 60
    ));
    assert_eq!(purge(&env, &[])["ids"], json!([1, 2, 4]));
    assert_eq!(env.create(&["--name", "e"]).0, 5);
    env.cmd(&["show", "3"]).run().code(5);
}

#[test]
fn each_purged_token_gets_an_event_and_keeps_its_history() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "a"]);
    env.create(&["--name", "b"]);
    env.cmd(&["-q", "revoke", "2", "--yes"]).run().success();
    expire(&env, 1, DAY);
    env.cmd(&["-q", "--actor", "cron", "purge", "--include-revoked"])
        .run()
        .success();
    let log = env.cmd(&["--json", "log", "2"]).run().success().json();
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["created", "revoked", "purged"]);
    assert_eq!(log[2]["actor"], "cron");
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log[1]["action"], "purged");
    assert_eq!(log.as_array().unwrap().len(), 2);
}
