//! Migrations to the schema of policy and rotation (SQLite's 0004,
//! PostgreSQL's 0002): a database of the schema before, with tokens and
//! their trail, is upgraded in place by the next command, every token,
//! secret and event kept.

use serde_json::Value;

use crate::Env;

/// Tokens and events as `list --json` and `log --json` show them, without
/// `last_used_at`, which the verifies of a test set.
fn state(env: &Env) -> (Vec<Value>, Value) {
    let mut list = env.cmd(&["--json", "list"]).run().success().json();
    for t in list.as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("last_used_at");
    }
    let log = env.cmd(&["--json", "log"]).run().success().json();
    (list.as_array().unwrap().clone(), log)
}

/// Tokens in every state, with their secrets and the verdict each gets:
/// (secret, exit code, reason).
fn tokens(env: &Env) -> Vec<(String, i32, Value)> {
    let (_, active) = env.create(&[
        "--name",
        "kept",
        "--owner",
        "alice",
        "--scope",
        "deploy",
        "--expires-in",
        "30d",
    ]);
    let (_, forever) = env.create(&["--name", "forever", "--no-expiry"]);
    let (d, disabled) = env.create(&["--name", "disabled"]);
    env.cmd(&["-q", "disable", &d.to_string()]).run().success();
    let (r, revoked) = env.create(&["--name", "revoked"]);
    env.cmd(&["-q", "revoke", &r.to_string(), "--yes"])
        .run()
        .success();
    vec![
        (active, 0, Value::Null),
        (forever, 0, Value::Null),
        (disabled, 3, "disabled".into()),
        (revoked, 3, "revoked".into()),
    ]
}

