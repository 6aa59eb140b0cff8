//! Global behaviour: database location (`TOKENCTL_DB` on both backends; the
//! default path and special files SQLite's), help, errors, exit codes.

use crate::{COMMANDS, Env};

#[test]
fn the_default_database_lives_in_the_data_directory() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    env.bare(&["-q", "create", "--name", "n"]).run().success();
    let path = env.dir().join("home/.local/share/tokenctl/tokens.db");
    assert!(path.exists(), "{}", path.display());
    env.bare(&["--json", "list"]).run().success();
}

#[test]
fn tokenctl_db_names_the_database() {
    let Some(env) = Env::new() else { return };
    // A database elsewhere: another file, or another PostgreSQL database
    // (a URL).
    let elsewhere = env.another();
    env.bare(&["-q", "create", "--name", "n"])
        .env("TOKENCTL_DB", elsewhere.target())
        .run()
        .success();
    assert_eq!(elsewhere.listed_ids(), [1]);
    let v = env
        .bare(&["--json", "list"])
        .env("TOKENCTL_DB", elsewhere.target())
        .run()
        .success()
        .json();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[test]
fn actor_comes_from_the_flag_then_the_environment() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["-q", "--actor", "alice", "create", "--name", "n"])
        .run()
        .success();
    env.cmd(&["-q", "create", "--name", "n"])
        .env("TOKENCTL_ACTOR", "ci-bot")
        .run()
        .success();
    env.cmd(&["-q", "create", "--name", "n"]).run().success();
    let log = env.cmd(&["--json", "log"]).run().success().json();
    assert_eq!(log[0]["actor"], "alice");
    assert_eq!(log[1]["actor"], "ci-bot");
    assert!(!log[2]["actor"].as_str().unwrap().is_empty());
    assert_eq!(env.show(2)["created_by"], "ci-bot");
}

#[test]
fn help_and_version() {
    let Some(env) = Env::no_database() else {
        return;
    };
    let out = env.bare(&["--help"]).run().success();
    for cmd in COMMANDS {
        assert!(out.stdout.contains(cmd), "{cmd} missing from --help");
    }
    env.bare(&["--version"])
        .run()
        .success()
        .stdout_is(&format!("tokenctl {}\n", env!("CARGO_PKG_VERSION")));
    assert!(
        !env.dir().join("home").exists(),
        "--help touched the file system"
    );
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let Some(env) = Env::no_database() else {
        return;
    };
    env.bare(&["frobnicate"])
        .run()
        .code(2)
        .error_has("frobnicate");
    env.bare(&["list", "--bogus"])
        .run()
        .code(2)
        .error_has("--bogus");
    env.bare(&["--color", "sometimes", "list"])
        .run()
        .code(2)
        .error_has("sometimes");
    env.bare(&["--db", "", "list"])
        .run()
        .code(2)
        .error_has("--db");
    let out = env.bare(&[]).run().code(2);
    assert!(out.stderr.contains("Usage"));
}

#[test]
fn a_directory_is_not_a_database() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    std::fs::create_dir_all(env.db()).unwrap();
    env.cmd(&["list"]).run().code(1).error_has("is a directory");
    env.cmd(&["create", "--name", "n"])
        .run()
        .code(1)
        .error_has("is a directory")
        .error_has(env.db().to_str().unwrap())
        .error_has("pass --db");
    env.cmd(&["verify"])
        .stdin("x\n")
        .run()
        .code(1)
        .error_has("is a directory");
    assert_eq!(std::fs::read_dir(env.db()).unwrap().count(), 0);
}

#[test]
fn a_corrupt_file_is_reported_and_left_alone() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    let junk = vec![0x42u8; 8192];
    std::fs::write(env.db(), &junk).unwrap();
    env.cmd(&["list"])
        .run()
        .code(1)
        .error_has(env.db().to_str().unwrap());
    env.cmd(&["create", "--name", "n"])
        .run()
        .code(1)
        .error_has("not a database")
        .error_has("restore it from a backup");
    env.cmd(&["verify"]).stdin("x\n").run().code(1);
    assert_eq!(std::fs::read(env.db()).unwrap(), junk);
}

#[test]
fn a_secret_typed_in_the_wrong_place_is_not_echoed() {
    let Some(env) = Env::new() else { return };
    let (_, token) = env.create(&["--name", "n"]);
    let out = env.cmd(&["show", &token]).run().code(2);
    assert!(!out.stderr.contains(&token), "{}", out.stderr);
    assert!(out.stderr.contains("tok_****"), "{}", out.stderr);
}

