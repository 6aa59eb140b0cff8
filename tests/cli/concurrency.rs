//! Many processes on one database at once, on both backends: nothing
//! lost, ids unique, no lock error ("database is locked", a serialization
//! failure or deadlock) reaching a user, a database made once by racing
//! first writers, and no wrong verdict while writers change tokens under the
//! verifiers. The empty file a writer is making, and its lock, are SQLite's.

use std::collections::{BTreeSet, HashMap};
use std::sync::Barrier;

use crate::{Env, faults};

const WRITERS: usize = 8;
const EACH: usize = 25;

/// Asserts a run of a concurrent process did not trip over another's
/// lock or transaction ("database is locked", busy, a serialization
/// failure or deadlock).
#[track_caller]
pub fn no_lock_error(stderr: &str) {
    // Paths left out: a temporary directory may be named .tmpBUSY1G.
    let words: Vec<String> = stderr
        .split_whitespace()
        .filter(|w| !w.contains('/'))
        .map(str::to_lowercase)
        .collect();
    let lower = words.join(" ");
    for word in ["locked", "busy", "serializ", "deadlock", "could not"] {
        assert!(!lower.contains(word), "{word:?} reached the user: {stderr}");
    }
}

#[test]
fn many_processes_creating_at_once_lose_nothing() {
    // The database does not exist yet: the first processes race to make it.
    let Some(env) = Env::new() else { return };
    let start = Barrier::new(WRITERS);
    let made: Vec<(String, String)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (env, start) = (&env, &start);
                s.spawn(move || {
                    start.wait();
                    (0..EACH)
                        .map(|i| {
                            let name = format!("w{w}-{i}");
                            let out = env.cmd(&["-q", "create", "--name", &name]).run();
                            no_lock_error(&out.stderr);
                            let out = out.success().stderr_is("");
                            (name, out.stdout.trim_end().to_owned())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert_eq!(made.len(), WRITERS * EACH);

    let list = env.cmd(&["--json", "list"]).run().success().json();
    let tokens = list.as_array().unwrap();
    let ids: BTreeSet<i64> = crate::ids(&list).into_iter().collect();
    assert_eq!(ids.len(), WRITERS * EACH, "ids are unique, none lost");
    assert_eq!(ids, (1..=(WRITERS * EACH) as i64).collect());
    let names: BTreeSet<&str> = tokens.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let expected: BTreeSet<&str> = made.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected);
    let secrets: BTreeSet<&str> = made.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(secrets.len(), made.len(), "every secret is different");

    // Every token has its one event, in the order of the ids: one writer
    // at a time, on either backend.
    assert_eq!(
        faults::created_ids(&env),
        Vec::from_iter(ids.iter().copied())
    );
    let log = env.cmd(&["--json", "log"]).run().success().json();
    assert_eq!(log.as_array().unwrap().len(), ids.len());

    // And every printed secret opens the token it was printed for.
    let input: String = made.iter().map(|(_, s)| format!("{s}\n")).collect();
    let out = env.batch(input);
    let verdicts = out.json_lines();
    assert_eq!(verdicts.len(), made.len());
    for ((name, _), v) in made.iter().zip(&verdicts) {
        assert_eq!(v["valid"], true, "{v}");
        assert_eq!(v["token"]["name"], name.as_str());
    }
}

#[test]
fn a_new_database_made_by_many_processes_at_once_is_made_once() {
    // Two processes making a database at once used to deadlock on the
    // switch to WAL, and SQLite told one of them "database is locked".
    for round in 0..8 {
        let Some(env) = Env::new() else { return };
        let start = Barrier::new(WRITERS + 2);
        std::thread::scope(|s| {
            for w in 0..WRITERS {
                let (env, start) = (&env, &start);
                s.spawn(move || {
                    start.wait();
                    let out = env
                        .cmd(&["-q", "create", "--name", &format!("r{round}w{w}")])
                        .run();
                    no_lock_error(&out.stderr);
                    out.success().stderr_is("");
                });
            }
            for _ in 0..2 {
                let (env, start) = (&env, &start);
                s.spawn(move || {
                    start.wait();
                    // A reader racing the first writer finds no database (no
                    // tables), an empty one being made, or the tokens; never
                    // an error of its own making, and it never makes the
                    // database itself.
                    let out = env.cmd(&["--json", "list"]).run();
                    no_lock_error(&out.stderr);
                    if out.code != 0 {
                        let out = out.code(1);
                        assert!(
                            out.stderr.contains(&env.missing())
                                || out.stderr.contains("not yet a tokenctl database"),
                            "{}",
                            out.stderr
                        );
                    }
                });
            }
        });
        let list = env.cmd(&["--json", "list"]).run().success().json();
        let ids = crate::ids(&list);
        assert_eq!(
            ids,
            (1..=WRITERS as i64).collect::<Vec<_>>(),
            "round {round}"
        );
    }
}

#[test]
fn a_read_command_does_not_make_an_empty_file_a_database() {
    // What a reader sees while a writer is making the database: it must
    // leave the file to the writer (here: init with its own prefix).
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::write(env.db(), b"").unwrap();
    for args in [&["list"][..], &["show", "1"], &["log"]] {
        env.cmd(args)
            .run()
            .code(1)
            .error_has("not yet a tokenctl database")
            .error_has(env.db().to_str().unwrap());
    }
    env.cmd(&["verify"])
        .stdin("x\n")
        .run()
        .code(1)
        .error_has("not yet a tokenctl database");
    assert_eq!(std::fs::read(env.db()).unwrap(), b"");
    env.cmd(&["init", "--prefix", "acme"]).run().success();
    let (_, token) = env.create(&["--name", "n"]);
    assert!(token.starts_with("acme_"), "{token}");
}

#[test]
fn verifiers_racing_writers_get_no_lock_errors_and_no_wrong_answers() {
    let Some(env) = Env::new() else { return };
    let (stable_id, stable) = env.create(&["--name", "stable"]);
    let (flip_id, flip) = env.create(&["--name", "flip"]);
    let (reset_id, first) = env.create(&["--name", "reset"]);
    let flip_id = flip_id.to_string();
    let reset_id = reset_id.to_string();

    let start = Barrier::new(7);
    let old_secrets: Vec<String> = std::thread::scope(|s| {
        let env = &env;
        let start = &start;
        // Writer: switches one token off and on.
        s.spawn(|| {
            start.wait();
            for _ in 0..25 {
                for verb in ["disable", "enable"] {
                    let out = env.cmd(&["-q", verb, &flip_id]).run();
                    no_lock_error(&out.stderr);
                    out.success();
                }
            }
        });
        // Writer: creates, revokes and purges tokens.
        s.spawn(|| {
            start.wait();
            for i in 0..12 {
                let (id, _) = env.create(&["--name", &format!("short-lived {i}")]);
                for args in [
                    &["-q", "revoke", &id.to_string(), "--yes"][..],
                    &["-q", "purge", "--include-revoked"],
                ] {
                    let out = env.cmd(args).run();
                    no_lock_error(&out.stderr);
                    out.success();
                }
            }
        });
        // Writer: resets a token; once a reset has returned (committed),
        // the old secret must never verify again.
        let resetter = s.spawn(|| {
            start.wait();
            let mut old = vec![first.clone()];
            for _ in 0..15 {
                let out = env.cmd(&["-q", "reset", &reset_id, "--yes"]).run();
                no_lock_error(&out.stderr);
                let new = out.success().stdout.trim_end().to_owned();
                let (code, v) = env.verify(old.last().unwrap(), &[]);
                assert_eq!((code, v["reason"].as_str()), (3, Some("rotated")), "{v}");
                assert_eq!(env.verify(&new, &[]).0, 0);
                old.push(new);
            }
            old.pop();
            old
        });
        // Verifiers: the token nobody touches is always valid; the one
        // being switched is valid or disabled, nothing else.
        for _ in 0..4 {
            s.spawn(|| {
                start.wait();
                for i in 0..20 {
                    let out = env
                        .cmd(&["--json", "verify"])
                        .stdin(format!("{stable}\n"))
                        .run();
                    no_lock_error(&out.stderr);
                    let v = out.success().stderr_is("").json();
                    assert_eq!(v["token"]["id"], stable_id);
                    if i % 4 == 0 {
                        let input = format!("{stable}\n{flip}\n").repeat(50);
                        let out = env.cmd(&["verify", "--batch"]).stdin(input).run();
                        no_lock_error(&out.stderr);
                        let out = out.success().stderr_is("");
                        let lines = out.json_lines();
                        assert_eq!(lines.len(), 100);
                        for pair in lines.chunks(2) {
                            assert_eq!(pair[0]["valid"], true, "{}", pair[0]);
                            let reason = &pair[1]["reason"];
                            assert!(
                                reason.is_null() || reason == "disabled",
                                "flip token: {}",
                                pair[1]
                            );
                        }
                    }
                }
            });
        }
        resetter.join().unwrap()
    });

    // Afterwards, as at every moment: the stable token verifies, every
    // secret a reset replaced is dead (the latest one "rotated"), the switched token is enabled again.
    assert_eq!(env.verify(&stable, &[]).0, 0);
    assert_eq!(env.verify(&flip, &[]).0, 0);
    let input: String = old_secrets.iter().map(|s| format!("{s}\n")).collect();
    let out = env.batch(input);
    let reasons: HashMap<String, usize> =
        out.json_lines()
            .into_iter()
            .fold(HashMap::new(), |mut counts, v| {
                *counts.entry(v["reason"].to_string()).or_default() += 1;
                counts
            });
    // The token remembers only the secret its latest reset replaced.
    assert_eq!(
        reasons,
        HashMap::from([("\"unknown\"".into(), 14), ("\"rotated\"".into(), 1)])
    );
    let log = env
        .cmd(&["--json", "log", &reset_id])
        .run()
        .success()
        .json();
    let resets = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "reset")
        .count();
    assert_eq!(resets, 15);
}

#[test]
fn a_writer_waits_for_another_that_is_making_the_database() {
    // Another process holds the write lock of a new, still empty database
    // (as a tokenctl making it does). Switching to WAL under it used to fail
    // at once with "database is locked" instead of waiting its turn.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::write(env.db(), b"").unwrap();
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let child = env
        .cmd(&["-q", "create", "--name", "n"])
        .command()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Give it time to run into the lock (if it is slower, it finds none).
    std::thread::sleep(std::time::Duration::from_millis(300));
    holder.execute_batch("ROLLBACK").unwrap();
    let out = crate::Out::from_output(child.wait_with_output().unwrap());
    no_lock_error(&out.stderr);
    let out = out.success().stderr_is("");
    assert_eq!(env.verify(out.stdout.trim_end(), &[]).0, 0);
}
