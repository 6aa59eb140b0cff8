//! Faults: writers killed mid-transaction (both backends: every token whole
//! with its event, every printed secret working); and SQLite's own: damaged
//! files, paths that cannot work, a full disk, and a database its verifier
//! may only read. Each ends in one line that names the path and what to do,
//! with the file as it was.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::{Env, Out};

/// The unprivileged user (and group) the read-only verifier runs as.
pub const NOBODY: u32 = 65534;

/// `PRAGMA integrity_check` of the database file.
pub fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

/// The names of the files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Path with a suffix appended, as SQLite names its -wal and -shm files.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// Asserts the database is undamaged: SQLite's integrity check; a
/// PostgreSQL server recovers on its own.
#[track_caller]
fn assert_sound(env: &Env) {
    if !env.is_postgres() {
        assert_eq!(integrity(env.db()), "ok");
    }
}

/// The token ids of the `created` events in the audit trail, in order.
pub fn created_ids(env: &Env) -> Vec<i64> {
    let log = env.cmd(&["--json", "log"]).run().success().json();
    log.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "created")
        .map(|e| e["token_id"].as_i64().unwrap())
        .collect()
}

/// `--scope` arguments that make one token row of about 90 KB: a
/// transaction that writes many pages.
fn big_scopes() -> Vec<String> {
    (0..1500)
        .flat_map(|i| ["--scope".to_string(), format!("s{i:04}-{}", "x".repeat(53))])
        .collect()
}

#[test]
fn writers_killed_mid_transaction_leave_a_sound_database() {
    let Some(env) = Env::new() else { return };
    // The kills are spread over what a create takes here, at least 20 ms:
    // a PostgreSQL command spends tens of milliseconds logging in first.
    let started = std::time::Instant::now();
    let (first_id, first) = env.create(&["--name", "first"]);
    let spread = (started.elapsed() * 3 / 2).max(Duration::from_millis(20));
    let big = big_scopes();
    let mut printed: Vec<String> = Vec::new();
    let mut killed = 0;
    for round in 0..30u64 {
        let children: Vec<_> = (0..3)
            .map(|k| {
                let mut cmd = env
                    .cmd(&["-q", "create", "--name", &format!("victim {round}.{k}")])
                    .command();
                if k == 0 {
                    cmd.args(&big);
                }
                cmd.stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        // Kill at a spread of moments: before, during and after the
        // transaction (no timing is asserted, only varied).
        let at = u32::try_from(round * 7919 % 40).unwrap();
        std::thread::sleep(spread * at / 40);
        for mut child in children {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            if output.status.signal() == Some(9) {
                killed += 1;
            }
            let out = Out::from_output(output);
            // A secret is written in one piece, after its commit: a killed
            // create printed all of it or nothing.
            if !out.stdout.is_empty() {
                assert!(out.stdout.ends_with('\n'), "{:?}", out.stdout);
                assert_eq!(out.stdout.lines().count(), 1);
                printed.push(out.stdout.trim_end().to_owned());
            }
            if out.code != -1 {
                out.success().stderr_is("");
            }
        }
    }
    assert!(killed > 0, "no process was killed; the test proved nothing");

    // SQLite (or the server) recovers what the killed writers left, and
    // nothing is damaged.
    assert_sound(&env);

    // Every token was written whole, with its audit event.
    let list = env.cmd(&["--json", "list"]).run().success().json();
    let ids = crate::ids(&list);
    assert_eq!(created_ids(&env), ids);
    assert!(ids.len() > printed.len(), "{} tokens", ids.len());
    for t in list.as_array().unwrap() {
        if t["name"].as_str().unwrap().ends_with(".0") {
            assert_eq!(t["scopes"].as_array().unwrap().len(), 1500, "{}", t["id"]);
        }
    }

    // Every secret a create printed before it was killed works.
    let input: String = printed.iter().map(|s| format!("{s}\n")).collect();
    let out = env.batch(input);
    assert_eq!(out.reasons(), vec![Value::Null; printed.len()]);

    // And the tool keeps working.
    assert_eq!(env.verify(&first, &[]).1["token"]["id"], first_id);
    let (id, token) = env.create(&["--name", "after"]);
    assert_eq!(env.verify(&token, &[]).1["token"]["id"], id);
    assert_sound(&env);
}

#[test]
fn a_damaged_database_is_reported_with_its_path_and_left_alone() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, token) = env.create(&["--name", "a", "--owner", "o"]);
    for i in 0..20 {
        env.create(&["--name", &format!("n{i}"), "--owner", "o"]);
    }
    let good = std::fs::read(env.db()).unwrap();
    assert!(good.len() >= 5 * 4096, "{}", good.len());
    let path = env.db().to_str().unwrap();
    // Page 1 (the header and the schema) intact, every other page garbage;
    // then the same file cut short.
    let mut garbled = good.clone();
    for (i, b) in garbled.iter_mut().enumerate().skip(4096) {
        *b = (i * 131 % 251) as u8;
    }
    let truncated = good[..good.len() / 2].to_vec();
    for damaged in [garbled, truncated] {
        std::fs::write(env.db(), &damaged).unwrap();
        for args in [
            &["list"][..],
            &["show", "1"],
            &["log"],
            &["-q", "create", "--name", "n"],
            &["revoke", "--owner", "o", "--yes"],
            &["purge"],
        ] {
            env.cmd(args)
                .run()
                .code(1)
                .error_has(path)
                .error_has("damaged")
                .error_has("restore it from a backup")
                .stdout_is("");
        }
        // A well-formed token must be looked up: that fails the same way.
        env.cmd(&["verify"])
            .stdin(format!("{token}\n"))
            .run()
            .code(1)
            .error_has(path)
            .error_has("damaged");
        assert_eq!(std::fs::read(env.db()).unwrap(), damaged, "file changed");
    }
}

