//! Safety: verdicts and committed changes that survive a broken or closed
//! stdout, secrets revoked when they cannot be delivered (closed stdout,
//! /dev/null, a signal or a file-size limit mid-write), settings checked
//! where they are used, and no message that shows more of a secret than
//! its masked form, on both backends; and SQLite's paths: paths that are
//! only paths, database files made only by init and create, special files
//! refused.

use std::io::{Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::faults::files_in;
use crate::{Env, Out};

/// The longest any child is waited for before the test gives up on it.
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs the binary with its stdout closed (`"$0" "$@"` is the binary and
/// its arguments).
const STDOUT_CLOSED: &str = r#"exec "$0" "$@" >&-"#;

/// Runs the binary with its stdout on `/dev/null`.
const STDOUT_NULL: &str = r#"exec "$0" "$@" >/dev/null"#;

/// The write end of a pipe whose read end is already closed: every write to
/// it fails with a broken pipe.
// std::io::pipe is from Rust 1.87, newer than the crate's MSRV; the tests
// already need it (create.rs and list.rs use it inside their #[test]s,
// where clippy does not lint), the binary does not.
#[allow(clippy::incompatible_msrv)]
pub fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

/// A child process that is killed and reaped however the test ends.
struct Reaped(Option<Child>);

impl Reaped {
    /// Spawns `cmd` (stdin, stdout and stderr as the caller set them) and
    /// drops it, so the parent keeps no copy of the child's pipes.
    fn spawn(mut cmd: Command) -> Reaped {
        Reaped(Some(cmd.spawn().expect("spawn")))
    }

    fn child(&mut self) -> &mut Child {
        self.0.as_mut().unwrap()
    }

    /// Whether the child has ended (without reaping its output).
    fn ended(&mut self) -> bool {
        self.child().try_wait().unwrap().is_some()
    }

    /// Waits for the child to end, at most [`PATIENCE`]; kills it and fails
    /// the test if it is still running then.
    #[track_caller]
    fn finish(mut self, what: &str) -> Output {
        let deadline = Instant::now() + PATIENCE;
        while !self.ended() {
            if Instant::now() > deadline {
                let mut child = self.0.take().unwrap();
                let _ = child.kill();
                let output = child.wait_with_output().unwrap();
                panic!(
                    "{what}: still running after {PATIENCE:?}, killed; stderr: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.0.take().unwrap().wait_with_output().unwrap()
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `cmd` with `input` on stdin and stdout and stderr captured, waiting
/// at most [`PATIENCE`] for it to end.
#[track_caller]
fn run_bounded(mut cmd: Command, input: &str, what: &str) -> Out {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Reaped::spawn(cmd);
    let mut stdin = child.child().stdin.take().unwrap();
    // Small enough for the pipe's buffer; a program that exits without
    // reading it is its business.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    Out::from_output(child.finish(what))
}

/// `sh -c SCRIPT BIN ARGS... --db <sandbox db>` in the sandbox's
/// environment (as [`Env::cmd`] sets it up).
fn sh(env: &Env, script: &str, args: &[&str]) -> Command {
    env.cmd(args)
        .through(Path::new("sh"), &["-c", script])
        .command()
}

/// The masked form of a secret: `tok_****` and its last 4 characters.
fn masked(secret: &str) -> String {
    let (prefix, _) = secret.split_once('_').unwrap();
    format!("{prefix}_****{}", &secret[secret.len() - 4..])
}

/// Asserts that `text` holds no 6-character window of `secret` other than
/// one inside its masked form (none is, since the masked form hides the
/// body behind `*`): every window of what follows the prefix, the last 4
/// characters alone excepted, is absent.
#[track_caller]
fn assert_no_secret(text: &str, secret: &str) {
    let mask = masked(secret);
    let (_, rest) = secret.split_once('_').unwrap();
    for i in 0..=rest.len() - 6 {
        let window = &rest[i..i + 6];
        if mask.contains(window) {
            continue;
        }
        assert!(
            !text.contains(window),
            "{window:?} (characters {i}..{} of the secret after its prefix) is in {text:?}",
            i + 6
        );
    }
}

/// Asserts that `text` holds nothing that could be part of a secret this
/// test cannot know (a new one that was not delivered): no `tok_` followed
/// by a base62 character, and no run of 20 base62 characters.
#[track_caller]
fn assert_no_token_like(text: &str) {
    for (at, _) in text.match_indices("tok_") {
        let next = text[at + 4..].chars().next();
        assert!(
            !next.is_some_and(|c| c.is_ascii_alphanumeric()),
            "a token in {text:?}"
        );
    }
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_alphanumeric() {
            run + 1
        } else {
            0
        };
        assert!(run < 20, "a long base62 run in {text:?}");
    }
}

/// The detail of token `id`'s one `revoked` event.
#[track_caller]
fn revoked_detail(env: &Env, id: i64) -> String {
    let log = env
        .cmd(&["--json", "log", &id.to_string()])
        .run()
        .success()
        .json();
    let revoked: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "revoked")
        .collect();
    assert_eq!(revoked.len(), 1, "one revoked event: {log}");
    revoked[0]["detail"].as_str().unwrap_or_default().to_owned()
}

/// Asserts that token `id` was revoked because its secret was not
/// delivered.
#[track_caller]
fn assert_revoked_undelivered(env: &Env, id: i64) -> String {
    assert_eq!(env.show(id)["status"], "revoked", "token {id}");
    let detail = revoked_detail(env, id);
    assert!(
        detail.starts_with("secret not delivered"),
        "detail of token {id}'s revoked event: {detail:?}"
    );
    detail
}

/// The sandbox's tokens, one per verdict `verify` can give (and one from
/// another database): (what, token, extra verify args, exit code).
fn verdicts(env: &Env) -> Vec<(&'static str, String, Vec<&'static str>, i32)> {
    let (_, valid) = env.create(&["--name", "valid", "--scope", "read"]);
    let (r, revoked) = env.create(&["--name", "revoked"]);
    let (e, expired) = env.create(&["--name", "expired"]);
    let (d, disabled) = env.create(&["--name", "disabled"]);
    env.cmd(&["-q", "revoke", &r.to_string(), "--yes"])
        .run()
        .success();
    env.cmd(&["-q", "disable", &d.to_string()]).run().success();
    assert_eq!(
        env.sql(&format!("UPDATE tokens SET expires_at = 1 WHERE id = {e}")),
        1
    );
    let (_, stranger) = env.another().create(&["--name", "elsewhere"]);
    // The premises, with stdout as usual.
    assert_eq!(env.verify(&revoked, &[]).1["reason"], "revoked");
    assert_eq!(env.verify(&expired, &[]).1["reason"], "expired");
    assert_eq!(env.verify(&disabled, &[]).1["reason"], "disabled");
    assert_eq!(env.verify(&stranger, &[]).1["reason"], "unknown");
    vec![
        ("malformed", "garbage".to_owned(), vec![], 3),
        ("unknown", stranger, vec![], 3),
        ("revoked", revoked, vec![], 3),
        ("expired", expired, vec![], 3),
        ("disabled", disabled, vec![], 3),
        (
            "missing scope",
            valid.clone(),
            vec!["--require-scope", "x"],
            4,
        ),
        ("valid", valid, vec![], 0),
    ]
}

// issue 10 item 1
#[test]
fn verify_exits_with_its_verdict_when_stdout_is_a_broken_pipe() {
    let Some(env) = Env::new() else { return };
    for (what, token, extra, code) in verdicts(&env) {
        for form in [&[][..], &["--json"], &["-q"]] {
            let mut args = form.to_vec();
            args.push("verify");
            args.extend(&extra);
            let out = env
                .cmd(&args)
                .stdin(format!("{token}\n"))
                .run_with_stdout(closed_pipe());
            assert_eq!(
                out.code, code,
                "{what}: {args:?} with a broken pipe as stdout; stderr: {}",
                out.stderr
            );
        }
    }
}

// issue 10 item 1
#[test]
fn verify_exits_with_its_verdict_when_stdout_is_closed() {
    let Some(env) = Env::new() else { return };
    for (what, token, extra, code) in verdicts(&env) {
        for form in [&[][..], &["--json"], &["-q"]] {
            let mut args = form.to_vec();
            args.push("verify");
            args.extend(&extra);
            let out = run_bounded(
                sh(&env, STDOUT_CLOSED, &args),
                &format!("{token}\n"),
                "verify",
            );
            assert_eq!(
                out.code, code,
                "{what}: {args:?} with stdout closed; stderr: {}",
                out.stderr
            );
        }
    }
}

// issue 10 item 1
#[test]
fn verify_batch_into_a_broken_pipe_is_a_runtime_error() {
    let Some(env) = Env::new() else { return };
    let (_, token) = env.create(&["--name", "n"]);
    for args in [&["verify", "--batch"][..], &["-q", "verify", "--batch"]] {
        env.cmd(args)
            .stdin(format!("{token}\ngarbage\n"))
            .run_with_stdout(closed_pipe())
            .code(1)
            .error_has("stdout")
            .error_has("closed");
    }
}

// issue 10 item 1
#[test]
fn commands_whose_output_is_data_end_quietly_on_a_broken_pipe() {
    let Some(env) = Env::new() else { return };
    for i in 0..3 {
        env.create(&["--name", &format!("t{i}")]);
    }
    for args in [
        &["list"][..],
        &["--json", "list"],
        &["show", "1"],
        &["--json", "show", "1"],
        &["log"],
        &["--json", "log"],
        &["completions", "bash"],
    ] {
        env.cmd(args)
            .run_with_stdout(closed_pipe())
            .success()
            .stderr_is("");
    }
}

// issue 10 item 1
#[test]
fn changes_are_committed_and_succeed_whatever_happens_to_stdout() {
    let Some(env) = Env::new() else { return };
    for name in ["revoked", "switched", "expired"] {
        env.create(&["--name", name]);
    }
    env.cmd(&["--json", "revoke", "1", "--yes"])
        .run_with_stdout(closed_pipe())
        .success();
    assert_eq!(env.show(1)["status"], "revoked");

    env.cmd(&["--json", "disable", "2"])
        .run_with_stdout(closed_pipe())
        .success();
    assert_eq!(env.show(2)["status"], "disabled");
    env.cmd(&["--json", "enable", "2"])
        .run_with_stdout(closed_pipe())
        .success();
    assert_eq!(env.show(2)["status"], "active");
    assert_eq!(
        env.actions(2),
        ["created", "disabled", "enabled"].map(String::from)
    );

    assert_eq!(env.sql("UPDATE tokens SET expires_at = 1 WHERE id = 3"), 1);
    env.cmd(&["--json", "purge"])
        .run_with_stdout(closed_pipe())
        .success();
    assert_eq!(env.listed_ids(), [1, 2]);
    assert_eq!(env.actions(3), ["created", "purged"].map(String::from));
}

// issue 10 item 1
#[test]
fn a_secret_into_a_broken_pipe_is_revoked() {
    let Some(env) = Env::new() else { return };
    let forms: [&[&str]; 3] = [&[], &["-q"], &["--json"]];
    let mut id = 0;
    for form in forms {
        id += 1;
        let mut args = form.to_vec();
        args.extend(["create", "--name", "lost"]);
        let out = env
            .cmd(&args)
            .run_with_stdout(closed_pipe())
            .code(1)
            .error_has("revoked");
        assert_no_token_like(&out.stderr);
        assert_revoked_undelivered(&env, id);
    }
    for form in forms {
        let (id, old) = env.create(&["--name", "reset me"]);
        let id_text = id.to_string();
        let mut args = form.to_vec();
        args.extend(["reset", &id_text, "--yes"]);
        let out = env
            .cmd(&args)
            .run_with_stdout(closed_pipe())
            .code(1)
            .error_has("revoked");
        assert_no_token_like(&out.stderr);
        assert_no_secret(&out.stderr, &old);
        assert_revoked_undelivered(&env, id);
        // The replaced secret does not work either.
        assert_eq!(env.verify(&old, &[]).0, 3);
    }
}

// issue 10 item 7
#[test]
fn a_secret_for_a_closed_stdout_or_dev_null_is_revoked() {
    let Some(env) = Env::new() else { return };
    let forms: [&[&str]; 3] = [&[], &["-q"], &["--json"]];
    for script in [STDOUT_CLOSED, STDOUT_NULL] {
        for form in forms {
            let mut args = form.to_vec();
            args.extend(["create", "--name", "x"]);
            let out = run_bounded(sh(&env, script, &args), "", "create")
                .code(1)
                .error_has("revoked")
                .stdout_is("");
            assert_no_token_like(&out.stderr);
            let id = *env.listed_ids().last().unwrap();
            assert_revoked_undelivered(&env, id);

            let (id, old) = env.create(&["--name", "reset me"]);
            let id_text = id.to_string();
            let mut args = form.to_vec();
            args.extend(["reset", &id_text, "--yes"]);
            let out = run_bounded(sh(&env, script, &args), "", "reset")
                .code(1)
                .error_has("revoked")
                .stdout_is("");
            assert_no_token_like(&out.stderr);
            assert_no_secret(&out.stderr, &old);
            assert_revoked_undelivered(&env, id);
        }
    }
    // Every create made one token, and each was revoked.
    let list = env.cmd(&["--json", "list"]).run().success().json();
    assert_eq!(list.as_array().unwrap().len(), 12);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "revoked")
    );
}

/// The bytes that fill a Linux pipe (its default capacity, 64 KiB).
const PIPE_CAPACITY: usize = 65536;

// issue 10 item 8
#[test]
fn a_signal_while_the_secret_waits_for_a_full_pipe_revokes_it() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "init"]).run().success();
    for (n, signal) in [(15, "TERM"), (2, "INT"), (1, "HUP")] {
        let (mut reader, mut writer) = std::io::pipe().unwrap();
        writer.write_all(&[b'.'; PIPE_CAPACITY]).unwrap();
        let name = format!("n {signal}");
        let mut cmd = env.cmd(&["-q", "create", "--name", &name]).command();
        cmd.stdin(Stdio::null())
            .stdout(writer)
            .stderr(Stdio::piped());
        let mut child = Reaped::spawn(cmd);

        // Once the token is committed, the process waits to write its
        // secret into the full pipe.
        let deadline = Instant::now() + PATIENCE;
        let id = loop {
            let list = env.cmd(&["--json", "list"]).run().success().json();
            let found: Vec<i64> = list
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["name"] == name.as_str())
                .map(|t| t["id"].as_i64().unwrap())
                .collect();
            if let [id] = found[..] {
                break id;
            }
            assert!(
                !child.ended(),
                "SIG{signal}: create ended before its token was listed: {:?}",
                child.0.take().unwrap().wait_with_output().unwrap()
            );
            assert!(Instant::now() < deadline, "SIG{signal}: no token appeared");
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            !child.ended(),
            "SIG{signal}: create did not wait for the pipe"
        );

        let pid = child.child().id().to_string();
        let kill = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap();
        assert!(kill.success());
        let output = child.finish(&format!("create after SIG{signal}"));
        assert!(
            output.status.signal() == Some(n) || output.status.code() == Some(128 + n),
            "SIG{signal}: create ended with {:?}",
            output.status
        );
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_no_token_like(&stderr);

        let detail = assert_revoked_undelivered(&env, id);
        assert!(
            detail.contains(&format!("SIG{signal}")),
            "detail of token {id}'s revoked event: {detail:?}"
        );
        // Nothing of the secret reached the pipe.
        let mut piped = Vec::new();
        reader.read_to_end(&mut piped).unwrap();
        assert_eq!(piped, [b'.'; PIPE_CAPACITY]);
    }
}

