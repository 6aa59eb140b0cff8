//! `verify --batch` as a co-process: each answer arrives while stdin is
//! still open, so a caller can send a token and wait for its verdict (on
//! both backends), whenever its input pauses, even in the middle of a line;
//! on SQLite, a reader that stops reading holds no snapshot
//! that would grow the WAL, and a batch that fails exits while its input is
//! still open; a change another process commits is seen at the next line.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;

use crate::Env;
use crate::faults::disk_limited;

#[test]
fn batch_answers_each_line_before_the_next_arrives() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "svc"]);
    // If answers were held back, the assertions below fail on the missing
    // answer.
    let (mut child, mut stdin, mut stdout, watchdog) = co_process(&env);
    let mut ask = |line: &str| ask(&mut stdin, &mut stdout, line);
    let first = ask(&secret);
    assert_eq!(first["valid"], true);
    assert_eq!(first["token"]["id"], id);
    // Its use is recorded by the time it is answered, not at the end.
    assert!(env.show(id)["last_used_at"].is_string());
    let second = ask("tok_not-a-token");
    assert_eq!(second["reason"], "malformed");
    let third = ask(&secret);
    assert_eq!(third["valid"], true);
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "", "nothing after the last answer");
    let status = child.wait().unwrap();
    watchdog.stop();
    assert_eq!(status.code(), Some(0));
}

// A line begun but not ended holds back no answer to the lines before it,
// and a burst of lines sent at once (more than a group, and far more than
// one read of the pipe) is answered whole while stdin stays open.
#[test]
fn a_batch_answers_what_it_was_sent_whenever_its_input_pauses() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "svc"]);
    let (mut child, mut stdin, mut stdout, watchdog) = co_process(&env);
    let (head, tail) = secret.split_at(secret.len() / 2);
    write!(stdin, "{secret}\n{head}").unwrap();
    stdin.flush().unwrap();
    assert_eq!(read_answer(&mut stdout)["valid"], true);
    assert_eq!(ask(&mut stdin, &mut stdout, tail)["valid"], true);
    let lines = 10_000;
    let burst = format!("{secret}\ntok_not-a-token\n").repeat(lines / 2);
    let writer = std::thread::spawn(move || {
        stdin.write_all(burst.as_bytes()).unwrap();
        stdin.flush().unwrap();
        stdin
    });
    let mut valid = 0;
    for i in 0..lines {
        let v = read_answer(&mut stdout);
        assert_eq!(v["valid"], i % 2 == 0, "line {i}: {v}");
        valid += usize::from(i % 2 == 0);
    }
    assert_eq!(valid, lines / 2);
    drop(writer.join().unwrap());
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut answer).unwrap();
    assert_eq!(answer, "", "nothing after the last answer");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    watchdog.stop();
}

// A batch judges a token it has answered before from what it found then
// only while nothing has been committed since: a change another process
// commits is seen at the next line, however often the token was answered.
#[test]
fn a_batch_sees_a_change_to_a_token_it_has_answered_before() {
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "svc"]);
    let id_arg = id.to_string();
    let (mut child, mut stdin, mut stdout, watchdog) = co_process(&env);
    let mut ask = |line: &str| ask(&mut stdin, &mut stdout, line);
    // The first answer records the use (a commit); the later ones record
    // nothing, so they may come from what was found.
    for _ in 0..3 {
        assert_eq!(ask(&secret)["valid"], true);
    }
    env.cmd(&["edit", &id_arg, "--name", "renamed"])
        .run()
        .success();
    let renamed = ask(&secret);
    assert_eq!(renamed["token"]["name"], "renamed");
    assert_eq!(ask(&secret)["token"]["name"], "renamed");
    env.cmd(&["disable", &id_arg]).run().success();
    assert_eq!(ask(&secret)["reason"], "disabled");
    env.cmd(&["enable", &id_arg]).run().success();
    assert_eq!(ask(&secret)["valid"], true);
    assert_eq!(ask(&secret)["valid"], true);
    env.cmd(&["revoke", &id_arg, "--yes"]).run().success();
    let revoked = ask(&secret);
    assert_eq!(revoked["valid"], false);
    assert_eq!(revoked["reason"], "revoked");
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
    watchdog.stop();
}

/// `verify --batch` on `env` as a co-process: the process, its stdin, its
/// stdout, and a watchdog on it.
fn co_process(env: &Env) -> (Child, ChildStdin, BufReader<ChildStdout>, Watchdog) {
    let mut child = spawn_piped(&mut env.cmd(&["verify", "--batch"]).command());
    let stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let watchdog = Watchdog::start(child.id());
    (child, stdin, stdout, watchdog)
}

