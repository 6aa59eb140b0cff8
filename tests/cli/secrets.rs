//! Secrets: printed once by the command that issues them, and nowhere
//! else: not in any file of the database (SQLite's file, -wal and -shm;
//! PostgreSQL's files, WAL and log), not on stderr, not on the stdout of any
//! other command; and a process holding one is not dumpable. Both backends.

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
    // A body is ASCII, which the lossy conversion keeps as it is; std's
    // search is fast even in a debug build, for megabytes of WAL.
    let text = String::from_utf8_lossy(haystack);
    for s in secrets {
        assert!(!text.contains(body(s)), "a secret was found in {place}");
    }
}

#[test]
fn plaintext_never_reaches_a_file_stderr_or_another_command() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    // On SQLite, an open connection keeps -wal and -shm on disk, so they
    // are searched while they hold the changes, not only after they were
    // folded in.
    let holder = (!env.is_postgres()).then(|| {
        let holder = rusqlite::Connection::open(env.db()).unwrap();
        holder
            .query_row("SELECT count(*) FROM tokens", [], |r| r.get::<_, i64>(0))
            .unwrap();
        holder
    });
    let started = std::time::SystemTime::now();

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

    if let Some(db) = env.pg() {
        // The server's files: this database's (written out by a
        // checkpoint), every WAL segment written since the test began, and
        // the server's log.
        db.batch("CHECKPOINT");
        let dir = db.files();
        for name in files_in(&dir) {
            let path = dir.join(&name);
            if path.is_file() {
                assert_absent(&std::fs::read(&path).unwrap(), &secrets, &name);
            }
        }
        let wal = db.server.file("data/pg_wal");
        let mut segments = 0;
        for name in files_in(&wal) {
            let path = wal.join(&name);
            let meta = std::fs::metadata(&path).unwrap();
            if meta.is_file() && meta.modified().unwrap() >= started {
                assert_absent(&std::fs::read(&path).unwrap(), &secrets, &name);
                segments += 1;
            }
        }
        assert!(segments > 0, "no WAL segment was written");
        let log = db.server.file("server.log");
        assert_absent(&std::fs::read(log).unwrap(), &secrets, "server.log");
    } else {
        assert_sqlite_files_clean(&env, holder, &secrets);
    }

    // The secrets did work: the current ones verify, the replaced ones not.
    let out = env.batch(all);
    assert_eq!(
        out.reasons(),
        [
            "rotated", "rotated", "rotated", "revoked", "disabled", "revoked"
        ]
        .map(Value::from)
    );
}

/// Asserts no secret is in the SQLite database, its pending WAL or its
/// shared memory; then, once `holder` closed, in the file with the WAL
/// folded in.
#[track_caller]
fn assert_sqlite_files_clean(env: &Env, holder: Option<rusqlite::Connection>, secrets: &[String]) {
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
        assert_absent(&std::fs::read(data.join(&name)).unwrap(), secrets, &name);
    }
    // And once the WAL is folded into the file.
    drop(holder);
    assert_eq!(files_in(data), ["tokens.db"]);
    assert_absent(&std::fs::read(env.db()).unwrap(), secrets, "tokens.db");
}

/// Runs `tokenctl ARGS` as `uid` with core files allowed by its parent,
/// stdin piped, in `cwd`; returns the child.
fn spawn_with_cores(
    env: &Env,
    args: &[&str],
    uid: u32,
    cwd: &std::path::Path,
) -> std::process::Child {
    let run = env.cmd(args).user(uid, uid).command();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -c unlimited && exec \"$@\"")
        .arg("sh")
        .arg(run.get_program())
        .args(run.get_args());
    for (key, value) in run.get_envs() {
        match value {
            Some(v) => cmd.env(key, v),
            None => cmd.env_remove(key),
        };
    }
    use std::os::unix::process::CommandExt;
    cmd.uid(uid)
        .gid(uid)
        .current_dir(cwd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

// issue 10 item 6: a process that holds a presented secret writes no core
// file and cannot be read by other processes of its user.
#[test]
fn a_verifier_holding_a_secret_is_not_dumpable_and_leaves_no_core() {
    use std::io::{BufRead, Write};
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::ExitStatusExt;
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "svc"]);
    // A reader of another account's file; on PostgreSQL the login is all
    // it needs.
    if !env.is_postgres() {
        crate::faults::share_read_only(&env);
    }
    let cwd = env.dir().join("cwd");
    std::fs::create_dir(&cwd).unwrap();
    std::os::unix::fs::chown(
        &cwd,
        Some(crate::faults::NOBODY),
        Some(crate::faults::NOBODY),
    )
    .unwrap();
    let mut child = spawn_with_cores(&env, &["verify", "--batch"], crate::faults::NOBODY, &cwd);
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut answer = String::new();
    let asked = writeln!(stdin, "{secret}").and_then(|()| stdin.flush());
    if asked.is_err() || stdout.read_line(&mut answer).unwrap() == 0 {
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        panic!(
            "verify ended before it answered ({:?}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(answer.contains("\"valid\":true"), "{answer}");
    // The secret is in its memory now. Its core limit is 0, though its
    // parent allowed cores, and it is not dumpable: /proc/PID belongs to
    // root instead of to the user it runs as.
    let pid = child.id();
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(&fields[4..6], ["0", "0"], "{core}");
    let environ = std::fs::metadata(format!("/proc/{pid}/environ")).unwrap();
    assert_eq!(environ.uid(), 0, "the process is dumpable");
    // SIGQUIT, whose default is a core dump: the process ends, no core.
    std::process::Command::new("kill")
        .args(["-QUIT", &pid.to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(3), "{status:?}");
    assert!(!status.core_dumped());
    let pattern = std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap();
    if !pattern.starts_with('|') {
        assert_eq!(
            files_in(&cwd),
            Vec::<String>::new(),
            "a core file was written"
        );
    }
}

// issue 10 item 6: verify on a terminal reads the token without echoing
// it, and says that it does.
#[test]
fn verify_on_a_terminal_does_not_echo_the_token() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "svc"]);
    let mut p = crate::pty(env.cmd(&["verify"]).command(), false);
    p.exp_string("it is not shown").unwrap();
    p.send_line(&secret).unwrap();
    let (rest, code) = crate::pty_end(p);
    assert_eq!(code, 0, "{rest}");
    assert!(rest.contains("valid: token 1"), "{rest}");
    assert!(
        !rest.contains(body(&secret)),
        "the token was echoed: {rest}"
    );
}
