//! Integration tests: every test drives the built `tokenctl` binary through
//! a small builder that gives it a temporary database of its own.

// A failed unwrap in a test is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::new_without_default)]

mod batch_stream;
mod create;
mod global;
mod init;
mod list;
mod show;
mod verify;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// A sandbox: a temporary directory holding the database and a fake home.
pub struct Env {
    dir: TempDir,
    db: PathBuf,
}

impl Env {
    /// A sandbox whose database does not exist yet.
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("data").join("tokens.db");
        Env { dir, db }
    }

    /// The database path every command of this sandbox uses.
    pub fn db(&self) -> &Path {
        &self.db
    }

    /// The sandbox directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `tokenctl --db <sandbox db> ARGS...`, ready to run.
    pub fn cmd(&self, args: &[&str]) -> Run {
        let mut run = self.bare(args);
        run.cmd.arg("--db").arg(&self.db);
        run
    }

    /// `tokenctl ARGS...` with no --db: HOME points into the sandbox.
    pub fn bare(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tokenctl"));
        cmd.args(args)
            .env_remove("TOKENCTL_DB")
            .env_remove("TOKENCTL_ACTOR")
            .env_remove("NO_COLOR")
            .env("HOME", self.dir.path().join("home"))
            .env_remove("XDG_DATA_HOME");
        Run { cmd, stdin: None }
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

    /// The JSON object of token `id`, from `show --json`.
    pub fn show(&self, id: i64) -> Value {
        self.cmd(&["--json", "show", &id.to_string()])
            .run()
            .success()
            .json()
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

    /// The underlying command, for tests that need more control.
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs to completion.
    pub fn run(mut self) -> Out {
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn tokenctl");
        let input = self.stdin.take().unwrap_or_default();
        let mut stdin = child.stdin.take().expect("stdin");
        let feeder = std::thread::spawn(move || {
            // The program may stop reading early; that is its business.
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().expect("wait");
        feeder.join().expect("feeder");
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        out.assert_no_panic();
        out
    }
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
        assert!(
            self.stderr.contains(part),
            "{part:?} not in stderr {:?}",
            self.stderr
        );
        self
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

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stdout.contains("panicked"),
            "tokenctl panicked: {}",
            self.stderr
        );
    }
}
