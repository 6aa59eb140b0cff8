//! Dynamic completion (issue 12): the binary run as clap_complete's shell
//! glue runs it, `COMPLETE=SHELL tokenctl -- tokenctl WORDS...`, offers
//! the ids and owners of the database the words name, never creates one,
//! never prints a secret, and escapes what it shows.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt as _;

use crate::{Env, Run, tool};

/// What bash's glue puts between candidates (`IFS=$'\013'`).
const BASH_IFS: &str = "\u{b}";

/// The words of a command line, `tokenctl` first; the last is the word
/// under the cursor.
fn line(words: &[&str]) -> Vec<OsString> {
    std::iter::once("tokenctl")
        .chain(words.iter().copied())
        .map(OsString::from)
        .collect()
}

/// `line`, with `--db <the sandbox's database>` after `tokenctl`.
fn line_with_db(env: &Env, words: &[&str]) -> Vec<OsString> {
    let mut all = line(&[]);
    all.push("--db".into());
    all.push(env.target());
    all.extend(words.iter().map(OsString::from));
    all
}

/// The candidates `shell` gets for the last of `words`, with the
/// environment of `run` (made by [`Env::bare`]), in the protocol of
/// clap_complete's registration scripts: the words after `--`, and for
/// bash and zsh the index of the current word in `_CLAP_COMPLETE_INDEX`.
/// Each candidate as the shell reads it: bash the value alone, fish
/// `value\tdescription`, zsh `value:description`. Completing always exits
/// 0 and writes nothing to stderr.
fn offered(run: Run, shell: &str, words: &[OsString]) -> Vec<String> {
    let index = (words.len() - 1).to_string();
    let mut run = run.env("COMPLETE", shell).arg("--");
    for word in words {
        run = run.arg(word);
    }
    let run = match shell {
        "bash" => run
            .env("_CLAP_COMPLETE_INDEX", &index)
            .env("_CLAP_COMPLETE_COMP_TYPE", "9")
            .env("_CLAP_COMPLETE_SPACE", "true")
            .env("_CLAP_IFS", BASH_IFS),
        "zsh" => run
            .env("_CLAP_COMPLETE_INDEX", &index)
            .env("_CLAP_IFS", "\n"),
        _ => run,
    };
    let out = run.run().success().stderr_is("");
    let separator = if shell == "bash" { BASH_IFS } else { "\n" };
    out.stdout
        .split(separator)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The candidates that are not options (`--json`...), which clap offers
/// beside the values of an empty word.
fn values(candidates: Vec<String>) -> Vec<String> {
    candidates
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect()
}

/// A command with no `--db` that reaches `env`'s database through
/// `TOKENCTL_DB`.
fn with_tokenctl_db(env: &Env) -> Run {
    env.bare(&[]).env("TOKENCTL_DB", env.target())
}

#[test]
fn a_token_id_completes_to_the_ids_with_names_owners_and_states() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "CI deploy", "--owner", "alice"]);
    env.create(&["--name", "laptop"]);
    env.create(&["--name", "old", "--owner", "bob"]);
    env.cmd(&["revoke", "3", "--yes"]).run().success();
    let words = line(&["revoke", ""]);
    assert_eq!(
        values(offered(with_tokenctl_db(&env), "fish", &words)),
        [
            "1\tCI deploy (owner alice, active)",
            "2\tlaptop (active)",
            "3\told (owner bob, revoked)"
        ]
    );
    assert_eq!(
        values(offered(with_tokenctl_db(&env), "zsh", &words)),
        [
            "1:CI deploy (owner alice, active)",
            "2:laptop (active)",
            "3:old (owner bob, revoked)"
        ]
    );
    // Every command that takes an id, and a word begun.
    for command in ["show", "revoke", "reset", "enable", "disable", "log"] {
        let all = values(offered(
            with_tokenctl_db(&env),
            "bash",
            &line(&[command, ""]),
        ));
        assert_eq!(all, ["1", "2", "3"], "{command}");
        let begun = offered(with_tokenctl_db(&env), "bash", &line(&[command, "2"]));
        assert_eq!(begun, ["2"], "{command}");
    }
}

