//! The committed completion scripts and man pages: fresh (what the code
//! generates now), and working in the real clients: bash and fish complete
//! with them, zsh parses its script, man and mandoc render the pages without
//! a warning (none of which opens a database: the SQLite build runs them),
//! and the examples the pages print run, on both backends.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tokenctl::docs;

use crate::{COMMANDS, Env, tool};

/// The shells and the file each one's committed script lives in.
const SCRIPTS: [(&str, &str); 5] = [
    ("bash", "tokenctl.bash"),
    ("zsh", "_tokenctl"),
    ("fish", "tokenctl.fish"),
    ("powershell", "_tokenctl.ps1"),
    ("elvish", "tokenctl.elv"),
];

/// The repository root, where `completions/` and `man/` are committed.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file in `root/dir`, by its path relative to `root`.
fn read_tree(root: &Path, dir: &str) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
        return files;
    };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        files.insert(
            format!("{dir}/{name}"),
            std::fs::read(entry.path()).unwrap(),
        );
    }
    files
}

/// Runs a command to completion, with no stdin.
fn output(cmd: &mut Command) -> Output {
    cmd.stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

#[test]
fn committed_completions_and_man_pages_are_what_the_code_generates() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    let fresh = tempfile::tempdir().unwrap();
    docs::write_to(fresh.path()).unwrap();
    let mut problems = Vec::new();
    for dir in [docs::COMPLETIONS_DIR, docs::MAN_DIR] {
        let want = read_tree(fresh.path(), dir);
        let have = read_tree(root(), dir);
        for (path, contents) in &want {
            match have.get(path) {
                None => problems.push(format!("{path} is missing")),
                Some(committed) if committed != contents => {
                    problems.push(format!("{path} is stale"));
                }
                Some(_) => {}
            }
        }
        for path in have.keys().filter(|p| !want.contains_key(*p)) {
            problems.push(format!("{path} is no longer generated"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}; run `{}` and commit completions/ and man/",
        problems.join(", "),
        docs::REGENERATE
    );
}

#[test]
fn there_is_a_script_for_every_shell_and_a_page_for_every_command() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    let written = docs::write_to(dir.path()).unwrap();
    let mut expected: Vec<String> = SCRIPTS
        .iter()
        .map(|(_, file)| format!("completions/{file}"))
        .collect();
    expected.push("man/tokenctl.1".into());
    expected.extend(COMMANDS.iter().map(|c| format!("man/tokenctl-{c}.1")));
    let mut written_sorted = written.clone();
    written_sorted.sort();
    expected.sort();
    assert_eq!(written_sorted, expected);

    // Nothing of the machine that generated them leaks into the files.
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    for path in &written {
        let text = std::fs::read_to_string(dir.path().join(path)).unwrap();
        for local in [
            env!("CARGO_MANIFEST_DIR"),
            dir.path().to_str().unwrap(),
            home.as_str(),
        ] {
            assert!(!text.contains(local), "{path} contains {local}");
        }
    }
}

#[test]
fn regenerating_removes_files_no_longer_generated() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("man")).unwrap();
    std::fs::write(dir.path().join("man/tokenctl-frobnicate.1"), "old").unwrap();
    docs::write_to(dir.path()).unwrap();
    assert!(!dir.path().join("man/tokenctl-frobnicate.1").exists());
    assert!(dir.path().join("man/tokenctl.1").is_file());
}

#[test]
fn the_completions_command_prints_the_committed_scripts() {
    let Some(env) = Env::no_database() else {
        return;
    };
    for (shell, file) in SCRIPTS {
        let committed = std::fs::read_to_string(root().join("completions").join(file)).unwrap();
        env.bare(&["completions", shell])
            .run()
            .success()
            .stdout_is(&committed)
            .stderr_is("");
    }
    env.bare(&["completions", "tcsh"])
        .run()
        .code(2)
        .error_has("tcsh");
}

#[test]
fn completions_never_open_a_database() {
    let Some(env) = Env::no_database() else {
        return;
    };
    // The default database would be under HOME: nothing may appear there.
    env.bare(&["completions", "bash"]).run().success();
    assert!(!env.dir().join("home").exists(), "completions touched HOME");

    // --db naming a missing file: still not created.
    env.cmd(&["completions", "zsh"]).run().success();
    assert!(!env.db().exists(), "completions created the database");
    assert!(!env.db().parent().unwrap().exists());

    // A file that is no database, and one in a place nobody can create:
    // neither is read, written, or complained about.
    let junk = env.dir().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    env.bare(&["completions", "fish"])
        .env("TOKENCTL_DB", &junk)
        .run()
        .success()
        .stderr_is("");
    assert_eq!(std::fs::read(&junk).unwrap(), b"not a database");
    let impossible = junk.join("below-a-file.db");
    env.bare(&[
        "--db",
        impossible.to_str().unwrap(),
        "completions",
        "elvish",
    ])
    .run()
    .success()
    .stderr_is("");
    let mut names: Vec<String> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["junk.db"], "no -wal, -shm or other file appeared");
}