#[test]
fn a_file_where_a_directory_should_be_is_reported() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let file = env.dir().join("plain");
    std::fs::write(&file, b"not a directory").unwrap();
    let db = file.join("tokens.db");
    let db_text = db.to_str().unwrap();
    env.bare(&["--db", db_text, "-q", "create", "--name", "n"])
        .run()
        .code(1)
        .error_has(db_text)
        .error_has("pass --db")
        .stdout_is("");
    env.bare(&["--db", db_text, "list"])
        .run()
        .code(1)
        .error_has(db_text);
    assert_eq!(std::fs::read(&file).unwrap(), b"not a directory");
}

#[test]
fn a_parent_this_user_may_not_write_or_enter_is_reported() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    chmod(env.dir(), 0o755);
    // Writable only by root: a service account cannot create a database here.
    let locked = env.dir().join("locked");
    std::fs::create_dir(&locked).unwrap();
    chmod(&locked, 0o755);
    let db = locked.join("tokens.db");
    let db_text = db.to_str().unwrap();
    env.bare(&["--db", db_text, "-q", "create", "--name", "n"])
        .user(NOBODY, NOBODY)
        .run()
        .code(1)
        .error_has(db_text)
        .error_has("Permission denied")
        .error_has("pass --db")
        .stdout_is("");
    assert!(files_in(&locked).is_empty());
    // A database in a directory the user may not enter: not "missing".
    let private = env.dir().join("private");
    let db = private.join("tokens.db");
    let db_text = db.to_str().unwrap();
    env.bare(&["--db", db_text, "-q", "create", "--name", "n"])
        .run()
        .success();
    chmod(&private, 0o700);
    env.bare(&["--db", db_text, "verify"])
        .user(NOBODY, NOBODY)
        .stdin("x\n")
        .run()
        .code(1)
        .error_has(db_text)
        .error_has("cannot reach database")
        .error_has("may enter its directory");
}

/// tokenctl on the sandbox database with files limited to `blocks` of 512
/// bytes, as a full disk does: a write past the limit fails (with SIGXFSZ
/// ignored, as the test's stand-in for ENOSPC).
pub fn disk_limited<S: AsRef<std::ffi::OsStr>>(env: &Env, blocks: u32, args: &[S]) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f \"$1\" || exit 99; shift; exec \"$@\"")
        .arg("sh")
        .arg(blocks.to_string())
        .arg(env!("CARGO_BIN_EXE_tokenctl"))
        .arg("--db")
        .arg(env.db())
        .args(args)
        .env_remove("TOKENCTL_DB")
        .env_remove("TOKENCTL_ACTOR");
    command
}

