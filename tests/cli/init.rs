//! `init`: explicit creation, prefixes, idempotence, conflicts.

use crate::Env;

#[test]
fn init_sets_the_prefix_of_new_tokens() {
    let env = Env::new();
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
    let env = Env::new();
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
    let env = Env::new();
    for p in ["a", "Abc", "1ab", "ab_c", "abcdefghijklmnopq"] {
        env.cmd(&["init", "--prefix", p])
            .run()
            .code(2)
            .error_has("prefix");
    }
    assert!(!env.db().exists());
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let env = Env::new();
    env.cmd(&["init"]).run().success();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let before = std::fs::read(env.db()).unwrap();
    env.cmd(&["list"])
        .run()
        .code(1)
        .error_has("newer than this tokenctl")
        .error_has(env.db().to_str().unwrap());
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
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
}

#[test]
fn another_programs_database_is_refused() {
    let env = Env::new();
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