/// Starts `command` with stdin, stdout and stderr on pipes.
fn spawn_piped(command: &mut std::process::Command) -> std::process::Child {
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Kills a process still running a minute after it started: only a guard
/// against a test hanging forever, whose assertions then fail on what the
/// process did (or did not), not on time.
struct Watchdog {
    done: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Watchdog {
    fn start(pid: u32) -> Watchdog {
        let (done, guard) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if guard.recv_timeout(Duration::from_secs(60)).is_err() {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
            }
        });
        Watchdog { done, thread }
    }

    /// The process has ended.
    fn stop(self) {
        let _ = self.done.send(());
        self.thread.join().unwrap();
    }
}

/// Sends one line and reads one answer.
fn ask(stdin: &mut impl Write, stdout: &mut impl BufRead, line: &str) -> Value {
    writeln!(stdin, "{line}").unwrap();
    stdin.flush().unwrap();
    read_answer(stdout)
}

/// Reads one answer.
fn read_answer(stdout: &mut impl BufRead) -> Value {
    let mut answer = String::new();
    stdout.read_line(&mut answer).unwrap();
    serde_json::from_str(&answer).unwrap_or_else(|e| panic!("{e}: {answer:?}"))
}

// issue 10 item 11: a batch whose reader has stopped reading holds no read
// snapshot while it waits to write, so writers' WAL is reused, not grown.
#[test]
fn a_stalled_reader_does_not_grow_the_wal() {
    // SQLite's WAL; a PostgreSQL snapshot is the server's business.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, secret) = env.create(&["--name", "svc"]);
    let (reader, writer) = std::io::pipe().unwrap();
    let mut child = env
        .cmd(&["verify", "--batch"])
        .command()
        .stdin(Stdio::piped())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Far more answers than the pipe holds: the verifier ends up blocked
    // on its output with unread input waiting.
    let mut stdin = child.stdin.take().unwrap();
    let lines = format!("{secret}\n").repeat(20_000);
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(lines.as_bytes());
    });
    // It has started answering; from here on it fills the pipe and waits.
    let mut reader = BufReader::new(reader);
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.contains("\"valid\":true"), "{first}");
    // Meanwhile about 24 MB of changes are committed, 300 transactions of
    // 80 KB, each of which the WAL could hold and then reuse.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.execute("CREATE TABLE scratch (b BLOB)", []).unwrap();
    let big = vec![7u8; 80_000];
    for _ in 0..300 {
        conn.execute("INSERT INTO scratch (b) VALUES (?1)", [&big])
            .unwrap();
    }
    let wal = std::fs::metadata(format!("{}-wal", env.db().display()))
        .unwrap()
        .len();
    let _ = child.kill();
    let _ = child.wait();
    drop(reader);
    let _ = feeder.join();
    // SQLite checkpoints at 1,000 pages (4 MB); a held snapshot would keep
    // all 24 MB.
    assert!(wal < 10_000_000, "the WAL grew to {wal} bytes");
}

// A batch whose judging fails (here: it cannot write the use it records,
// its files limited to 32 KiB as a full disk would) exits with its error
// while its input is still open, instead of waiting for a line that its
// reading thread may never get; the answer it gave first still arrives.
#[test]
fn a_batch_that_fails_exits_while_its_input_is_still_open() {
    // The limit is on the client's files: a server's disk is its own.
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (id, secret) = env.create(&["--name", "svc"]);
    // 48 KB of changes in the WAL, kept there by a connection that stays
    // open: the batch can map the 32 KiB -shm file and read, and fails
    // only when it appends the use it records.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder.execute("CREATE TABLE scratch (b BLOB)", []).unwrap();
    holder
        .execute("INSERT INTO scratch (b) VALUES (?1)", [&vec![7u8; 48_000]])
        .unwrap();
    let mut child = spawn_piped(&mut disk_limited(&env, 64, &["verify", "--batch"]));
    let mut stdin = child.stdin.take().unwrap();
    // The assertions below fail on the exit status if it waits for input.
    let watchdog = Watchdog::start(child.id());
    writeln!(stdin, "{secret}").unwrap();
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    watchdog.stop();
    let mut out = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    // stdin is open until here.
    drop(stdin);
    assert_eq!(status.code(), Some(1), "stdout {out:?}, stderr {err:?}");
    assert!(err.starts_with("tokenctl: "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let answer: Value =
        serde_json::from_str(out.trim_end()).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    assert_eq!(answer["valid"], true);
    assert_eq!(answer["token"]["id"], id);
    drop(holder);
}