#[test]
fn an_owner_completes_to_the_distinct_owners() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "a", "--owner", "bob"]);
    env.create(&["--name", "b", "--owner", "alice"]);
    env.create(&["--name", "c", "--owner", "alice"]);
    env.create(&["--name", "d"]);
    for command in ["revoke", "list"] {
        let words = line(&[command, "--owner", ""]);
        assert_eq!(
            offered(with_tokenctl_db(&env), "bash", &words),
            ["alice", "bob"],
            "{command}"
        );
    }
    let words = line(&["create", "--name", "n", "--owner", "a"]);
    assert_eq!(offered(with_tokenctl_db(&env), "fish", &words), ["alice"]);
    let words = line(&["revoke", "--owner=b"]);
    assert_eq!(
        offered(with_tokenctl_db(&env), "fish", &words),
        ["--owner=bob"]
    );
}

#[test]
fn the_db_on_the_line_is_the_one_completed() {
    let Some(env) = Env::new() else { return };
    let elsewhere = env.another();
    env.create(&["--name", "here", "--owner", "alice"]);
    elsewhere.create(&["--name", "there", "--owner", "zoe"]);
    elsewhere.create(&["--name", "there too", "--owner", "zoe"]);
    // --db before the command, TOKENCTL_DB naming another database.
    let run = || env.bare(&[]).env("TOKENCTL_DB", elsewhere.target());
    let words = line_with_db(&env, &["show", ""]);
    assert_eq!(
        values(offered(run(), "fish", &words)),
        ["1\there (owner alice, active)"]
    );
    // --db=PATH after it.
    let mut words = line(&["list"]);
    let mut flag = OsString::from("--db=");
    flag.push(env.target());
    words.push(flag);
    words.extend(line(&["--owner", ""]).into_iter().skip(1));
    assert_eq!(offered(run(), "bash", &words), ["alice"]);
    // Without --db on the line, TOKENCTL_DB.
    assert_eq!(
        values(offered(run(), "bash", &line(&["show", ""]))),
        ["1", "2"]
    );
}

#[test]
fn the_default_database_is_completed_without_db() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    // bare: no --db, no TOKENCTL_DB, HOME in the sandbox.
    let words = line(&["show", ""]);
    assert!(values(offered(env.bare(&[]), "bash", &words)).is_empty());
    env.bare(&["create", "--name", "default"]).run().success();
    assert_eq!(
        values(offered(env.bare(&[]), "fish", &line(&["show", ""]))),
        ["1\tdefault (active)"]
    );
}

#[test]
fn a_missing_database_completes_to_nothing_and_is_not_created() {
    let Some(env) = Env::new() else { return };
    for shell in ["bash", "zsh", "fish"] {
        for words in [
            line_with_db(&env, &["revoke", ""]),
            line_with_db(&env, &["list", "--owner", ""]),
        ] {
            assert!(values(offered(env.bare(&[]), shell, &words)).is_empty());
        }
        assert!(values(offered(with_tokenctl_db(&env), shell, &line(&["show", ""]))).is_empty());
        // The default database, with no --db and no TOKENCTL_DB.
        assert!(values(offered(env.bare(&[]), shell, &line(&["log", ""]))).is_empty());
    }
    assert!(!env.exists(), "completing made the database");
    assert!(
        !env.dir().join("home").exists(),
        "completing made the default database's directory"
    );
}

#[test]
fn a_database_it_may_not_trust_or_reach_completes_to_nothing() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    env.create(&["--name", "n", "--owner", "alice"]);
    // Writable by others: every command refuses it, so completing does too.
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o666)).unwrap();
    let words = line_with_db(&env, &["show", ""]);
    assert!(values(offered(env.bare(&[]), "fish", &words)).is_empty());
    // A server that is not there, and a password on the command line,
    // which tokenctl refuses: nothing, and the password is not echoed.
    for url in [
        "postgresql://ops@127.0.0.1:1/tokens",
        "postgresql://ops:hunter2@127.0.0.1:1/tokens",
    ] {
        let words = line(&["--db", url, "revoke", ""]);
        let all = offered(env.bare(&[]), "fish", &words);
        assert!(values(all.clone()).is_empty(), "{url}: {all:?}");
        assert!(!all.iter().any(|c| c.contains("hunter2")), "{all:?}");
    }
}

