//! The audit trail's hash chain (SPEC §11) on both backends: `log --verify`
//! and `--head`, rows changed, removed and inserted by hand with SQL, a
//! trail cut short or restored from an older copy, parallel writers, and
//! dump and load keeping the links.

use std::sync::Barrier;

use serde_json::Value;

use crate::{Env, dump::populated};

/// The trail's head as `log --head` prints it, without its newline.
fn head(env: &Env) -> String {
    let out = env.cmd(&["log", "--head"]).run().success().stderr_is("");
    out.stdout.trim_end().to_owned()
}

/// Every event of the trail as `log --json` shows it.
fn events(env: &Env) -> Vec<Value> {
    let log = env.cmd(&["--json", "log"]).run().success().json();
    log.as_array().unwrap().clone()
}

/// `log --verify` is exit 7 with a message naming `seq` as the event at fault.
#[track_caller]
fn altered_at(env: &Env, args: &[&str], seq: i64, what: &str) {
    let mut all = vec!["log", "--verify"];
    all.extend_from_slice(args);
    let out = env
        .cmd(&all)
        .run()
        .code(7)
        .stdout_is("")
        .error_has("audit trail altered");
    assert!(out.stderr.contains(what), "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("event {seq} ")),
        "not naming event {seq}: {}",
        out.stderr
    );
    let mut json = vec!["--json", "log", "--verify"];
    json.extend_from_slice(args);
    let v = env.cmd(&json).run().code(7).json();
    assert_eq!(v["intact"], false, "{v}");
    assert_eq!(v["broken"]["seq"], seq, "{v}");
}

#[test]
fn an_intact_trail_is_exit_0_with_its_count_and_head() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    env.cmd(&["-q", "policy", "set", "max-grace", "1d"])
        .run()
        .success();
    let all = events(&env);
    let n = all.len();
    let last = all.last().unwrap();
    let h = head(&env);
    assert_eq!(
        h,
        format!("{}:{}", last["seq"], last["hash"].as_str().unwrap())
    );
    env.cmd(&["log", "--verify"])
        .run()
        .success()
        .stderr_is("")
        .stdout_is(&format!("audit trail intact: {n} events, head {h}\n"));
    env.cmd(&["-q", "log", "--verify"])
        .run()
        .success()
        .stdout_is("")
        .stderr_is("");
    let v = env
        .cmd(&["--json", "log", "--verify"])
        .run()
        .success()
        .json();
    assert_eq!(v["intact"], true);
    assert_eq!(v["events"], n);
    assert_eq!(v["head"]["seq"], last["seq"]);
    assert_eq!(v["head"]["hash"], last["hash"]);
    assert_eq!(v["broken"], Value::Null);
    let v = env.cmd(&["--json", "log", "--head"]).run().success().json();
    assert_eq!(
        v,
        serde_json::json!({"seq": last["seq"], "hash": last["hash"]})
    );
    // The head kept at any event checks, now and after more events.
    let kept = format!("3:{}", all[2]["hash"].as_str().unwrap());
    env.create(&["--name", "later"]);
    for expect in [&kept, &h] {
        env.cmd(&["log", "--verify", "--expect-head", expect])
            .run()
            .success();
    }
}

#[test]
fn each_link_is_sha256_of_the_one_before_and_the_event_without_hash() {
    use sha2::{Digest, Sha256};
    let Some(env) = Env::new() else { return };
    populated(&env);
    let mut prev = [0u8; 32].to_vec();
    for e in events(&env) {
        assert_eq!(e.as_object().unwrap().len(), 7, "{e}");
        let stored = &e["hash"];
        // The keys in SPEC §11's order, each value as JSON writes it.
        let fields: Vec<String> = ["seq", "at", "token_id", "action", "actor", "detail"]
            .iter()
            .map(|k| format!("\"{k}\":{}", e[*k]))
            .collect();
        let canonical = format!("{{{}}}", fields.join(","));
        let link = Sha256::digest([&prev[..], canonical.as_bytes()].concat());
        let hex: String = link.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(stored, hex.as_str(), "{canonical}");
        prev = link.to_vec();
    }
}