#[test]
fn an_id_is_digits_only() {
    // issue 10 item 19: `+1` was taken for token 1.
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n"]);
    for bad in ["+1", " 1", "1 ", "1_0", "0x1", "1e0", "0", "١"] {
        for verb in [
            &["show"][..],
            &["revoke", "--yes"],
            &["reset", "--yes"],
            &["enable"],
            &["disable"],
            &["log"],
        ] {
            let mut args = verb.to_vec();
            args.insert(1, bad);
            env.cmd(&args)
                .run()
                .code(2)
                .stdout_is("")
                .error_has(&format!("'{bad}'"))
                .error_has("a token id is a positive whole number, digits only");
        }
    }
    for bad in ["+5", "5 ", "4294967296"] {
        env.cmd(&["log", "--limit", bad])
            .run()
            .code(2)
            .error_has(&format!("'{bad}'"))
            .error_has("a limit is a whole number");
    }
    assert_eq!(env.show(id)["status"], "active");
    assert_eq!(env.actions(id), ["created"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
    // Digits still work, leading zeros too.
    env.cmd(&["show", "001"]).run().success();
    env.cmd(&["log", "--limit", "0005"]).run().success();
}

#[test]
fn errors_keep_clap_advice_on_their_one_line() {
    // issue 10 item 20: `tokenctl lst` lost "did you mean list?".
    let Some(env) = Env::new() else { return };
    let cases: &[(&[&str], &str)] = &[
        (
            &["lst"],
            "tokenctl: unrecognized subcommand 'lst'; did you mean 'list'?; see 'tokenctl --help'\n",
        ),
        (
            &["verfy"],
            "tokenctl: unrecognized subcommand 'verfy'; did you mean 'verify'?; see 'tokenctl --help'\n",
        ),
        (
            &["--colr", "never", "list"],
            "tokenctl: unexpected argument '--colr' found; did you mean '--color'?; see 'tokenctl --help'\n",
        ),
        (
            &["list", "--stauts", "active"],
            "tokenctl: unexpected argument '--stauts' found; did you mean '--status'?; see 'tokenctl list --help'\n",
        ),
        (
            &["list", "--status", "actve"],
            "tokenctl: invalid value 'actve' for '--status <S>' [possible values: revoked, expired, disabled, active]; did you mean 'active'?; see 'tokenctl list --help'\n",
        ),
        (
            &["purge", "--include-revokd"],
            "tokenctl: unexpected argument '--include-revokd' found; did you mean '--include-revoked'?; see 'tokenctl purge --help'\n",
        ),
        (
            &["show", "1", "2"],
            "tokenctl: unexpected argument '2' found; see 'tokenctl show --help'\n",
        ),
    ];
    for (args, line) in cases {
        env.cmd(args).run().code(2).stdout_is("").stderr_is(line);
    }
    assert!(!env.exists(), "a usage error created the database");
}

#[test]
fn a_missing_argument_says_what_is_needed() {
    // issue 10 item 20: `revoke --yes` did not mention --owner.
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n", "--owner", "alice"]);
    for args in [
        &["revoke", "--yes"][..],
        &["revoke"],
        &["-q", "revoke", "-y"],
    ] {
        env.cmd(args).run().code(2).stderr_is(
            "tokenctl: revoke needs <ID> or --owner <O>; see 'tokenctl revoke --help'\n",
        );
    }
    env.cmd(&["show"])
        .run()
        .code(2)
        .stderr_is("tokenctl: show needs <ID>; see 'tokenctl show --help'\n");
    env.cmd(&["create", "--owner", "bob"])
        .run()
        .code(2)
        .stderr_is("tokenctl: create needs --name <N>; see 'tokenctl create --help'\n");
    assert_eq!(env.show(1)["status"], "active");
    assert_eq!(env.listed_ids(), [1]);
}

#[test]
fn negative_durations_and_ids_reach_their_own_check() {
    // issue 10 item 20: `--expires-in -5d` said "unexpected argument '-5'".
    let Some(env) = Env::new() else { return };
    let (id, secret) = env.create(&["--name", "n"]);
    let negative = "a duration cannot be negative";
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["create", "--name", "m", "--expires-in", "-5d"],
            "'-5d'",
            "create",
        ),
        (
            &["create", "--name", "m", "--expires-in=-5d"],
            "'-5d'",
            "create",
        ),
        (
            &["reset", "1", "--yes", "--expires-in", "-1h"],
            "'-1h'",
            "reset",
        ),
        (&["list", "--expiring-within", "-30d"], "'-30d'", "list"),
        (&["purge", "--older-than", "-1w"], "'-1w'", "purge"),
        (&["purge", "--older-than", "-0"], "'-0'", "purge"),
    ];
    for (args, value, sub) in cases {
        env.cmd(args)
            .run()
            .code(2)
            .stdout_is("")
            .error_has(value)
            .error_has(negative)
            .error_has(&format!("; see 'tokenctl {sub} --help'"));
    }
    env.cmd(&["create", "--name", "m", "--expires-at", "-2027-01-01"])
        .run()
        .code(2)
        .error_has("'-2027-01-01'")
        .error_has("a time is RFC 3339");
    for args in [
        &["show", "-1"][..],
        &["enable", "-1"],
        &["disable", "-2"],
        &["log", "-1"],
        &["revoke", "-1", "--yes"],
        &["reset", "-1", "--yes"],
    ] {
        env.cmd(args)
            .run()
            .code(2)
            .error_has("a token id is a positive whole number, digits only")
            .error_has(&format!("; see 'tokenctl {} --help'", args[0]));
    }
    env.cmd(&["log", "--limit", "-5"])
        .run()
        .code(2)
        .error_has("'-5'")
        .error_has("a limit is a whole number");
    assert_eq!(env.listed_ids(), [id]);
    assert_eq!(env.actions(id), ["created"]);
    assert_eq!(env.verify(&secret, &[]).0, 0);
}