// issue 10 item 8
#[test]
fn a_file_size_limit_while_writing_the_secret_revokes_it() {
    let Some(env) = Env::new() else { return };
    let out_file = env.dir().join("out");
    // 200 blocks of 512 bytes: full, while the database still fits.
    let filler = vec![b'.'; 200 * 512];
    std::fs::write(&out_file, &filler).unwrap();
    let script = r#"ulimit -f 200 || exit 99; exec "$0" "$@" >> "$OUT""#;
    for (id, form) in [(1, "-q"), (2, "--json")] {
        let mut cmd = sh(&env, script, &[form, "create", "--name", "n"]);
        cmd.env("OUT", &out_file);
        let out = run_bounded(cmd, "", "create under ulimit -f");
        assert_eq!(
            out.code, 1,
            "{form} create into a file at its size limit (-1: killed by a signal); stderr: {}",
            out.stderr
        );
        let out = out.error_has("revoked");
        assert_no_token_like(&out.stderr);
        assert_revoked_undelivered(&env, id);
        assert_eq!(std::fs::read(&out_file).unwrap(), filler);
    }
}

/// Runs `args` with `--db DB` from the directory `cwd`, with `input` on
/// stdin.
#[track_caller]
fn in_dir(env: &Env, cwd: &Path, db: &str, args: &[&str], input: &str) -> Out {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    let mut cmd = env.bare(&all).command();
    cmd.current_dir(cwd);
    run_bounded(cmd, input, &format!("{args:?}"))
}

