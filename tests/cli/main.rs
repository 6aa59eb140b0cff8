//! Integration tests: every test drives the built `tokenctl` binary through
//! a small builder that gives it a temporary database of its own.
//!
//! The same sources are built twice (see the `[[test]]` sections of
//! Cargo.toml): as `cli`, where each sandbox's database is an SQLite file,
//! and as `cli_postgres`, where it is a fresh database on the PostgreSQL
//! server that `scripts/with-postgres.sh` started (`TOKENCTL_TEST_PG`; see
//! `cluster.rs`). A test written with [`Env::new`] runs on both; one about
//! SQLite's own mechanism (files, modes, WAL) starts with
//! [`Env::sqlite_only`], one that never opens a database with
//! [`Env::no_database`], and both run in the `cli` build only. Without a
//! server the `cli_postgres` build skips with one note (under CI it fails).

// A failed unwrap in a test is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::new_without_default)]

mod batch_stream;
mod chain;
mod clock;
mod cluster;
mod complete;
mod concurrency;
mod create;
mod dump;
mod edit;
mod faults;
mod generated;
mod global;
mod hostile;
mod init;
mod list;
mod log;
mod migrate;
mod openapi;
mod output;
mod owner;
mod policy;
mod postgres;
mod proxies;
mod purge;
mod replace;
mod reset;
mod revoke;
mod rotation;
mod safety;
mod scan;
mod secrets;
mod serve;
mod server;
mod show;
mod switch;
mod tls;
mod trail;
mod trust;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// Every subcommand, as `--help` lists them.
pub const COMMANDS: [&str; 18] = [
    "init",
    "create",
    "list",
    "show",
    "revoke",
    "reset",
    "enable",
    "disable",
    "verify",
    "serve",
    "purge",
    "log",
    "edit",
    "policy",
    "dump",
    "load",
    "scan",
    "completions",
];

/// Whether this build runs the tests on PostgreSQL: `cli_postgres`, the
/// second build of these sources (Cargo.toml), does; `cli` runs them on
/// SQLite.
pub const POSTGRES: bool = same_str(env!("CARGO_CRATE_NAME"), "cli_postgres");