#[test]
fn a_secret_in_a_parse_error_is_masked_wherever_it_appears() {
    // issue 10 item 20: the advice kept on the line must not bring the
    // secret back.
    let Some(env) = Env::new() else { return };
    let (_, token) = env.create(&["--name", "n"]);
    for args in [
        &[token.as_str()][..],
        &["show", &token],
        &["create", "--name", "m", "--expires-in", &token],
        &["list", &format!("--{token}")],
        &["log", "--limit", &token],
        &["revoke", "--yes", &token[..40]],
    ] {
        let out = env.cmd(args).run().code(2);
        let body = &token[4..token.len() - 4];
        assert!(!out.stderr.contains(body), "{args:?}: {}", out.stderr);
        assert!(
            !out.stderr.contains(&token[4..24]),
            "{args:?}: {}",
            out.stderr
        );
        assert!(out.stderr.contains("tok_****"), "{args:?}: {}", out.stderr);
        out.error_has("see 'tokenctl");
    }
}

/// The section of a help text that starts with the line `heading`, up to
/// the next heading (a line with no indent that ends in `:`) or the end.
fn help_section<'a>(help: &'a str, heading: &str) -> Option<&'a str> {
    let start = help.find(&format!("\n{heading}\n"))? + 1;
    let body = &help[start + heading.len() + 1..];
    let end = body
        .lines()
        .scan(0, |at, line| {
            let here = *at;
            *at += line.len() + 1;
            Some((here, line))
        })
        .find(|(_, line)| !line.starts_with(' ') && line.ends_with(':'))
        .map_or(body.len(), |(at, _)| at);
    Some(&body[..end])
}

const GLOBAL_FLAGS: [&str; 5] = ["--db", "--json", "--quiet", "--color", "--actor"];

#[test]
fn global_options_have_a_heading_of_their_own() {
    // issue 10 item 21: per-command help mixed global options into the
    // command's own.
    let Some(env) = Env::no_database() else {
        return;
    };
    let mut invocations: Vec<Vec<&str>> = vec![vec![]];
    invocations.extend(COMMANDS.iter().map(|c| vec![*c]));
    for words in invocations {
        for help in ["-h", "--help"] {
            let mut args = words.clone();
            args.push(help);
            let out = env
                .bare(&args)
                .env("TOKENCTL_DB", "/srv/secret-place/tokens.db")
                .env("TOKENCTL_ACTOR", "someone-in-particular")
                .run()
                .success();
            let text = &out.stdout;
            let own = help_section(text, "Options:").unwrap_or_else(|| panic!("{args:?}: {text}"));
            let global =
                help_section(text, "Global options:").unwrap_or_else(|| panic!("{args:?}: {text}"));
            for flag in GLOBAL_FLAGS {
                assert!(
                    global.contains(flag),
                    "{args:?}: {flag} not under Global options"
                );
                assert!(!own.contains(flag), "{args:?}: {flag} under Options: {own}");
            }
            assert!(own.contains("--help"), "{args:?}: {own}");
            // No value of the environment, nor an empty [env: ...=].
            for leak in ["[env:", "secret-place", "someone-in-particular"] {
                assert!(!text.contains(leak), "{args:?} shows {leak:?}: {text}");
            }
            // The variables are named in the flags' own text instead.
            assert!(global.contains("$TOKENCTL_DB"), "{args:?}: {global}");
            assert!(global.contains("$TOKENCTL_ACTOR"), "{args:?}: {global}");
        }
    }
    // A command's own options stay with it.
    let out = env.bare(&["revoke", "--help"]).run().success();
    let own = help_section(&out.stdout, "Options:").unwrap();
    assert!(own.contains("--owner") && own.contains("--yes"), "{own}");
}