#[test]
fn no_secret_is_offered() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "ci", "--owner", "alice"]);
    let body = secret.split_once('_').unwrap().1.to_owned();
    for shell in ["bash", "zsh", "fish"] {
        for words in [
            line(&["revoke", ""]),
            line(&["revoke", "--owner", ""]),
            line(&["reset", "1"]),
        ] {
            let text = offered(with_tokenctl_db(&env), shell, &words).join("\n");
            assert!(!text.is_empty(), "{shell} {words:?}");
            assert!(!text.contains(&secret) && !text.contains(&body), "{text}");
        }
    }
}

#[test]
fn hostile_names_and_owners_come_out_escaped() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "plain", "--owner", "alice"]);
    env.create(&["--name", "two", "--owner", "bob"]);
    // As an older version or another program might have stored them.
    env.sql("UPDATE tokens SET name = 'ev\u{1b}[31mil\u{202e}txt', owner = 'mal\u{202e}lo\u{1b}ry' WHERE id = 1");
    let words = line(&["revoke", ""]);
    let fish = values(offered(with_tokenctl_db(&env), "fish", &words));
    assert_eq!(
        fish,
        [
            "1\tev\\u{1b}[31mil\\u{202e}txt (owner mal\\u{202e}lo\\u{1b}ry, active)",
            "2\ttwo (owner bob, active)"
        ]
    );
    // zsh's glue doubles a backslash in a description; _describe shows one.
    let zsh = values(offered(with_tokenctl_db(&env), "zsh", &words));
    assert!(
        zsh[0].starts_with(r"1:ev\\u{1b}[31mil\\u{202e}txt"),
        "{zsh:?}"
    );
    // An owner that cannot be shown as it is cannot be completed either.
    let owners = offered(
        with_tokenctl_db(&env),
        "bash",
        &line(&["list", "--owner", ""]),
    );
    assert_eq!(owners, ["bob"]);
    for shell in ["bash", "zsh", "fish"] {
        for words in [line(&["show", ""]), line(&["list", "--owner", ""])] {
            let text = offered(with_tokenctl_db(&env), shell, &words).join("\n");
            assert!(
                !text.contains('\u{1b}') && !text.contains('\u{202e}'),
                "{shell}: {text:?}"
            );
        }
    }
}

/// What a real `shell` offers for `line` (completing its last word, or a
/// new one after a trailing space) with the registration the binary
/// prints for it (`source <(COMPLETE=bash tokenctl)`, `COMPLETE=fish
/// tokenctl | source`), the database in `TOKENCTL_DB`: the candidates as
/// the shell holds them, without descriptions.
fn shell_offers(env: &Env, shell: &std::path::Path, line: &str) -> Vec<String> {
    let bash = r#"
        source <(COMPLETE=bash "$1") || exit 1
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
    let fish = "COMPLETE=fish $argv[1] | source; or exit 1; complete -C $argv[2]";
    let home = tempfile::tempdir().unwrap();
    let run = with_tokenctl_db(env)
        .arg(line)
        // fish writes its history and variables under HOME.
        .env("HOME", home.path());
    let run = if shell.ends_with("fish") {
        run.through(shell, &["--no-config", "-c", fish])
    } else {
        run.through(shell, &["--norc", "--noprofile", "-c", bash, "bash"])
    };
    let out = run.run().success().stderr_is("");
    out.stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .filter(|c| !c.is_empty() && !c.starts_with('-'))
        .collect()
}

#[test]
fn bash_and_fish_complete_ids_and_owners_with_the_registration() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "one", "--owner", "alice"]);
    env.create(&["--name", "two", "--owner", "bob"]);
    for (name, package) in [("bash", "bash"), ("fish", "fish")] {
        let Some(shell) = tool(name, package) else {
            continue;
        };
        assert_eq!(
            shell_offers(&env, &shell, "tokenctl revoke "),
            ["1", "2"],
            "{name}"
        );
        assert_eq!(
            shell_offers(&env, &shell, "tokenctl show 2"),
            ["2"],
            "{name}"
        );
        assert_eq!(
            shell_offers(&env, &shell, "tokenctl list --owner "),
            ["alice", "bob"],
            "{name}"
        );
    }
}