// issue 10 item 10
#[test]
fn sqlite_special_names_are_plain_file_names() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    for name in [":memory:", "file:x.db?mode=memory"] {
        let cwd = env.dir().join(format!("cwd {}", name.len()));
        std::fs::create_dir(&cwd).unwrap();
        let out = in_dir(&env, &cwd, name, &["-q", "create", "--name", "m"], "").success();
        let secret = out.stdout.trim_end().to_owned();
        assert!(secret.starts_with("tok_"), "{:?}", out.stdout);
        let meta = std::fs::symlink_metadata(cwd.join(name))
            .unwrap_or_else(|e| panic!("{name:?} in the current directory: {e}"));
        assert!(meta.is_file(), "{name:?} is not a regular file");
        assert_eq!(files_in(&cwd), [name], "{name:?}");

        let list = in_dir(&env, &cwd, name, &["--json", "list"], "")
            .success()
            .json();
        assert_eq!(crate::ids(&list), [1], "{name:?}");
        assert_eq!(list[0]["name"], "m");
        let out = in_dir(
            &env,
            &cwd,
            name,
            &["--json", "verify"],
            &format!("{secret}\n"),
        )
        .success();
        assert_eq!(out.json()["valid"], true, "{name:?}");
        assert_eq!(files_in(&cwd), [name], "{name:?}");
    }
}