/// `a == b`, at compile time.
const fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The time now, in whole seconds since the epoch, for SQL that sets a
/// time relative to it (`unixepoch()` is SQLite's alone).
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A sandbox: a temporary directory holding a fake home (and, on SQLite,
/// the database), and on PostgreSQL a database of its own on the server.
pub struct Env {
    dir: TempDir,
    db: PathBuf,
    pg: Option<cluster::Database>,
}

impl Env {
    /// A sandbox of this build's backend whose database has nothing in it
    /// yet: on SQLite no file, on PostgreSQL an empty database (no
    /// tables). `None` when the PostgreSQL build has no server (outside
    /// CI): the test returns at once, as
    /// `let Some(env) = Env::new() else { return };`.
    pub fn new() -> Option<Env> {
        if POSTGRES {
            Env::postgres()
        } else {
            Some(Env::sqlite())
        }
    }

    /// A sandbox for a test of SQLite's own mechanism (files and their
    /// modes, WAL, special paths, the default path, SQLite's SQL): `None`
    /// in the PostgreSQL build, silently, since it never applies there.
    pub fn sqlite_only() -> Option<Env> {
        (!POSTGRES).then(Env::sqlite)
    }

    /// A sandbox for a test that never opens a database (help, usage
    /// errors found before one is opened, completions, generated files):
    /// its outcome cannot depend on the backend, so only the SQLite build
    /// runs it; `None`, silently, in the PostgreSQL build.
    pub fn no_database() -> Option<Env> {
        (!POSTGRES).then(Env::sqlite)
    }

    /// An SQLite sandbox in either build (the PostgreSQL tests move data
    /// between the two).
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("data").join("tokens.db");
        Env { dir, db, pg: None }
    }

    /// A PostgreSQL sandbox in either build, or `None` without a server.
    pub fn postgres() -> Option<Env> {
        let server = cluster::server()?;
        let mut env = Env::sqlite();
        env.pg = Some(cluster::Database::create(server));
        Some(env)
    }

    /// A second sandbox on the same backend as this one (another file or
    /// another database), for a token issued elsewhere.
    pub fn another(&self) -> Env {
        match &self.pg {
            Some(db) => {
                let mut env = Env::sqlite();
                env.pg = Some(cluster::Database::create(db.server));
                env
            }
            None => Env::sqlite(),
        }
    }

    /// The database path of an SQLite sandbox. Only for tests of SQLite's
    /// mechanism: a PostgreSQL sandbox has none, and panics.
    #[track_caller]
    pub fn db(&self) -> &Path {
        assert!(
            self.pg.is_none(),
            "db(): a PostgreSQL sandbox has no file; start this test with Env::sqlite_only()"
        );
        &self.db
    }

    /// Whether the database is in PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// The PostgreSQL database of this sandbox, if it has one.
    pub fn pg(&self) -> Option<&cluster::Database> {
        self.pg.as_ref()
    }

    /// What `--db` (or `TOKENCTL_DB`) gets: the file's path, or the URL
    /// (no password: that is in `PGPASSWORD`).
    pub fn target(&self) -> std::ffi::OsString {
        match &self.pg {
            Some(db) => db.url().into(),
            None => self.db.clone().into(),
        }
    }

    /// How tokenctl's messages name the database: the file's path, or
    /// `127.0.0.1:PORT/DBNAME`.
    pub fn name(&self) -> String {
        match &self.pg {
            Some(db) => db.display(),
            None => self.db.display().to_string(),
        }
    }

    /// What a command other than init, create and load says about this
    /// sandbox's database while nothing has made it: no file at the path,
    /// or a database without tokenctl's tables.
    pub fn missing(&self) -> String {
        match &self.pg {
            Some(db) => format!(
                "PostgreSQL database {} has no tokenctl tables",
                db.display()
            ),
            None => format!("no database at {}", self.db.display()),
        }
    }

    /// Whether anything of the database was made: on SQLite the file or
    /// the directory for it (which only the file's maker makes), on
    /// PostgreSQL any table at all.
    pub fn exists(&self) -> bool {
        match &self.pg {
            Some(db) => !db.tables().is_empty(),
            None => self.db.exists() || self.db.parent().is_some_and(Path::exists),
        }
    }

    /// The sandbox directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `tokenctl --db <sandbox db> ARGS...`, ready to run.
    pub fn cmd(&self, args: &[&str]) -> Run {
        let mut run = self.bare(args);
        run.cmd.arg("--db").arg(self.target());
        run
    }

    /// `tokenctl ARGS...` with no --db: HOME points into the sandbox, and
    /// no `TOKENCTL_*` or `PG*` variable of the caller's reaches it but, for
    /// a PostgreSQL sandbox, `PGPASSWORD` with the server's password.
    pub fn bare(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokenctl"));
        cmd.args(args)
            .env_remove("TOKENCTL_DB")
            .env_remove("TOKENCTL_ACTOR")
            .env_remove("NO_COLOR")
            // A backtrace captured while memory runs out (the memory tests
            // limit it) deadlocks in the standard library.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .env("HOME", self.dir.path().join("home"))
            .env_remove("XDG_DATA_HOME");
        self.environ(&mut cmd);
        Run {
            cmd,
            stdin: None,
            sandbox: self.dir.path().to_owned(),
        }
    }

    /// Gives a command built by hand what it needs besides `--db` to
    /// reach this sandbox's database: none of the caller's `PG*`
    /// variables (libpq's, which would change where it connects), and for
    /// PostgreSQL the password in `PGPASSWORD`.
    pub fn environ(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            if key.as_encoded_bytes().starts_with(b"PG") {
                cmd.env_remove(key);
            }
        }
        if let Some(db) = &self.pg {
            cmd.env("PGPASSWORD", &db.server.password);
        }
    }

    /// Creates a token with `tokenctl -q create ARGS...`; returns (id, secret).
    pub fn create(&self, args: &[&str]) -> (i64, String) {
        let mut all = vec!["--json", "create"];
        all.extend_from_slice(args);
        let out = self.cmd(&all).run().success();
        let v = out.json();
        (
            v["id"].as_i64().expect("id"),
            v["token"].as_str().expect("token").to_owned(),
        )
    }

    /// `verify --batch` of `input`, which must succeed with nothing on
    /// stderr.
    pub fn batch(&self, input: impl Into<Vec<u8>>) -> Out {
        self.cmd(&["verify", "--batch"])
            .stdin(input)
            .run()
            .success()
            .stderr_is("")
    }

    /// The ids of all tokens, in order, from `list --json`.
    pub fn listed_ids(&self) -> Vec<i64> {
        ids(&self.cmd(&["--json", "list"]).run().success().json())
    }

    /// The JSON object of token `id`, from `show --json`.
    pub fn show(&self, id: i64) -> Value {
        self.cmd(&["--json", "show", &id.to_string()])
            .run()
            .success()
            .json()
    }

    /// The actions in token `id`'s audit trail, oldest first, from `log --json`.
    pub fn actions(&self, id: i64) -> Vec<String> {
        let log = self
            .cmd(&["--json", "log", &id.to_string()])
            .run()
            .success()
            .json();
        log.as_array()
            .expect("an array")
            .iter()
            .map(|e| e["action"].as_str().expect("an action").to_owned())
            .collect()
    }

    /// Runs one SQL statement on the sandbox database, for states no
    /// command makes at once (an expiry in the past); returns the rows
    /// changed. The same text goes to SQLite or PostgreSQL, so it must mean
    /// the same to both: no `unixepoch()` (use [`now`]), no `char()`
    /// (write the character), `true`/`false` for booleans.
    #[track_caller]
    pub fn sql(&self, sql: &str) -> usize {
        if let Some(db) = &self.pg {
            return db.execute(sql).try_into().unwrap();
        }
        let conn = rusqlite::Connection::open(&self.db).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn.execute(sql, []).unwrap()
    }

    /// Runs `verify --json` on `token` and returns (exit code, verdict).
    pub fn verify(&self, token: &str, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--json", "verify"];
        all.extend_from_slice(args);
        let out = self.cmd(&all).stdin(format!("{token}\n")).run();
        let code = out.code;
        (code, out.json())
    }
}