/// Runs [`disk_limited`] with no input.
fn with_disk_limit(env: &Env, blocks: u32, args: &[String]) -> Out {
    let output = disk_limited(env, blocks, args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Out::from_output(output)
}

#[test]
fn a_full_disk_fails_cleanly_and_prints_no_secret() {
    // The limit is on the client's files: a server's disk is its own.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, token) = env.create(&["--name", "before"]);
    let log_before = env.cmd(&["--json", "log"]).run().success().json();
    let path = env.db().to_str().unwrap();

    // A token of about 90 KB does not fit in 32 KB of WAL.
    let mut args: Vec<String> = ["-q", "create", "--name", "big"].map(String::from).to_vec();
    args.extend(big_scopes());
    with_disk_limit(&env, 64, &args)
        .code(1)
        .error_has(path)
        .error_has("space")
        .stdout_is("");
    // The same with the JSON form, which carries the secret too.
    args[0] = "--json".into();
    with_disk_limit(&env, 64, &args)
        .code(1)
        .error_has("space")
        .stdout_is("");

    // Nothing half-written: the database is sound and as it was.
    assert_eq!(integrity(env.db()), "ok");
    assert_eq!(
        env.cmd(&["--json", "log"]).run().success().json(),
        log_before
    );
    assert_eq!(env.listed_ids().len(), 1);
    assert_eq!(env.verify(&token, &[]).0, 0);
    // With room again, the same create works.
    args[0] = "-q".into();
    let str_args: Vec<&str> = args.iter().map(String::as_str).collect();
    let secret = env.cmd(&str_args).run().success().stdout;
    assert_eq!(env.verify(secret.trim_end(), &[]).0, 0);
}

#[test]
fn a_full_disk_while_making_a_new_database_leaves_nothing_in_the_way() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let args = ["-q", "create", "--name", "n"].map(String::from);
    with_disk_limit(&env, 4, &args)
        .code(1)
        .error_has(env.db().to_str().unwrap())
        .error_has("space")
        .stdout_is("");
    let (id, token) = env.create(&["--name", "n"]);
    assert_eq!(id, 1);
    assert_eq!(env.verify(&token, &[]).0, 0);
    assert_eq!(integrity(env.db()), "ok");
}

/// Shares the sandbox database with other users read-only, as with a
/// service account: directories r-x, files r--.
pub fn share_read_only(env: &Env) {
    chmod(env.dir(), 0o755);
    let data = env.db().parent().unwrap();
    for name in files_in(data) {
        chmod(&data.join(name), 0o444);
    }
    chmod(data, 0o555);
}

/// The tokens of a read-only test: valid, disabled, revoked, and one from
/// another database.
struct Cast {
    valid: String,
    disabled: String,
    revoked: String,
    stranger: String,
}

fn cast(env: &Env) -> Cast {
    let (_, valid) = env.create(&["--name", "valid"]);
    let (d, disabled) = env.create(&["--name", "disabled"]);
    let (r, revoked) = env.create(&["--name", "revoked"]);
    env.cmd(&["-q", "disable", &d.to_string()]).run().success();
    env.cmd(&["-q", "revoke", &r.to_string(), "--yes"])
        .run()
        .success();
    let (_, stranger) = env.another().create(&["--name", "elsewhere"]);
    Cast {
        valid,
        disabled,
        revoked,
        stranger,
    }
}

