//! Human output across commands (issue 10), on both backends: tables and
//! JSON that stream in flat memory, tables that fit the terminal without
//! cutting what must be copied, colour only where it is wanted, text from
//! the database shown escaped, and notes that a stderr that cannot be
//! written does not turn into a failure.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::{Env, Out, pty, pty_end};

/// A right-to-left override: reorders the rest of a line on a terminal.
const RLO: char = '\u{202e}';

/// A database of `n` tokens with long names and owners (about 100 and 200
/// characters), each with a `created` event with a long detail, written
/// by SQL in a fraction of a second (each backend's own SQL: there is no
/// portable way to make rows). `None` as for [`Env::new`].
fn seeded(n: u32) -> Option<Env> {
    let env = Env::new()?;
    env.cmd(&["-q", "init"]).run().success();
    let now = crate::now();
    if env.is_postgres() {
        let rows = |sql: &str| format!("{sql} FROM generate_series(1, {n}) i");
        env.sql(&rows(&format!(
            "INSERT INTO tokens (id, last4, name, owner, scopes, created_at, created_by, expires_at)
             SELECT i, right(lpad(i::text, 4, '0'), 4), 'token ' || i || ' ' || repeat('x', 88),
                    'owner' || i || '@' || repeat('x', 180) || '.example.com', 'deploy read write',
                    {now}, 'seed', {now} + 86400"
        )));
        env.sql(&rows(
            "INSERT INTO token_hashes (hash, id) SELECT sha256(i::text::bytea), i",
        ));
        env.sql(&rows(&format!(
            "INSERT INTO audit (at, token_id, action, actor, detail)
             SELECT {now}, i, 0, 'seed', 'token ' || i || ': ' || repeat('x', 200)"
        )));
        // Ids given by hand leave the identity's sequence behind.
        env.sql(&format!(
            "SELECT setval(pg_get_serial_sequence('tokens', 'id'), {n})"
        ));
        return Some(env);
    }
    let rows = |sql: &str| {
        format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) {sql}"
        )
    };
    let filler = |len: u32| format!("replace(hex(zeroblob({})), '0', 'x')", len / 2);
    env.sql(&rows(&format!(
        "INSERT INTO tokens (id, last4, name, owner, scopes, created_at, created_by, expires_at)
         SELECT i, substr(printf('%04d', i), -4), printf('token %d ', i) || {},
                printf('owner%d@', i) || {} || '.example.com', 'deploy read write',
                {now}, 'seed', {now} + 86400
         FROM n",
        filler(88),
        filler(180)
    )));
    env.sql(&rows(
        "INSERT INTO token_hashes (hash, id) SELECT randomblob(32), i FROM n",
    ));
    env.sql(&rows(&format!(
        "INSERT INTO audit (at, token_id, action, actor, detail)
         SELECT {now}, i, 0, 'seed', printf('token %d: ', i) || {} FROM n",
        filler(200)
    )));
    Some(env)
}