#[test]
fn an_empty_trail_has_the_zero_head() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    let zero = format!("0:{}", "0".repeat(64));
    assert_eq!(head(&env), zero);
    env.cmd(&["log", "--verify", "--expect-head", &zero])
        .run()
        .success()
        .stdout_is(&format!("audit trail intact: 0 events, head {zero}\n"));
}

#[test]
fn a_row_changed_by_hand_is_named() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    assert_eq!(
        env.sql("UPDATE audit SET detail = 'nothing happened' WHERE seq = 3"),
        1
    );
    altered_at(&env, &[], 3, "does not match its hash");
    // Its hash set to another event's does not hide it.
    let env = Env::new().unwrap();
    populated(&env);
    env.sql("UPDATE audit SET hash = (SELECT hash FROM audit WHERE seq = 1) WHERE seq = 4");
    altered_at(&env, &[], 4, "does not match its hash");
}

#[test]
fn a_row_removed_by_hand_is_named_by_the_event_after_it() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    assert_eq!(env.sql("DELETE FROM audit WHERE seq = 2"), 1);
    altered_at(&env, &[], 3, "an event before it was removed");
}

#[test]
fn a_row_inserted_by_hand_is_named() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    let last = events(&env).len() as i64;
    // A copy of a real event, link and all, at the end of the trail.
    env.sql(&format!(
        "INSERT INTO audit (seq, at, token_id, action, actor, detail, hash)
         SELECT {}, at, token_id, action, actor, detail, hash FROM audit WHERE seq = 1",
        last + 1
    ));
    altered_at(&env, &[], last + 1, "inserted");
    // One with no link at all, as a writer that knows nothing of the chain
    // would add it.
    let env = Env::new().unwrap();
    populated(&env);
    env.sql(&format!(
        "INSERT INTO audit (seq, at, token_id, action, actor, detail)
         VALUES ({}, 1800000000, 1, 2, 'mallory', NULL)",
        last + 1
    ));
    altered_at(&env, &[], last + 1, "inserted");
}

#[test]
fn a_trail_cut_short_fails_the_head_kept_elsewhere() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    let kept = head(&env);
    let seq: i64 = kept.split(':').next().unwrap().parse().unwrap();
    // The newest events deleted: what is left is a chain that holds.
    env.sql(&format!("DELETE FROM audit WHERE seq > {}", seq - 2));
    env.cmd(&["log", "--verify"]).run().success();
    altered_at(&env, &["--expect-head", &kept], seq, "cut short");
}

#[test]
fn a_database_restored_from_an_older_copy_fails_the_head_kept_elsewhere() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    let older = env.cmd(&["dump"]).run().success().stdout;
    env.create(&["--name", "after the backup"]);
    env.create(&["--name", "and another"]);
    let kept = head(&env);
    let restored = env.another();
    restored.cmd(&["-q", "load"]).stdin(older).run().success();
    // Its own chain holds, with the load's event at its end.
    restored.cmd(&["log", "--verify"]).run().success();
    let seq: i64 = kept.split(':').next().unwrap().parse().unwrap();
    // Its last event is the load's, before the kept one.
    altered_at(&restored, &["--expect-head", &kept], seq, "cut short");
}

#[test]
fn a_head_that_is_not_seq_colon_hash_is_a_usage_error() {
    let Some(env) = Env::no_database() else {
        return;
    };
    for bad in ["12", "x:00", "12:abc", &format!("-1:{}", "0".repeat(64))] {
        env.cmd(&["log", "--verify", "--expect-head", bad])
            .run()
            .code(2)
            .error_has("SEQ:HASH");
    }
    env.cmd(&["log", "--expect-head", &format!("1:{}", "0".repeat(64))])
        .run()
        .code(2);
    for other in [&["--follow"][..], &["--limit", "2"], &["--head"], &["7"]] {
        let mut args = vec!["log", "--verify"];
        args.extend_from_slice(other);
        env.cmd(&args).run().code(2);
    }
    assert!(!env.exists(), "a usage error opened the database");
}