/// Verifies the cast as the unprivileged user: every verdict right.
fn verify_as_nobody(env: &Env, c: &Cast) {
    for (token, code, reason) in [
        (&c.valid, 0, Value::Null),
        (&c.disabled, 3, "disabled".into()),
        (&c.revoked, 3, "revoked".into()),
        (&c.stranger, 3, "unknown".into()),
    ] {
        let out = env
            .cmd(&["--json", "verify"])
            .user(NOBODY, NOBODY)
            .stdin(format!("{token}\n"))
            .run()
            .code(code)
            .stderr_is("");
        assert_eq!(out.json()["reason"], reason);
    }
    let input = format!(
        "{}\n{}\n{}\n{}\nnot-a-token\n",
        c.valid, c.disabled, c.revoked, c.stranger
    );
    let out = env
        .cmd(&["verify", "--batch"])
        .user(NOBODY, NOBODY)
        .stdin(input)
        .run()
        .success()
        .stderr_is("");
    assert_eq!(
        out.reasons(),
        [
            Value::Null,
            "disabled".into(),
            "revoked".into(),
            "unknown".into(),
            "malformed".into()
        ]
    );
}

#[test]
fn a_verifier_that_may_only_read_a_clean_database_still_answers() {
    // File modes; postgres.rs has a role that may only read.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let c = cast(&env);
    let data = env.db().parent().unwrap().to_owned();
    assert_eq!(files_in(&data), ["tokens.db"], "no pending WAL");
    share_read_only(&env);
    let before = std::fs::read(env.db()).unwrap();

    verify_as_nobody(&env, &c);
    // Use was not recorded (the file is byte for byte the same), and no
    // -wal or -shm file was left behind.
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
    assert_eq!(files_in(&data), ["tokens.db"]);
    let v = env.cmd(&["--json", "show", "1"]).user(NOBODY, NOBODY).run();
    assert_eq!(v.success().json()["last_used_at"], Value::Null);
    // Changing it is refused with a reason.
    env.cmd(&["-q", "create", "--name", "n"])
        .user(NOBODY, NOBODY)
        .run()
        .code(1)
        .error_has(env.db().to_str().unwrap())
        .error_has("may only read")
        .stdout_is("");
}

#[test]
fn a_verifier_that_may_only_read_sees_pending_wal_content_or_refuses() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    env.create(&["--name", "base"]);
    // An open connection keeps the WAL from being folded into the file when
    // the writers below exit: their changes stay pending in -wal.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    let n: i64 = holder
        .query_row("SELECT count(*) FROM tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let c = cast(&env);
    let wal = with_suffix(env.db(), "-wal");
    assert!(std::fs::metadata(&wal).unwrap().len() > 0, "no pending WAL");
    share_read_only(&env);
    let before = std::fs::read(env.db()).unwrap();

    // The tokens exist only in the WAL, and the verifier sees them.
    verify_as_nobody(&env, &c);
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
    let v = env.cmd(&["--json", "show", "2"]).user(NOBODY, NOBODY).run();
    assert_eq!(v.success().json()["last_used_at"], Value::Null);

    // A WAL it may not read: no answer from stale data.
    chmod(&wal, 0o400);
    env.cmd(&["verify"])
        .user(NOBODY, NOBODY)
        .stdin(format!("{}\n", c.valid))
        .run()
        .code(1)
        .error_has(wal.to_str().unwrap())
        .error_has("may not read")
        .stdout_is("");
    chmod(&wal, 0o444);

    // A WAL with pending content but no -shm, in a directory where the
    // verifier cannot create one: refused too.
    let copy = env.dir().join("copy");
    std::fs::create_dir(&copy).unwrap();
    std::fs::copy(env.db(), copy.join("tokens.db")).unwrap();
    std::fs::copy(&wal, copy.join("tokens.db-wal")).unwrap();
    for name in files_in(&copy) {
        chmod(&copy.join(name), 0o444);
    }
    chmod(&copy, 0o555);
    let copy_db = copy.join("tokens.db");
    env.bare(&["--db", copy_db.to_str().unwrap(), "verify"])
        .user(NOBODY, NOBODY)
        .stdin(format!("{}\n", c.valid))
        .run()
        .code(1)
        .error_has("cannot read the pending changes")
        .error_has(copy_db.to_str().unwrap())
        .stdout_is("");
    assert_eq!(files_in(&copy), ["tokens.db", "tokens.db-wal"]);
    drop(holder);
}