/// Every command but init and create, each run on a database that does
/// not exist.
pub fn commands_on_a_missing_database() -> Vec<Vec<&'static str>> {
    [
        &["purge"][..],
        &["-q", "purge"],
        &["purge", "--dry-run"],
        &["revoke", "1", "--yes"],
        &["revoke", "--owner", "alice", "--yes"],
        &["reset", "1", "--yes"],
        &["enable", "1"],
        &["disable", "1"],
        &["list"],
        &["show", "1"],
        &["log"],
        &["verify"],
    ]
    .map(<[&str]>::to_vec)
    .to_vec()
}

// issue 10 item 12
#[test]
fn only_init_and_create_make_a_database() {
    // Paths; postgres.rs runs the same commands on a database without
    // tokenctl's tables.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, stranger) = env.another().create(&["--name", "elsewhere"]);
    let input = format!("{stranger}\n");
    // The sandbox's own path (its directory missing), a file missing from
    // a directory that exists, and a path two missing directories deep.
    let present = env.dir().join("present");
    std::fs::create_dir(&present).unwrap();
    let in_present = present.join("tokens.db");
    let deep = env.dir().join("a").join("b").join("tokens.db");
    for db in [env.db(), &in_present, &deep] {
        let path = db.to_str().unwrap();
        for args in commands_on_a_missing_database() {
            let mut all = vec!["--db", path];
            all.extend(&args);
            env.bare(&all)
                .stdin(input.clone())
                .run()
                .code(1)
                .error_has(path)
                .stdout_is("");
            assert_eq!(files_in(env.dir()), ["present"], "after {args:?}");
            assert!(files_in(&present).is_empty(), "after {args:?}");
        }
    }
}

