//! `init`: explicit creation, prefixes, idempotence, conflicts, a newer
//! schema refused (both backends); SQLite's: another program's file, and
//! an old schema migrated in place.

use crate::Env;

#[test]
fn init_sets_the_prefix_of_new_tokens() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["init", "--prefix", "acme"])
        .run()
        .success()
        .stdout_is("")
        .stderr_has("prefix \"acme\"");
    let (_, token) = env.create(&["--name", "n"]);
    assert!(token.starts_with("acme_"), "{token}");
    assert!(
        env.show(1)["masked"]
            .as_str()
            .unwrap()
            .starts_with("acme_****")
    );
    assert_eq!(env.verify(&token, &[]).0, 0);
}

#[test]
fn init_again_is_fine_unless_the_prefix_differs() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["init"]).run().success();
    env.cmd(&["init"])
        .run()
        .success()
        .stderr_has("nothing changed");
    env.cmd(&["init", "--prefix", "tok"]).run().success();
    env.cmd(&["init", "--prefix", "abc"])
        .run()
        .code(6)
        .error_has("cannot change");
    env.cmd(&["-q", "init"]).run().success().stderr_is("");
}

#[test]
fn bad_prefixes_are_usage_errors() {
    let Some(env) = Env::new() else { return };
    for p in ["a", "Abc", "1ab", "ab_c", "abcdefghijklmnopq"] {
        env.cmd(&["init", "--prefix", p])
            .run()
            .code(2)
            .error_has("prefix");
    }
    assert!(!env.exists());
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let Some(env) = Env::new() else { return };
    env.cmd(&["init"]).run().success();
    // Where each backend keeps its schema version (SPEC §8).
    if env.is_postgres() {
        let n = env.sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'");
        assert_eq!(n, 1);
    } else {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let before = state(&env);
    env.cmd(&["list"])
        .run()
        .code(1)
        .error_has("newer than this tokenctl")
        .error_has(&env.name());
    env.cmd(&["create", "--name", "n"])
        .run()
        .code(1)
        .error_has("upgrade tokenctl");
    env.cmd(&["verify"])
        .stdin("x\n")
        .run()
        .code(1)
        .error_has("upgrade tokenctl")
        .stdout_is("");
    assert_eq!(state(&env), before);
}

/// Everything in the database, to see that it was left alone: the SQLite
/// file's bytes, or PostgreSQL's tables and every row of them.
fn state(env: &Env) -> Vec<u8> {
    let Some(db) = env.pg() else {
        return std::fs::read(env.db()).unwrap();
    };
    let mut all = Vec::new();
    for table in db.tables() {
        let rows = db.query(&format!(
            "SELECT coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM {table} t"
        ));
        let text: String = rows[0].get(0);
        all.extend(format!("{table}: {text}\n").into_bytes());
    }
    all
}

#[test]
fn another_programs_database_is_refused() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("CREATE TABLE other (x)").unwrap();
    drop(conn);
    let before = std::fs::read(env.db()).unwrap();
    env.cmd(&["create", "--name", "n"])
        .run()
        .code(1)
        .error_has("some other program");
    env.cmd(&["list"])
        .run()
        .code(1)
        .error_has("some other program");
    // Not even switched to WAL: the other program's file is left as it was.
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
}

/// A database as a tokenctl of schema 1 wrote it: tokens 1 to 3 with the
/// given secrets, token 3 since purged.
fn schema_1_database(env: &Env, secrets: &[String]) {
    use sha2::{Digest, Sha256};
    let data = env.db().parent().unwrap();
    std::fs::create_dir_all(data).unwrap();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute_batch(include_str!(
        "../../src/store/sqlite/migrations/0001_init.sql"
    ))
    .unwrap();
    conn.execute("INSERT INTO meta (key, value) VALUES ('prefix', 'tok')", [])
        .unwrap();
    for s in secrets {
        conn.execute(
            "INSERT INTO tokens (hash, last4, name, scopes, created_at, created_by)
             VALUES (?1, ?2, 'old', 'read', 1800000000, 'ops')",
            rusqlite::params![&Sha256::digest(s.as_bytes())[..], &s[s.len() - 4..]],
        )
        .unwrap();
    }
    conn.execute("DELETE FROM tokens WHERE id = 3", []).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
}

#[test]
fn an_older_schema_is_upgraded_in_place_with_its_tokens_and_ids() {
    use crate::faults::{NOBODY, integrity, share_read_only};
    let Some(other) = Env::sqlite_only() else {
        return;
    };
    let secrets: Vec<String> = (0..3).map(|_| other.create(&["--name", "s"]).1).collect();
    let env = other.another();
    schema_1_database(&env, &secrets);
    share_read_only(&env);
    let before = std::fs::read(env.db()).unwrap();
    // A user who may only read cannot upgrade it, and reads it as it is.
    let verdicts: Vec<i32> = secrets
        .iter()
        .map(|s| {
            let out = env
                .cmd(&["-q", "verify"])
                .user(NOBODY, NOBODY)
                .stdin(format!("{s}\n"))
                .run();
            out.stderr_is("").code
        })
        .collect();
    assert_eq!(verdicts, [0, 0, 3]);
    let listed = env.cmd(&["--json", "list"]).user(NOBODY, NOBODY).run();
    assert_eq!(crate::ids(&listed.success().json()), [1, 2]);
    // Its trail has no links yet, which is not a trail altered.
    env.cmd(&["log", "--verify"])
        .user(NOBODY, NOBODY)
        .run()
        .code(1)
        .error_has("not chained yet");
    assert_eq!(std::fs::read(env.db()).unwrap(), before);

    // Its owner's first command, a read, upgrades it.
    for (secret, code) in [(&secrets[0], 0), (&secrets[1], 0), (&secrets[2], 3)] {
        env.cmd(&["-q", "verify"])
            .stdin(format!("{secret}\n"))
            .run()
            .code(code)
            .stderr_is("");
    }
    assert_eq!(env.listed_ids(), [1, 2]);
    assert_eq!(
        env.create(&["--name", "new"]).0,
        4,
        "a purged id was reused"
    );
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5);
    drop(conn);
    assert_eq!(integrity(env.db()), "ok");
    env.cmd(&["log", "--verify"]).run().success();
}