/// What the committed bash script offers for the command line `line`
/// (completing its last word, or a new one after a trailing space), asked
/// of a real bash the way readline asks it, sorted.
fn bash_complete(bash: &Path, line: &str) -> Vec<String> {
    let script = root().join("completions/tokenctl.bash");
    let program = r#"
        source "$1" || exit 1
        # The function the script registered for tokenctl.
        spec=$(complete -p tokenctl) || exit 1
        fn=$(sed -E 's/.* -F ([^ ]+) .*/\1/' <<<"$spec")
        COMP_LINE=$2
        COMP_POINT=${#COMP_LINE}
        read -r -a COMP_WORDS <<<"$COMP_LINE"
        if [[ $COMP_LINE == *" " ]]; then COMP_WORDS+=(""); fi
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMPREPLY=()
        "$fn" tokenctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    let out = output(
        Command::new(bash)
            .args(["--norc", "--noprofile", "-c", program, "bash"])
            .arg(&script)
            .arg(line),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bash failed on {line:?}: {stderr}");
    assert_eq!(stderr, "", "bash complained on {line:?}");
    let mut words: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    words.sort();
    words
}

#[test]
fn bash_completes_commands_options_and_values() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 22: skipped with a note where bash is missing.
    let Some(bash) = tool("bash", "bash") else {
        return;
    };
    let bash_complete = |line: &str| bash_complete(&bash, line);
    assert_eq!(bash_complete("tokenctl re"), ["reset", "revoke"]);
    assert_eq!(bash_complete("tokenctl ver"), ["verify"]);
    assert_eq!(bash_complete("tokenctl purge --inc"), ["--include-revoked"]);
    // After a space clap offers the options too; the shells must be there.
    let offered = bash_complete("tokenctl completions ");
    for (shell, _) in SCRIPTS {
        assert!(
            offered.iter().any(|w| w == shell),
            "{shell} not in {offered:?}"
        );
    }
    assert_eq!(bash_complete("tokenctl completions p"), ["powershell"]);
    assert_eq!(
        bash_complete("tokenctl --color "),
        ["always", "auto", "never"]
    );
    assert_eq!(
        bash_complete("tokenctl list --status "),
        ["active", "disabled", "expired", "revoked"]
    );
}

/// What the committed fish script offers for `line`, asked of a real fish
/// with `complete -C`: the candidates, without their descriptions, sorted.
fn fish_complete(fish: &Path, line: &str) -> Vec<String> {
    let home = tempfile::tempdir().unwrap();
    let out = output(
        Command::new(fish)
            .args(["--no-config", "-c", "source $argv[1]; complete -C $argv[2]"])
            .arg(root().join("completions/tokenctl.fish"))
            .arg(line)
            // fish writes its history and variables under HOME.
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "fish failed on {line:?}: {stderr}");
    assert_eq!(stderr, "", "fish complained on {line:?}");
    let mut words: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect();
    words.sort();
    words
}

#[test]
fn fish_completes_commands_options_and_values() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 22: skipped with a note where fish is missing.
    let Some(fish) = tool("fish", "fish") else {
        return;
    };
    let fish_complete = |line: &str| fish_complete(&fish, line);
    assert_eq!(fish_complete("tokenctl re"), ["reset", "revoke"]);
    assert_eq!(fish_complete("tokenctl purge --inc"), ["--include-revoked"]);
    assert_eq!(
        fish_complete("tokenctl list --status "),
        ["active", "disabled", "expired", "revoked"]
    );
}

#[test]
fn zsh_parses_its_completion_function() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 22: skipped with a note where zsh is missing.
    let Some(zsh) = tool("zsh", "zsh") else {
        return;
    };
    let script = root().join("completions/_tokenctl");
    let out = output(Command::new(zsh).args(["-n"]).arg(&script));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "zsh -n {script:?}"
    );
    assert!(out.status.success());
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(
        text.starts_with("#compdef tokenctl"),
        "zsh autoloads it by this line"
    );
}