/// `tokenctl --db <env's db> ARGS` with its address space limited to `kib`
/// KiB (`ulimit -v`), its stdout captured.
fn limited(env: &Env, args: &[&str], kib: u64) -> Out {
    let kib = kib.to_string();
    let mut cmd = env
        .cmd(args)
        .through(
            Path::new("sh"),
            &["-c", r#"ulimit -v "$1" && shift && exec "$@""#, "sh", &kib],
        )
        .command();
    cmd.env_remove("COLUMNS").stdin(Stdio::null());
    Out::from_output(cmd.output().unwrap())
}

/// The smallest address-space limit, to 1 MiB, under which `tokenctl ARGS`
/// succeeds on this database.
fn least_memory(env: &Env, args: &[&str]) -> u64 {
    let ok = |kib| limited(env, args, kib).code == 0;
    let (mut fails, mut works) = (0, 4 << 20);
    assert!(ok(works), "{args:?} fails even with 4 GiB");
    while works - fails > 1024 {
        let mid = (fails + works) / 2;
        if ok(mid) {
            works = mid;
        } else {
            fails = mid;
        }
    }
    works
}

// issue 10 item 18: every output form, table and JSON, list and log,
// needs no more memory for 50,000 tokens than for 2,000. The slack covers
// SQLite's page cache (2 MiB by default), which a small database does not
// fill, and the resolution of the search; buffering the rows of 50,000
// tokens or events needs tens of MiB more.
#[test]
fn memory_stays_flat_for_every_output_form() {
    const SLACK_KIB: u64 = 8 << 10;
    let (Some(small), Some(big)) = std::thread::scope(|s| {
        let small = s.spawn(|| seeded(2_000));
        let big = s.spawn(|| seeded(50_000));
        (small.join().unwrap(), big.join().unwrap())
    }) else {
        return;
    };
    let forms: [&[&str]; 4] = [&["list"], &["--json", "list"], &["log"], &["--json", "log"]];
    std::thread::scope(|s| {
        for args in forms {
            let (small, big) = (&small, &big);
            s.spawn(move || {
                let need = least_memory(small, args);
                let out = limited(big, args, need + SLACK_KIB);
                assert_eq!(
                    out.code, 0,
                    "{args:?} on 50,000 tokens needs more than the {need} KiB of 2,000 \
                     and {SLACK_KIB} KiB: {}",
                    out.stderr
                );
                // And it printed them all.
                if args[0] == "--json" {
                    assert_eq!(out.json().as_array().unwrap().len(), 50_000, "{args:?}");
                } else {
                    assert_eq!(out.stdout.lines().count(), 50_001, "{args:?}");
                }
            });
        }
    });
}

// issue 10 item 18: a streamed table whose reader goes away mid-stream
// ends quietly with exit 0, as the JSON array does.
#[test]
fn a_streamed_table_ends_quietly_on_a_closed_pipe() {
    let Some(env) = seeded(2_000) else { return };
    for args in [&["list"][..], &["log"], &["--json", "log"]] {
        let mut cmd = env.cmd(args).command();
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        cmd.stdout(writer).stderr(Stdio::piped());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert_eq!(String::from_utf8(out.stderr).unwrap(), "", "{args:?}");
    }
}

/// Long names and owners, one of them in wide characters, and two more
/// tokens; returns each token's masked secret, by id.
fn long_values(env: &Env) -> Vec<String> {
    env.create(&[
        "--name",
        "Deploy key for the production cluster in eu-west-1 (rotated every month by the platform team)",
        "--owner",
        "platform-infrastructure-team-with-a-very-long-mailing-list-name@subsidiary.example.com",
        "--scope",
        "deploy",
        "--scope",
        "read",
        "--scope",
        "write:artifacts",
    ]);
    env.create(&[
        "--name",
        "本番環境のデプロイ用のとても長い名前のトークンです",
        "--owner",
        "bob",
    ]);
    env.create(&["--name", "short", "--no-expiry"]);
    env.cmd(&[
        "-q",
        "--actor",
        "a-rather-long-actor-name-for-the-audit-trail-of-this-database",
        "disable",
        "3",
    ])
    .run()
    .success();
    let list = env.cmd(&["--json", "list"]).run().success().json();
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t["masked"].as_str().unwrap().to_owned())
        .collect()
}

/// Text read from a pty session as it was written: rexpect hands over
/// each byte as a char of its own.
fn utf8(read: &str) -> String {
    let bytes: Vec<u8> = read
        .chars()
        .map(|c| u8::try_from(c).expect("one byte per char"))
        .collect();
    String::from_utf8(bytes).expect("UTF-8 on the terminal")
}