/// One command about to run.
pub struct Run {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    sandbox: PathBuf,
}

impl Run {
    /// Feeds this to stdin (otherwise stdin is empty and not a terminal).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Run {
        self.stdin = Some(input.into());
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: &str) -> Run {
        self.cmd.env_remove(key);
        self
    }

    /// Appends one more argument, which need not be UTF-8.
    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Run {
        self.cmd.arg(arg);
        self
    }

    /// Runs as this user and group (and no other groups), like a service
    /// account: root, which CI runs as, ignores file permissions. The
    /// binary runs from a link or copy in the sandbox (made traversable),
    /// since the build directory may be closed to other users. The binary
    /// is made executable by all: cargo links it under the umask it runs
    /// with, and `scripts/with-postgres.sh` sets 077 (for a hard link this
    /// changes the build's own file, to what a usual umask gives).
    pub fn user(self, uid: u32, gid: u32) -> Run {
        use std::os::unix::fs::PermissionsExt;
        use std::os::unix::process::CommandExt;
        let open =
            |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        let bin = self.sandbox.join("bin");
        let exe = bin.join("tokenctl");
        if !exe.exists() {
            std::fs::create_dir_all(&bin).unwrap();
            let built = env!("CARGO_BIN_EXE_tokenctl");
            if std::fs::hard_link(built, &exe).is_err() {
                std::fs::copy(built, &exe).unwrap();
            }
            // A mode change, not a fresh copy: a copy still open for
            // writing while another test forks fails its exec (ETXTBSY).
            if std::fs::metadata(&exe).unwrap().permissions().mode() & 0o005 != 0o005 {
                open(&exe);
            }
            open(&self.sandbox);
            open(&bin);
        }
        let mut cmd = Command::new(&exe);
        cmd.args(self.cmd.get_args());
        for (key, value) in self.cmd.get_envs() {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd.uid(uid).gid(gid);
        Run {
            cmd,
            stdin: self.stdin,
            sandbox: self.sandbox,
        }
    }

    /// Runs the same command line through `program` (`faketime`, `env`...):
    /// `program ARGS... tokenctl ...`, with the same environment.
    pub fn through(self, program: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .arg(self.cmd.get_program())
            .args(self.cmd.get_args());
        for (key, value) in self.cmd.get_envs() {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        Run {
            cmd,
            stdin: self.stdin,
            sandbox: self.sandbox,
        }
    }

    /// The underlying command, for tests that need more control; check what
    /// it printed with [`Out::from_output`].
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs to completion with stdout going to `stdout` (a full device, a
    /// closed pipe...) instead of being captured.
    pub fn run_with_stdout(mut self, stdout: impl Into<Stdio>) -> Out {
        self.cmd.stdout(stdout);
        self.spawn_and_wait()
    }

    /// Runs to completion.
    pub fn run(mut self) -> Out {
        self.cmd.stdout(Stdio::piped());
        self.spawn_and_wait()
    }

    fn spawn_and_wait(mut self) -> Out {
        self.cmd.stdin(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn tokenctl");
        let input = self.stdin.take().unwrap_or_default();
        let mut stdin = child.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || {
            // The program may stop reading early; that is its business.
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().expect("wait");
        feeder.join().expect("feeder");
        Out::from_output(output)
    }
}

/// Starts `cmd` on a new pseudo-terminal (stdin, and stdout and stderr
/// unless `cmd` redirects them), as an operator's shell would: with
/// `TERM=xterm` unless the test set a `TERM`. With `raw`, escape codes are
/// kept in what the session reads.
pub fn pty(mut cmd: Command, raw: bool) -> rexpect::session::PtySession {
    if !cmd.get_envs().any(|(key, _)| key == "TERM") {
        cmd.env("TERM", "xterm");
    }
    let options = rexpect::reader::Options::new()
        .timeout_ms(Some(30_000))
        .strip_ansi_escape_codes(!raw);
    rexpect::session::spawn_with_options(cmd, options).expect("spawn tokenctl on a pty")
}

/// Reads a pty session to its end and returns (everything unread, exit code).
pub fn pty_end(mut session: rexpect::session::PtySession) -> (String, i32) {
    use rexpect::process::WaitStatus;
    let rest = session.exp_eof().expect("end of output");
    let code = match session.process.wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, signal, _) => panic!("killed by {signal}: {rest:?}"),
        other => panic!("{other:?}: {rest:?}"),
    };
    assert!(!rest.contains("panicked"), "tokenctl panicked: {rest}");
    (rest, code)
}

/// The full path of the program `name` on PATH, for a test that drives it.
/// When it is missing, the test is to skip: this prints a note saying so
/// and returns `None`. Under CI (`CI=true`, as CI services set it and
/// `.ci/run` does) a missing program fails the test instead: CI installs
/// every one, and a test that skips there proves nothing.
// issue 10 item 22
#[track_caller]
pub fn tool(name: &str, package: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        // libtest names each test's thread after the test.
        let current = std::thread::current();
        let test = current.name().filter(|n| *n != "main").unwrap_or("a test");
        let why = format!("{name} is not installed (apt-get install {package})");
        assert!(
            !in_ci(),
            "{test}: {why}; under CI a missing program is a failure, not a skip (.ci/run installs it)"
        );
        // Straight to stderr, not eprintln!, which libtest captures and
        // shows only for a failed test: a skip must be seen.
        let _ = writeln!(std::io::stderr(), "note: skipping {test}: {why}");
    }
    found
}

/// Whether the tests run under CI, where nothing may be skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// What a command left behind.
#[derive(Debug)]
pub struct Out {
    /// Exit code.
    pub code: i32,
    /// Everything on stdout.
    pub stdout: String,
    /// Everything on stderr.
    pub stderr: String,
}

impl Out {
    /// What a process spawned outside [`Run::run`] left behind, checked the
    /// same way: UTF-8 output, and no panic. A process killed by a signal
    /// has code -1.
    #[track_caller]
    pub fn from_output(output: std::process::Output) -> Out {
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        out.assert_no_panic();
        out
    }

    /// Asserts exit 0.
    #[track_caller]
    pub fn success(self) -> Out {
        self.code(0)
    }

    /// Asserts this exit code.
    #[track_caller]
    pub fn code(self, code: i32) -> Out {
        assert_eq!(
            self.code, code,
            "exit code; stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts stdout is exactly this.
    #[track_caller]
    pub fn stdout_is(self, s: &str) -> Out {
        assert_eq!(self.stdout, s, "stdout");
        self
    }

    /// Asserts stderr is exactly this.
    #[track_caller]
    pub fn stderr_is(self, s: &str) -> Out {
        assert_eq!(self.stderr, s, "stderr");
        self
    }

    /// Asserts stderr is one error line, `tokenctl: ...`, containing `part`.
    #[track_caller]
    pub fn error_has(self, part: &str) -> Out {
        assert!(
            self.stderr.starts_with("tokenctl: "),
            "stderr: {:?}",
            self.stderr
        );
        assert_eq!(
            self.stderr.lines().count(),
            1,
            "one line: {:?}",
            self.stderr
        );
        self.stderr_has(part)
    }

    /// Asserts stderr contains `part`.
    #[track_caller]
    pub fn stderr_has(self, part: &str) -> Out {
        assert!(
            self.stderr.contains(part),
            "{part:?} not in stderr {:?}",
            self.stderr
        );
        self
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {:?}", self.stdout))
    }

    /// stdout parsed as JSON Lines, one document a line.
    #[track_caller]
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
            .collect()
    }

    /// The `reason` of each `verify --batch` answer, in order.
    #[track_caller]
    pub fn reasons(&self) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .map(|v| v["reason"].clone())
            .collect()
    }

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stdout.contains("panicked"),
            "tokenctl panicked: {}",
            self.stderr
        );
    }
}