#[test]
fn the_answer_stands_when_stdout_is_closed_or_full() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    env.cmd(&["log", "--verify"])
        .run_with_stdout(full())
        .code(0);
    env.sql("UPDATE audit SET actor = 'mallory' WHERE seq = 2");
    env.cmd(&["log", "--verify"])
        .run_with_stdout(full())
        .code(7);
    env.cmd(&["--json", "log", "--verify"])
        .run_with_stdout(full())
        .code(7);
}

#[test]
fn eight_parallel_writers_never_fork_the_chain() {
    const WRITERS: usize = 8;
    const EACH: usize = 6;
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    let start = Barrier::new(WRITERS);
    std::thread::scope(|s| {
        for w in 0..WRITERS {
            let (env, start) = (&env, &start);
            s.spawn(move || {
                start.wait();
                for i in 0..EACH {
                    let (id, _) = env.create(&["--name", &format!("w{w}-{i}")]);
                    let id = id.to_string();
                    let change = if i % 2 == 0 {
                        env.cmd(&["-q", "disable", &id])
                    } else {
                        env.cmd(&["-q", "revoke", &id, "--yes"])
                    };
                    change.run().success();
                }
            });
        }
    });
    let all = events(&env);
    assert_eq!(all.len(), WRITERS * EACH * 2);
    let seqs: Vec<i64> = all.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>());
    env.cmd(&["log", "--verify"])
        .run()
        .success()
        .stdout_is(&format!(
            "audit trail intact: {} events, head {}\n",
            all.len(),
            head(&env)
        ));
}

#[test]
fn dump_shows_the_links_and_load_keeps_them() {
    let Some(env) = Env::new() else { return };
    populated(&env);
    let before = events(&env);
    let dump = env.cmd(&["dump"]).run().success().stdout;
    let dumped: Vec<Value> = dump
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v.get("event").cloned())
        .collect();
    assert_eq!(
        dumped, before,
        "the dump's events are the log's, links and all"
    );

    let copy = env.another();
    copy.cmd(&["-q", "load"])
        .stdin(dump.clone())
        .run()
        .success();
    let after = events(&copy);
    assert_eq!(after[..before.len()], before[..]);
    assert_eq!(after.last().unwrap()["action"], "loaded");
    copy.cmd(&["log", "--verify"]).run().success();

    // A dump of a tokenctl before the chain carries no links: load makes
    // them, as the migration does, and they are the same.
    let unlinked: String = dump
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(e) = v.get_mut("event") {
                e.as_object_mut().unwrap().remove("hash");
            }
            format!("{v}\n")
        })
        .collect();
    let old = env.another();
    old.cmd(&["-q", "load"]).stdin(unlinked).run().success();
    assert_eq!(events(&old)[..before.len()], before[..]);

    // A dump edited by hand keeps the links it carries, so the loaded
    // trail shows the edit.
    let edited: String = dump
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(e) = v.get_mut("event").filter(|e| e["seq"] == 2) {
                e["actor"] = "mallory".into();
            }
            format!("{v}\n")
        })
        .collect();
    let forged = env.another();
    forged.cmd(&["-q", "load"]).stdin(edited).run().success();
    altered_at(&forged, &[], 2, "does not match its hash");

    // So does one whose link was taken out of a single event: only a dump
    // with no link at all is linked anew.
    let unlinked_one: String = dump
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(e) = v.get_mut("event").filter(|e| e["seq"] == 3) {
                e["hash"] = Value::Null;
            }
            format!("{v}\n")
        })
        .collect();
    let stripped = env.another();
    stripped
        .cmd(&["-q", "load"])
        .stdin(unlinked_one)
        .run()
        .success();
    altered_at(&stripped, &[], 3, "does not match its hash");
}