/// What a command printed on a pseudo-terminal, as lines, colour stripped.
fn on_pty(cmd: Command) -> Vec<String> {
    let (text, code) = pty_end(pty(cmd, false));
    assert_eq!(code, 0, "{text}");
    utf8(&text)
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[track_caller]
fn assert_fits(lines: &[String], width: usize) {
    for line in lines {
        assert!(
            line.width() <= width,
            "wider than {width} ({}): {line:?}",
            line.width()
        );
    }
}

// issue 10 item 19: on an 80-column terminal, list, log and show fit
// without wrapping: long free text is shortened with …, ids, masked
// secrets, states and times are whole.
#[test]
fn tables_fit_the_terminal_and_keep_what_must_be_copied() {
    let Some(env) = Env::new() else { return };
    let masked = long_values(&env);
    let cmd = |args: &[&str]| env.cmd(args).env("COLUMNS", "80").command();

    let list = on_pty(cmd(&["list"]));
    assert_eq!(list.len(), 4, "one line per token: {list:#?}");
    assert_fits(&list, 80);
    assert!(list[0].starts_with("ID  NAME"), "{}", list[0]);
    for (i, m) in masked.iter().enumerate() {
        let row = &list[i + 1];
        assert!(row.starts_with(&format!("{} ", i + 1)), "{row}");
        assert!(row.contains(&format!(" {m} ")), "{m} not whole in {row}");
    }
    assert!(list[1].contains('…') && list[2].contains('…'), "{list:#?}");
    assert!(list[1].contains("in 180 days") && list[1].contains("active"));
    assert!(list[3].contains("disabled") && list[3].contains("never"));
    assert!(list[3].contains("short"), "short values are not cut");

    let log = on_pty(cmd(&["log"]));
    assert_eq!(log.len(), 5, "{log:#?}");
    assert_fits(&log, 80);
    assert!(log[4].contains(" 3 ") && log[4].contains("disabled") && log[4].contains('…'));

    let show = on_pty(cmd(&["show", "1"]));
    assert_fits(&show, 80);
    assert!(
        show.iter()
            .any(|l| l.starts_with("name") && l.ends_with('…'))
    );
    assert!(
        show.iter()
            .any(|l| l.starts_with("secret") && l.ends_with(&masked[0]))
    );
    assert!(
        show.iter()
            .any(|l| l.starts_with("id") && l.ends_with(" 1"))
    );
}

// issue 10 item 19: the width comes from the terminal itself when COLUMNS
// is not set, and COLUMNS wins when it is.
#[test]
fn the_terminal_says_how_wide_it_is() {
    let Some(env) = Env::new() else { return };
    long_values(&env);
    let sized = |cols: u32, columns: Option<&str>| {
        let run = env.cmd(&["list"]).command();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(r#"stty cols {cols} && exec "$@""#))
            .arg("sh")
            .arg(run.get_program())
            .args(run.get_args());
        for (key, value) in run.get_envs() {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        cmd.env_remove("COLUMNS");
        if let Some(c) = columns {
            cmd.env("COLUMNS", c);
        }
        on_pty(cmd)
    };
    let wide = sized(120, None);
    assert_fits(&wide, 120);
    assert!(wide.iter().any(|l| l.width() > 100), "{wide:#?}");
    let narrow = sized(120, Some("70"));
    assert_fits(&narrow, 70);
    assert_eq!(narrow.len(), 4);
}

// issue 10 item 19: without a terminal nothing is cut or wrapped, whatever
// COLUMNS says: one line per token, every value whole.
#[test]
fn without_a_terminal_nothing_is_cut() {
    let Some(env) = Env::new() else { return };
    long_values(&env);
    let list = env.cmd(&["--json", "list"]).run().success().json();
    for columns in [None, Some("40")] {
        let mut run = env.cmd(&["list"]);
        if let Some(c) = columns {
            run = run.env("COLUMNS", c);
        }
        let out = run.run().success().stderr_is("");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 4, "{}", out.stdout);
        assert!(!out.stdout.contains('…'), "{}", out.stdout);
        for (t, line) in list.as_array().unwrap().iter().zip(&lines[1..]) {
            for key in ["name", "owner", "masked"] {
                if let Some(v) = t[key].as_str() {
                    assert!(line.contains(v), "{v} not whole in {line}");
                }
            }
        }
        let log = env.cmd(&["log"]).run().success();
        assert_eq!(log.stdout.lines().count(), 5);
        assert!(
            log.stdout
                .contains("a-rather-long-actor-name-for-the-audit-trail-of-this-database")
        );
        let show = env.cmd(&["show", "1"]).run().success();
        assert!(show.stdout.contains(list[0]["owner"].as_str().unwrap()));
    }
}

/// Whether `tokenctl list` on a terminal, with these environment
/// variables, prints escape codes.
fn coloured(env: &Env, vars: &[(&str, &str)], args: &[&str]) -> bool {
    let mut run = env.cmd(args);
    for (key, value) in vars {
        run = run.env(key, value);
    }
    let (text, code) = pty_end(pty(run.command(), true));
    assert_eq!(code, 0, "{text}");
    text.contains("\u{1b}[")
}

// issue 10 item 19: --color auto colours a terminal unless TERM=dumb or
// NO_COLOR is set (an empty NO_COLOR is unset); --color always colours
// even then; never and JSON never do.
#[test]
fn colour_only_where_it_is_wanted() {
    let Some(env) = Env::new() else { return };
    env.create(&["--name", "n"]);
    let list = ["list"];
    assert!(coloured(&env, &[("TERM", "xterm")], &list));
    assert!(coloured(&env, &[("NO_COLOR", "")], &list));
    assert!(!coloured(&env, &[("TERM", "dumb")], &list));
    assert!(!coloured(&env, &[("NO_COLOR", "1")], &list));
    assert!(coloured(
        &env,
        &[("TERM", "dumb")],
        &["--color", "always", "list"]
    ));
    assert!(coloured(
        &env,
        &[("NO_COLOR", "1")],
        &["--color", "always", "log"]
    ));
    assert!(!coloured(&env, &[], &["--color", "never", "show", "1"]));
    assert!(!coloured(
        &env,
        &[],
        &["--json", "--color", "always", "list"]
    ));
    // Off a terminal only when forced.
    assert!(!env.cmd(&["list"]).run().success().stdout.contains('\u{1b}'));
    assert!(
        env.cmd(&["--color", "always", "list"])
            .run()
            .success()
            .stdout
            .contains("\u{1b}[")
    );
}

/// A token whose name, owner, actor and detail hold a right-to-left
/// override, as a database written by an older version may.
fn hostile(env: &Env) -> String {
    env.create(&["--name", "n", "--owner", "o"]);
    env.sql(&format!(
        "UPDATE tokens SET name = 'evil{RLO}gpj.exe', owner = 'mal{RLO}lory', scopes = 'read'"
    ));
    env.sql(&format!(
        "UPDATE audit SET actor = 'ad{RLO}min', detail = 'de{RLO}tail'"
    ));
    format!("evil{RLO}gpj.exe")
}

// issue 10 item 4: list, show and log tables show text from the database
// escaped; their JSON carries it as it is.
#[test]
fn database_text_is_escaped_for_people_and_raw_in_json() {
    let Some(env) = Env::new() else { return };
    let name = hostile(&env);
    for args in [&["list"][..], &["show", "1"], &["log"], &["log", "1"]] {
        let out = env.cmd(args).run().success();
        assert!(!out.stdout.contains(RLO), "{args:?}: {:?}", out.stdout);
        assert!(out.stdout.contains("\\u{202e}"), "{args:?}: {}", out.stdout);
        assert!(
            !out.stdout.contains("\\\\u"),
            "escaped twice: {}",
            out.stdout
        );
    }
    // On a terminal, where it matters.
    let lines = on_pty(env.cmd(&["list"]).env("COLUMNS", "200").command());
    assert!(lines[1].contains("evil\\u{202e}gpj.exe") && !lines[1].contains(RLO));
    let list = env.cmd(&["--json", "list"]).run().success();
    assert_eq!(list.json()[0]["name"], name.as_str());
    assert_eq!(list.json()[0]["owner"], format!("mal{RLO}lory"));
    let show = env.cmd(&["--json", "show", "1"]).run().success();
    assert_eq!(show.json()["name"], name.as_str());
    let log = env.cmd(&["--json", "log"]).run().success();
    assert_eq!(log.json()[0]["actor"], format!("ad{RLO}min"));
    assert_eq!(log.json()[0]["detail"], format!("de{RLO}tail"));
}

// issue 10 item 4: notes and prompts that name a token escape its name
// and owner.
#[test]
fn notes_and_prompts_escape_database_text() {
    let Some(env) = Env::new() else { return };
    hostile(&env);
    let check = |what: &str, text: &str| {
        assert!(!text.contains(RLO), "{what}: {text:?}");
        assert!(text.contains(r#""evil\u{202e}gpj.exe""#), "{what}: {text}");
        assert!(text.contains("owner mal\\u{202e}lory"), "{what}: {text}");
    };
    let reset = env.cmd(&["reset", "1", "--yes"]).run().success();
    check("reset note", &reset.stderr);
    let mut p = pty(env.cmd(&["revoke", "1"]).command(), false);
    let question = p.exp_string("[y/N]").unwrap();
    check("revoke question", &question);
    p.send_line("n").unwrap();
    let (_, code) = pty_end(p);
    assert_eq!(code, 1);
}

/// `tokenctl ARGS` with stderr on /dev/full, where every write fails.
fn with_full_stderr(env: &Env, args: &[&str]) -> Out {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut cmd = env.cmd(args).command();
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(full);
    Out::from_output(cmd.output().unwrap())
}

// issue 10 item 9: a note that cannot be written changes nothing: every
// command that writes one exits as it would with a working stderr (never
// 101, a panic), errors keep their codes, and a new secret is delivered
// and stays valid.
#[test]
fn a_full_stderr_changes_no_outcome() {
    let steps: &[(&[&str], i32)] = &[
        (&["init"], 0),
        (&["init"], 0),
        (&["create", "--name", "n", "--owner", "alice"], 0),
        (
            &[
                "create",
                "--name",
                "m",
                "--owner",
                "alice",
                "--expires-in",
                "1d",
            ],
            0,
        ),
        (&["reset", "1", "--yes"], 0),
        (&["revoke", "1"], 2),
        (&["disable", "1"], 0),
        (&["disable", "1"], 0),
        (&["enable", "1"], 0),
        (&["enable", "1"], 0),
        (&["revoke", "2", "--yes"], 0),
        (&["revoke", "2", "--yes"], 0),
        (&["revoke", "--owner", "alice", "--yes"], 0),
        (&["revoke", "--owner", "alice", "--yes"], 0),
        (&["enable", "1"], 6),
        (&["list"], 0),
        (&["purge"], 0),
        (&["purge", "--include-revoked"], 0),
        (&["list"], 0),
        (&["log", "99"], 5),
        (&["show", "1"], 5),
        (&["init", "--prefix", "other"], 6),
    ];
    // The same steps on two databases, one with a working stderr.
    let Some(full) = Env::new() else { return };
    let normal = full.another();
    for &(args, code) in steps {
        let a = with_full_stderr(&full, args);
        let b = normal.cmd(args).run();
        assert_eq!((a.code, b.code), (code, code), "{args:?}: {}", b.stderr);
    }
    // A secret delivered with stderr full is the live token's.
    let env = full.another();
    let out = with_full_stderr(&env, &["-q", "create", "--name", "n"]).code(0);
    let secret = out.stdout.trim();
    assert_eq!(env.verify(secret, &[]).1["valid"], true, "{secret}");
    let out = with_full_stderr(&env, &["reset", "1", "--yes"]).code(0);
    let new = out.stdout.trim();
    assert_ne!(new, secret);
    assert_eq!(env.verify(new, &[]).1["valid"], true);
    let out = with_full_stderr(&env, &["--json", "create", "--name", "j"]).code(0);
    let v: Value = out.json();
    assert_eq!(
        env.verify(v["token"].as_str().unwrap(), &[]).1["valid"],
        true
    );
    assert_eq!(env.show(2)["status"], "active");
}

// issue 10 item 9: every note is masked, so nothing that looks like a
// secret (here a token pasted as the owner by mistake) is printed again.
#[test]
fn notes_mask_what_looks_like_a_secret() {
    let Some(env) = Env::new() else { return };
    let (_, secret) = env.create(&["--name", "first"]);
    let out = env
        .cmd(&["create", "--name", "n", "--owner", &secret])
        .run()
        .success();
    assert!(!out.stderr.contains(&secret[4..12]), "{}", out.stderr);
    assert!(out.stderr.contains("owner tok_****"), "{}", out.stderr);
    let out = env.cmd(&["reset", "2", "--yes"]).run().success();
    assert!(!out.stderr.contains(&secret[4..12]), "{}", out.stderr);
    // The data itself is not masked: it is what was stored.
    assert_eq!(env.show(2)["owner"], secret.as_str());
}