// issue 10 item 12
#[test]
fn only_init_and_create_make_the_default_database() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let default = env.dir().join("home/.local/share/tokenctl/tokens.db");
    let path = default.to_str().unwrap();
    let (_, stranger) = env.another().create(&["--name", "elsewhere"]);
    for args in commands_on_a_missing_database() {
        env.bare(&args)
            .stdin(format!("{stranger}\n"))
            .run()
            .code(1)
            .error_has(path)
            .stdout_is("");
        assert!(
            !env.dir().join("home/.local/share/tokenctl").exists(),
            "{args:?} made the default data directory"
        );
        assert!(files_in(env.dir()).is_empty(), "after {args:?}");
    }
}

/// A 101-character actor: one too long.
fn long_actor() -> String {
    "a".repeat(101)
}

// issue 10 item 15
#[test]
fn a_bad_actor_in_the_environment_does_not_stop_verify_or_list() {
    let Some(env) = Env::new() else { return };
    let (_, token) = env.create(&["--name", "n"]);
    for actor in [String::new(), long_actor()] {
        env.cmd(&["-q", "verify"])
            .env("TOKENCTL_ACTOR", &actor)
            .stdin(format!("{token}\n"))
            .run()
            .success()
            .stderr_is("");
        env.cmd(&["--json", "list"])
            .env("TOKENCTL_ACTOR", &actor)
            .run()
            .success()
            .stderr_is("");
    }
}

// issue 10 item 15
#[test]
fn a_bad_actor_in_the_environment_is_named_by_create() {
    let Some(env) = Env::new() else { return };
    for actor in [String::new(), long_actor()] {
        env.cmd(&["create", "--name", "n"])
            .env("TOKENCTL_ACTOR", &actor)
            .run()
            .code(2)
            .error_has("TOKENCTL_ACTOR")
            .stdout_is("");
    }
    assert!(!env.exists());
}