/// Every committed man page, by file name.
fn man_pages() -> Vec<PathBuf> {
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("man"))
        .expect("man/ is committed")
        .map(|e| e.unwrap().path())
        .collect();
    pages.sort();
    assert_eq!(pages.len(), COMMANDS.len() + 1, "{pages:?}");
    pages
}

/// `page` as man shows it 80 columns wide, asserting groff said nothing.
fn render(man: &Path, page: &Path) -> String {
    let out = output(
        Command::new(man)
            .args(["--warnings=w", "-l"])
            .arg(page)
            .env("MANWIDTH", "80")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("LC_ALL", "C.UTF-8"),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "man failed on {page:?}: {stderr}");
    assert_eq!(stderr, "", "man --warnings on {page:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn every_man_page_renders_without_warnings() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 22: skipped with a note where man is missing.
    let Some(man) = tool("man", "man-db") else {
        return;
    };
    for page in man_pages() {
        let text = render(&man, &page);
        let name = page.file_stem().unwrap().to_str().unwrap();
        assert!(
            text.starts_with(&format!("{}(1)", name.to_uppercase())),
            "{name}: {text}"
        );
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXIT STATUS",
            "SEE ALSO",
        ] {
            assert!(
                text.lines().any(|l| l == section),
                "{name} has no {section} section"
            );
        }
        if name != "tokenctl" {
            assert!(
                text.contains("tokenctl(1)"),
                "{name} does not refer to tokenctl(1)"
            );
        }
    }
}

#[test]
fn the_main_page_documents_exit_codes_environment_files_and_examples() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 22: skipped with a note where man is missing.
    let Some(man) = tool("man", "man-db") else {
        return;
    };
    let text = render(&man, &root().join("man/tokenctl.1"));
    for needle in [
        "EXIT STATUS",
        "ENVIRONMENT",
        "FILES",
        "EXAMPLES",
        "TOKENCTL_DB",
        "TOKENCTL_ACTOR",
        "NO_COLOR",
        "~/.local/share/tokenctl/tokens.db",
        docs::CRON_PURGE,
        "tokenctl -q revoke --owner ci-bot --yes",
    ] {
        assert!(text.contains(needle), "{needle:?} not on tokenctl(1)");
    }
    for code in 0..=7 {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{code}  "))),
            "exit code {code} not on tokenctl(1)"
        );
    }
    for command in COMMANDS {
        assert!(
            text.contains(&format!("tokenctl-{command}(1)")),
            "tokenctl(1) does not name tokenctl-{command}(1)"
        );
    }
    // verify's page lists the codes only verify returns.
    let verify = render(&man, &root().join("man/tokenctl-verify.1"));
    assert!(verify.contains("lacks a required scope"));
    let list = render(&man, &root().join("man/tokenctl-list.1"));
    assert!(!list.contains("lacks a required scope"));
}

#[test]
fn mandoc_finds_nothing_to_lint() {
    // Opens no database: the SQLite build runs it, once.
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 22: skipped with a note where mandoc is missing.
    let Some(mandoc) = tool("mandoc", "mandoc") else {
        return;
    };
    let out = output(Command::new(mandoc).arg("-Tlint").args(man_pages()));
    assert_eq!(
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned()
        ),
        (Some(0), String::new(), String::new()),
        "mandoc -Tlint"
    );
}

/// A bash that finds this build's tokenctl first on PATH and uses the
/// sandbox's database (`TOKENCTL_DB`: a path, or a URL with the password
/// in `PGPASSWORD`).
fn bash_with_tokenctl(bash: &Path, env: &Env, script: &str) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_tokenctl")).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut cmd = Command::new(bash);
    cmd.args(["--norc", "--noprofile", "-c", script])
        .env("PATH", path)
        .env("TOKENCTL_DB", env.target())
        .env("HOME", env.dir().join("home"))
        .env_remove("TOKENCTL_ACTOR")
        .env_remove("NO_COLOR");
    env.environ(&mut cmd);
    output(&mut cmd)
}

#[test]
fn the_ci_script_example_runs_as_printed() {
    let Some(env) = Env::new() else { return };
    // issue 10 item 22: skipped with a note where bash is missing.
    let Some(bash) = tool("bash", "bash") else {
        return;
    };
    let out = bash_with_tokenctl(&bash, &env, docs::CI_EXAMPLE);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "token is valid\n");
    assert_eq!(out.status.code(), Some(0));
    let tokens = env
        .cmd(&["--json", "list", "--owner", "ci-bot"])
        .run()
        .success()
        .json();
    let tokens = tokens.as_array().unwrap();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["status"], "revoked");
    assert_eq!(tokens[0]["scopes"], serde_json::json!(["deploy"]));
}