/// Each table's columns (name, type, not null, default, primary key) and
/// whether it has a rowid, and each index, of an SQLite database.
fn schema(conn: &rusqlite::Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut objects = conn
        .prepare(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master
             WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        )
        .unwrap();
    let rows: Vec<(String, String, String, String)> = objects
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (kind, name, table, sql) in rows {
        if kind == "index" {
            let mut cols = conn
                .prepare(&format!("SELECT name FROM pragma_index_info('{name}')"))
                .unwrap();
            let cols: Vec<String> = cols
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            out.push(format!("index {name} on {table} ({})", cols.join(", ")));
            continue;
        }
        let rowid = !sql.to_uppercase().contains("WITHOUT ROWID");
        out.push(format!("{kind} {name} rowid={rowid}"));
        let mut cols = conn
            .prepare(&format!(
                "SELECT name, type, \"notnull\", coalesce(dflt_value, ''), pk
                 FROM pragma_table_info('{name}')"
            ))
            .unwrap();
        let cols: Vec<String> = cols
            .query_map([], |r| {
                Ok(format!(
                    "  {} {} notnull={} default={} pk={}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.extend(cols);
    }
    out
}

/// The schema that migrations 0001 to 0003 make.
fn schema_3() -> Vec<String> {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    for sql in [
        include_str!("../../src/store/sqlite/migrations/0001_init.sql"),
        include_str!("../../src/store/sqlite/migrations/0002_token_hashes.sql"),
        include_str!("../../src/store/sqlite/migrations/0003_audit_of_the_database.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
    schema(&conn)
}

fn user_version(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_schema_3_sqlite_database_is_upgraded_with_its_tokens_secrets_and_events() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let cases = tokens(&env);
    let before = state(&env);
    let count = before.0.len();
    assert_eq!(count, 4);

    // Back to what a tokenctl of schema 3 left: no policy, no grace, no
    // replaced secrets.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    assert_eq!(user_version(&conn), 5);
    conn.execute_batch(
        "BEGIN;
         ALTER TABLE audit DROP COLUMN hash;
         DROP TABLE policy;
         ALTER TABLE tokens DROP COLUMN previous_valid_until;
         CREATE TABLE token_hashes_3 (
             hash BLOB PRIMARY KEY,
             id   INTEGER NOT NULL
         ) WITHOUT ROWID;
         INSERT INTO token_hashes_3 (hash, id)
             SELECT hash, id FROM token_hashes WHERE replaced = 0;
         DROP TABLE token_hashes;
         ALTER TABLE token_hashes_3 RENAME TO token_hashes;
         PRAGMA user_version = 3;
         COMMIT;",
    )
    .unwrap();
    assert_eq!(user_version(&conn), 3);
    assert_eq!(schema(&conn), schema_3(), "not the schema of 0001..0003");
    let hashes: i64 = conn
        .query_row("SELECT count(*) FROM token_hashes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(hashes, 4);
    drop(conn);

    // The next command, a verify, upgrades it; every secret answers as
    // before.
    for (secret, code, reason) in &cases {
        let (got, v) = env.verify(secret, &[]);
        assert_eq!((got, &v["reason"]), (*code, reason), "{v}");
        assert_eq!(v["grace_until"], Value::Null);
    }
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    assert_eq!(user_version(&conn), 5);
    let columns: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('tokens') WHERE name = 'previous_valid_until'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(columns, 1);
    drop(conn);
    assert_eq!(crate::faults::integrity(env.db()), "ok");
    // The events are linked as they were before: the chain's rule is one.
    assert_eq!(state(&env), before, "a token or an event changed");
    env.cmd(&["log", "--verify"]).run().success();

    // What the new schema holds works on the upgraded database.
    env.cmd(&["policy", "--json"])
        .run()
        .success()
        .stdout_is(concat!(
            r#"{"default_lifetime":"180d","max_lifetime":null,"one_per_owner":false,"#,
            r#""require_owner":false,"allowed_scopes":null,"max_grace":"7d"}"#,
            "\n"
        ));
    let v = env
        .cmd(&["--json", "reset", "1", "--grace", "1h", "--yes"])
        .run()
        .success()
        .json();
    let (code, verdict) = env.verify(&cases[0].0, &[]);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["grace_until"], v["previous_valid_until"]);
    assert_eq!(env.create(&["--name", "next"]).0, 5);
}

#[test]
fn a_postgresql_database_of_schema_1_is_upgraded_with_its_tokens_secrets_and_events() {
    let Some(env) = Env::new() else { return };
    if !env.is_postgres() {
        return;
    }
    let db = env.pg().unwrap();
    let cases = tokens(&env);
    let before = state(&env);
    let version =
        || -> String { db.query("SELECT value FROM meta WHERE key = 'schema_version'")[0].get(0) };
    assert_eq!(version(), "3");
    for sql in [
        "ALTER TABLE audit DROP COLUMN hash",
        "DROP TABLE policy",
        "ALTER TABLE tokens DROP COLUMN previous_valid_until",
        "DELETE FROM token_hashes WHERE replaced",
        "ALTER TABLE token_hashes DROP COLUMN replaced",
        "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
    ] {
        env.sql(sql);
    }
    assert_eq!(version(), "1");
    assert!(!db.tables().contains(&"policy".to_owned()));

    for (secret, code, reason) in &cases {
        let (got, v) = env.verify(secret, &[]);
        assert_eq!((got, &v["reason"]), (*code, reason), "{v}");
        assert_eq!(v["grace_until"], Value::Null);
    }
    assert_eq!(version(), "3");
    assert!(db.tables().contains(&"policy".to_owned()));
    assert_eq!(state(&env), before, "a token or an event changed");
    env.cmd(&["log", "--verify"]).run().success();

    let v = env
        .cmd(&["--json", "reset", "1", "--grace", "1h", "--yes"])
        .run()
        .success()
        .json();
    let (code, verdict) = env.verify(&cases[0].0, &[]);
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(verdict["grace_until"], v["previous_valid_until"]);
    env.cmd(&["-q", "policy", "set", "max-grace", "1d"])
        .run()
        .success()
        .stderr_is("");
    assert_eq!(env.create(&["--name", "next"]).0, 5);
}