#[test]
fn generated_files_show_no_environment_values() {
    let Some(_) = Env::no_database() else { return };
    // issue 10 item 21: the man pages showed an empty [env: TOKENCTL_DB=].
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["man", "completions"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(!text.contains("[env:"), "{}", path.display());
            assert!(!text.contains("TOKENCTL_DB="), "{}", path.display());
        }
    }
}

/// The lines of the verbatim blocks in a man page's EXAMPLES section, as
/// they render (roff's escapes undone).
fn man_example_lines(page: &str) -> Vec<String> {
    let examples = page
        .split("\n.SH ")
        .find(|s| s.starts_with("EXAMPLES"))
        .unwrap_or_else(|| panic!("no EXAMPLES: {page}"));
    let mut lines = Vec::new();
    let mut verbatim = false;
    for line in examples.lines() {
        match line {
            ".nf" => verbatim = true,
            ".fi" => verbatim = false,
            _ if verbatim => lines.push(
                line.replace("\\-", "-")
                    .replace("\\*(Aq", "'")
                    .replace("\\\\", "\\")
                    .replace("\\&", ""),
            ),
            _ => {}
        }
    }
    lines
}

#[test]
fn long_help_ends_with_the_examples_of_the_man_page() {
    // issue 10 item 21: --help (not -h) ends with the same examples as the
    // man page, fed from one source.
    let Some(env) = Env::no_database() else {
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![(vec![], "tokenctl.1".to_owned())];
    pages.extend(
        COMMANDS
            .iter()
            .map(|c| (vec![*c], format!("tokenctl-{c}.1"))),
    );
    for (words, page) in pages {
        let page = std::fs::read_to_string(root.join("man").join(&page)).unwrap();
        let want = man_example_lines(&page);
        assert!(!want.is_empty(), "{words:?} has no examples");
        let mut args = words.clone();
        args.push("--help");
        let long = env.bare(&args).run().success().stdout;
        let examples = help_section(&long, "Examples:")
            .unwrap_or_else(|| panic!("{args:?}: no Examples: {long}"));
        // Code is indented six spaces, each example's text two.
        let have: Vec<&str> = examples
            .lines()
            .filter_map(|l| l.strip_prefix("      "))
            .collect();
        assert_eq!(have, want, "{args:?}");
        // The examples are the end of it.
        assert_eq!(
            long.trim_end().lines().last(),
            want.last().map(|l| format!("      {l}")).as_deref(),
            "{args:?}"
        );
        args.pop();
        args.push("-h");
        let short = env.bare(&args).run().success().stdout;
        assert!(!short.contains("Examples:"), "{args:?}: {short}");
    }
}

#[test]
fn only_a_command_that_records_an_actor_checks_it() {
    // issue 10 item 21: --actor lost its parse-time check; a command that
    // records an actor checks it, one that only reads ignores it.
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    for bad in ["", "a\u{1}b", "   "] {
        env.cmd(&["--actor", bad, "list"]).run().success();
        env.cmd(&["--actor", bad, "show", "1"]).run().success();
        env.cmd(&["list"])
            .env("TOKENCTL_ACTOR", bad)
            .run()
            .success();
        env.cmd(&["--actor", bad, "disable", "1"])
            .run()
            .code(2)
            .stdout_is("")
            .error_has("actor");
        env.cmd(&["disable", "1"])
            .env("TOKENCTL_ACTOR", bad)
            .run()
            .code(2)
            .error_has("actor");
    }
    assert_eq!(env.actions(1), ["created"]);
    // The flag wins over the variable.
    env.cmd(&["--actor", "flag", "-q", "disable", "1"])
        .env("TOKENCTL_ACTOR", "variable")
        .run()
        .success();
    let log = env.cmd(&["--json", "log", "1"]).run().success().json();
    assert_eq!(log[1]["actor"], "flag");
}