#[test]
fn the_cron_example_purges_in_silence() {
    // issue 10 item 22: skipped with a note where bash is missing.
    let Some(bash) = tool("bash", "bash") else {
        return;
    };
    let Some(env) = Env::new() else { return };
    let (id, _) = env.create(&["--name", "old"]);
    env.cmd(&["-q", "revoke", &id.to_string(), "--yes"])
        .run()
        .success();
    // The command part of the crontab line: after minute, hour, day of
    // month, month and day of week.
    let command = docs::CRON_PURGE.splitn(6, ' ').nth(5).unwrap();
    assert!(command.starts_with("tokenctl "), "{command}");
    let out = bash_with_tokenctl(&bash, &env, command);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn the_trail_crontab_line_keeps_the_head_and_catches_a_rollback() {
    let Some(bash) = tool("bash", "bash") else {
        return;
    };
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "first"]);
    let kept = env.dir().join("audit");
    std::fs::create_dir(&kept).unwrap();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(docs::CRON_TRAIL),
        "the README shows another line"
    );
    let command = docs::CRON_TRAIL.splitn(6, ' ').nth(5).unwrap();
    assert!(command.starts_with("tokenctl "), "{command}");
    let command = command.replace("/var/lib/tokenctl-audit", kept.to_str().unwrap());
    let head = || std::fs::read_to_string(kept.join("head")).unwrap();
    // The first night, the head is the empty trail's.
    std::fs::write(kept.join("head"), format!("0:{}\n", "0".repeat(64))).unwrap();
    let night = || bash_with_tokenctl(&bash, &env, &command);
    let out = night();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
    let first = head();
    assert!(first.starts_with("1:"), "{first}");
    env.create(&["--name", "second"]);
    assert_eq!(night().status.code(), Some(0));
    assert!(head().starts_with("2:"), "{}", head());
    // The newest event deleted: the check fails, and the head kept stays.
    env.sql("DELETE FROM audit WHERE seq = 2");
    let out = night();
    assert_eq!(out.status.code(), Some(7));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cut short"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(head().starts_with("2:"), "{}", head());
}

/// Runs this test binary's tests whose names contain `filter` (but this
/// one) with an empty PATH, as on a machine without any of the clients,
/// capturing their output as `cargo test` does.
fn without_clients(filter: &str, ci: Option<&str>) -> Output {
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([filter, "--skip", "without_any_client"])
        .env("PATH", empty.path())
        .env_remove("CI");
    if let Some(ci) = ci {
        cmd.env("CI", ci);
    }
    output(&mut cmd)
}

#[test]
fn without_any_client_the_client_tests_skip_with_a_note_but_fail_under_ci() {
    // issue 10 item 22. In the SQLite build, which runs the client tests.
    let Some(_) = Env::no_database() else { return };
    let out = without_clients("generated::", None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for (test, program, package) in [
        ("bash_completes_commands_options_and_values", "bash", "bash"),
        ("fish_completes_commands_options_and_values", "fish", "fish"),
        ("zsh_parses_its_completion_function", "zsh", "zsh"),
        ("every_man_page_renders_without_warnings", "man", "man-db"),
        (
            "the_main_page_documents_exit_codes_environment_files_and_examples",
            "man",
            "man-db",
        ),
        ("mandoc_finds_nothing_to_lint", "mandoc", "mandoc"),
        ("the_ci_script_example_runs_as_printed", "bash", "bash"),
        ("the_cron_example_purges_in_silence", "bash", "bash"),
    ] {
        let note = format!(
            "note: skipping generated::{test}: {program} is not installed (apt-get install {package})"
        );
        assert!(stderr.contains(&note), "{note:?} not in {stderr}");
    }
    // The staleness check needs no client, so it always runs.
    assert!(
        stdout.contains(
            "generated::committed_completions_and_man_pages_are_what_the_code_generates ... ok"
        ),
        "{stdout}"
    );

    let out = without_clients("clock::", None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "note: skipping clock::a_clock_before_1970_is_no_panic: faketime is not installed (apt-get install faketime)"
        ),
        "{stderr}"
    );

    for ci in ["true", "1"] {
        let out = without_clients("generated::fish_completes", Some(ci));
        let all = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "CI={ci}: a missing fish passed: {all}"
        );
        assert!(
            all.contains("fish is not installed (apt-get install fish); under CI"),
            "{all}"
        );
    }
}