// issue 10 item 15
#[test]
fn an_empty_actor_flag_is_named() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["--actor", "", "create", "--name", "n"])
        .run()
        .code(2)
        .error_has("--actor")
        .stdout_is("");
    assert!(!env.exists());
}

// issue 10 item 15
#[test]
fn an_empty_db_variable_does_not_stop_completions() {
    let Some(env) = Env::no_database() else {
        return;
    };
    let out = env
        .bare(&["completions", "bash"])
        .env("TOKENCTL_DB", "")
        .run()
        .success()
        .stderr_is("");
    assert!(out.stdout.contains("tokenctl"), "{:?}", out.stdout);
}

// issue 10 item 15
#[test]
fn an_empty_db_variable_is_named_by_list() {
    let Some(env) = Env::no_database() else {
        return;
    };
    env.bare(&["list"])
        .env("TOKENCTL_DB", "")
        .run()
        .code(2)
        .error_has("TOKENCTL_DB")
        .stdout_is("");
}

/// Runs each command that must refuse `db` (a FIFO, a device, a
/// directory), bounded: exit 1, naming it and saying what it is.
#[track_caller]
fn refused(env: &Env, db: &Path, what: &str, commands: &[&[&str]]) {
    let (_, stranger) = env.another().create(&["--name", "elsewhere"]);
    let path = db.to_str().unwrap();
    for args in commands {
        let mut all = vec!["--db", path];
        all.extend_from_slice(args);
        let cmd = env.bare(&all).command();
        run_bounded(
            cmd,
            &format!("{stranger}\n"),
            &format!("{args:?} on {path}"),
        )
        .code(1)
        .error_has(path)
        .error_has(what)
        .stdout_is("");
    }
}

// issue 10 item 16
#[test]
fn a_fifo_is_refused_at_once() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let fifo = env.dir().join("fifo.db");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    refused(
        &env,
        &fifo,
        "FIFO",
        &[
            &["list"],
            &["verify"],
            &["-q", "create", "--name", "n"],
            &["revoke", "1", "--yes"],
        ],
    );
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(files_in(env.dir()), ["fifo.db"]);
}

// issue 10 item 16
#[test]
fn dev_null_is_refused_and_gets_no_neighbours() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let neighbours = ["/dev/null-journal", "/dev/null-wal", "/dev/null-shm"];
    let before: Vec<bool> = neighbours.iter().map(|p| Path::new(p).exists()).collect();
    refused(
        &env,
        Path::new("/dev/null"),
        "a device",
        &[&["list"], &["-q", "create", "--name", "n"], &["verify"]],
    );
    for (path, existed) in neighbours.iter().zip(before) {
        if !existed {
            assert!(!Path::new(path).exists(), "{path} was created");
        }
    }
}

// issue 10 item 16
#[test]
fn a_directory_is_refused() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let dir = env.dir().join("adir");
    std::fs::create_dir(&dir).unwrap();
    refused(
        &env,
        &dir,
        "directory",
        &[&["list"], &["-q", "create", "--name", "n"], &["verify"]],
    );
    assert!(files_in(&dir).is_empty());
    assert_eq!(files_in(env.dir()), ["adir"]);
}

// issue 10 item 5
#[test]
fn no_message_shows_more_than_the_masked_form_of_a_secret() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "real"]);
    let typo = crate::typo(&secret);
    let (code, verdict) = env.verify(&typo, &[]);
    assert_eq!((code, &verdict["reason"]), (3, &Value::from("malformed")));
    for s in [&secret, &typo] {
        let name = format!("{s}\u{202e}");
        let owner = format!("{s} ");
        let actor = format!("{s}\u{200b}");
        let cases: [&[&str]; 8] = [
            &["verify", "--require-scope", s],
            &["create", "--name", &name],
            &["create", "--name", "n", "--owner", &owner],
            &["create", "--name", "n", "--scope", s],
            &["create", "--name", "n", "--expires-in", s],
            &["show", s],
            &[s],
            &["--actor", &actor, "create", "--name", "n"],
        ];
        for args in cases {
            let out = env
                .cmd(args)
                .stdin(format!("{secret}\n"))
                .run()
                .code(2)
                .stdout_is("");
            assert!(out.stderr.starts_with("tokenctl: "), "{:?}", out.stderr);
            assert_no_secret(&out.stderr, &secret);
            assert_no_secret(&out.stderr, s);
        }
    }
    assert_eq!(env.listed_ids(), [1]);
}