/// A second OS user of this machine, as (uid, gid): `tokenctl-other`,
/// added with useradd the first time a test asks (the tests run as root,
/// which file permissions do not stop). It plays the other local user: an
/// attacker who plants files, or the owner of a database.
pub fn other_user() -> (u32, u32) {
    static USER: std::sync::OnceLock<(u32, u32)> = std::sync::OnceLock::new();
    *USER.get_or_init(|| {
        const NAME: &str = "tokenctl-other";
        let id = |flag: &str| -> Option<u32> {
            let out = Command::new("id").args([flag, NAME]).output().ok()?;
            String::from_utf8(out.stdout).ok()?.trim().parse().ok()
        };
        if id("-u").is_none() {
            let status = Command::new("useradd")
                .args([
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    NAME,
                ])
                .status()
                .expect("run useradd");
            // Another test binary may have added it meanwhile.
            assert!(
                status.success() || id("-u").is_some(),
                "useradd {NAME} failed"
            );
        }
        (id("-u").expect("uid"), id("-g").expect("gid"))
    })
}

/// A `verify --batch` co-process.
pub struct Verifier {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
}

impl Verifier {
    /// Starts `run` (a `verify --batch`) with piped stdin and stdout.
    pub fn start(run: Run) -> Verifier {
        let mut child = run
            .command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        Verifier {
            child,
            stdin,
            stdout,
        }
    }

    /// The reason of the answer to `token`, or `"valid"`.
    pub fn ask(&mut self, token: &str) -> String {
        writeln!(self.stdin, "{token}").unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        std::io::BufRead::read_line(&mut self.stdout, &mut answer).unwrap();
        let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_else(|e| {
            let _ = self.child.kill();
            panic!("{e}: {answer:?}")
        });
        v["reason"].as_str().unwrap_or("valid").to_owned()
    }

    /// Ends the input and returns what the process left behind.
    pub fn finish(mut self) -> crate::Out {
        drop(self.stdin);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut self.stdout, &mut rest).unwrap();
        let out = crate::Out::from_output(self.child.wait_with_output().unwrap());
        assert_eq!(rest, "");
        out
    }
}

/// The ids in a `list --json` array, in order.
pub fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|t| t["id"].as_i64().expect("an id"))
        .collect()
}

/// `secret` with one character of its body changed, to another: a typo,
/// no longer well-formed.
pub fn typo(secret: &str) -> String {
    let mut chars: Vec<char> = secret.chars().collect();
    let at = 20;
    chars[at] = if chars[at] == 'x' { 'y' } else { 'x' };
    chars.into_iter().collect()
}
