//! Files someone else could have planted or can write (issue 10 item 3),
//! and a verifier that may only read seeing every committed change (item
//! 2). A second OS user plays the other party: root ignores permissions.
//! All of it is about SQLite's files: SQLite only (postgres.rs has a
//! verify-only role).

use std::os::unix::fs::{PermissionsExt, chown};
use std::path::Path;

use serde_json::Value;

use crate::faults::{NOBODY, files_in, share_read_only};
use crate::{Env, other_user};

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

/// Every command that opens an existing database refuses it with exit 1
/// and one line containing each of `parts`, and prints nothing.
#[track_caller]
fn refused_by_all(env: &Env, token: &str, parts: &[&str]) {
    let cases: [&[&str]; 6] = [
        &["list"],
        &["verify"],
        &["verify", "--batch"],
        &["-q", "create", "--name", "n"],
        &["revoke", "1", "--yes"],
        &["purge"],
    ];
    for args in cases {
        let mut out = env
            .cmd(args)
            .stdin(format!("{token}\n"))
            .run()
            .code(1)
            .stdout_is("");
        for part in parts {
            out = out.error_has(part);
        }
    }
}

// issue 10 item 3: a database file that belongs to another user.
#[test]
fn a_database_file_of_another_user_is_refused() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, secret) = env.create(&["--name", "admin", "--scope", "admin"]);
    let (uid, gid) = other_user();
    chown(env.db(), Some(uid), Some(gid)).unwrap();
    let db = env.db().to_str().unwrap();
    refused_by_all(&env, &secret, &[db, "belongs to user tokenctl-other"]);
    // Given back, it works again, unchanged.
    chown(env.db(), Some(0), Some(0)).unwrap();
    assert_eq!(env.verify(&secret, &[]).0, 0);
}

// issue 10 item 3: files and a directory that others may write.
#[test]
fn files_others_may_write_are_refused_naming_the_fix() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, secret) = env.create(&["--name", "admin"]);
    let db = env.db().to_str().unwrap().to_owned();
    for mode in [0o666, 0o660, 0o602] {
        chmod(env.db(), mode);
        refused_by_all(&env, &secret, &[&format!("chmod 600 {db}"), "other users"]);
    }
    chmod(env.db(), 0o600);
    let dir = env.db().parent().unwrap();
    let dir_text = dir.to_str().unwrap().to_owned();
    for mode in [0o777, 0o1777, 0o770] {
        chmod(dir, mode);
        refused_by_all(&env, &secret, &[&format!("chmod go-w {dir_text}")]);
    }
    chmod(dir, 0o700);
    assert_eq!(env.verify(&secret, &[]).0, 0);
}

// issue 10 item 3: -wal and -shm files planted next to a database.
#[test]
fn planted_wal_and_shm_files_are_refused() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (_, secret) = env.create(&["--name", "admin"]);
    let (uid, gid) = other_user();
    for suffix in ["-wal", "-shm"] {
        let planted = with_suffix(env.db(), suffix);
        std::fs::write(&planted, b"").unwrap();
        chown(&planted, Some(uid), Some(gid)).unwrap();
        chmod(&planted, 0o644);
        refused_by_all(
            &env,
            &secret,
            &[
                planted.to_str().unwrap(),
                "someone else may have planted it",
            ],
        );
        // Writable by everybody, though ours: refused too.
        chown(&planted, Some(0), Some(0)).unwrap();
        chmod(&planted, 0o666);
        refused_by_all(&env, &secret, &["chmod 600", planted.to_str().unwrap()]);
        std::fs::remove_file(&planted).unwrap();
        // A symbolic link where SQLite would write its own file.
        std::os::unix::fs::symlink("/tmp/elsewhere", &planted).unwrap();
        refused_by_all(&env, &secret, &["symbolic link", planted.to_str().unwrap()]);
        std::fs::remove_file(&planted).unwrap();
    }
    assert_eq!(env.verify(&secret, &[]).0, 0);
}

// issue 10 item 3: a new database in a directory others may write, where
// they could have planted the file or its -wal beforehand.
#[test]
fn no_database_is_made_in_a_shared_directory() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    chmod(env.dir(), 0o755);
    let shared = env.dir().join("shared");
    std::fs::create_dir(&shared).unwrap();
    chmod(&shared, 0o1777);
    let db = shared.join("tokens.db");
    let db_text = db.to_str().unwrap();
    // The other user plants a -wal there first.
    let (uid, gid) = other_user();
    env.bare(&["--db", db_text, "-q", "create", "--name", "mine"])
        .user(uid, gid)
        .run()
        .code(1)
        .error_has("chmod go-w")
        .stdout_is("");
    let planted = shared.join("tokens.db-wal");
    std::fs::write(&planted, b"").unwrap();
    chown(&planted, Some(uid), Some(gid)).unwrap();
    env.bare(&["--db", db_text, "-q", "create", "--name", "victim"])
        .run()
        .code(1)
        .error_has(shared.to_str().unwrap())
        .stdout_is("");
    assert_eq!(files_in(&shared), ["tokens.db-wal"]);
    // Made safe, the planted file still is not adopted.
    chmod(&shared, 0o755);
    env.bare(&["--db", db_text, "-q", "create", "--name", "victim"])
        .run()
        .code(1)
        .error_has(planted.to_str().unwrap())
        .error_has("belongs to user tokenctl-other");
    assert!(!db.exists());
}

// issue 10 item 3: the legitimate case: an account that may only read the
// database of the account that owns it verifies against it.
#[test]
fn a_reader_of_another_accounts_database_still_verifies() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    chmod(env.dir(), 0o755);
    let (uid, gid) = other_user();
    let home = env.dir().join("owner");
    std::fs::create_dir(&home).unwrap();
    chown(&home, Some(uid), Some(gid)).unwrap();
    chmod(&home, 0o755);
    let db = home.join("tokens.db");
    let db_text = db.to_str().unwrap();
    let out = env
        .bare(&["--db", db_text, "--json", "create", "--name", "svc"])
        .user(uid, gid)
        .run()
        .success();
    let secret = out.json()["token"].as_str().unwrap().to_owned();
    chmod(&db, 0o644);
    // Another account (nobody) that may only read it.
    env.bare(&["--db", db_text, "-q", "verify"])
        .user(NOBODY, NOBODY)
        .stdin(format!("{secret}\n"))
        .run()
        .success()
        .stderr_is("");
    let batch = env
        .bare(&["--db", db_text, "verify", "--batch"])
        .user(NOBODY, NOBODY)
        .stdin(format!("{secret}\ngarbage\n"))
        .run()
        .success()
        .stderr_is("");
    assert_eq!(batch.reasons(), [Value::Null, "malformed".into()]);
    // Root, who could write it, is told whose it is rather than adopt it.
    env.bare(&["--db", db_text, "revoke", "1", "--yes"])
        .run()
        .code(1)
        .error_has("belongs to user tokenctl-other")
        .error_has("run as that user");
    // The owner itself changes it as usual.
    env.bare(&["--db", db_text, "-q", "revoke", "1", "--yes"])
        .user(uid, gid)
        .run()
        .success();
    env.bare(&["--db", db_text, "-q", "verify"])
        .user(NOBODY, NOBODY)
        .stdin(format!("{secret}\n"))
        .run()
        .code(3);
}

// issue 10 item 2: with the directory read-only to the verifier and no
// -shm file, a long-running batch still sees every change committed
// before each line it reads: revoke, reset, disable, enable.
#[test]
fn a_read_only_batch_verifier_sees_every_change_at_its_next_line() {
    let Some(env) = Env::sqlite_only() else {
        return;
    };
    let (a, secret_a) = env.create(&["--name", "a"]);
    let (b, secret_b) = env.create(&["--name", "b"]);
    let (c, secret_c) = env.create(&["--name", "c"]);
    let data = env.db().parent().unwrap().to_owned();
    assert_eq!(files_in(&data), ["tokens.db"]);
    share_read_only(&env);
    let mut v = crate::Verifier::start(env.cmd(&["verify", "--batch"]).user(NOBODY, NOBODY));
    for s in [&secret_a, &secret_b, &secret_c] {
        assert_eq!(v.ask(s), "valid");
    }
    // Changes by the owner (root may write the read-only directory).
    env.cmd(&["-q", "revoke", &a.to_string(), "--yes"])
        .run()
        .success();
    assert_eq!(v.ask(&secret_a), "revoked");
    let new_b = env
        .cmd(&["-q", "reset", &b.to_string(), "--yes"])
        .run()
        .success()
        .stdout;
    assert_eq!(v.ask(&secret_b), "rotated");
    assert_eq!(v.ask(new_b.trim()), "valid");
    env.cmd(&["-q", "disable", &c.to_string()]).run().success();
    assert_eq!(v.ask(&secret_c), "disabled");
    env.cmd(&["-q", "enable", &c.to_string()]).run().success();
    assert_eq!(v.ask(&secret_c), "valid");
    // The same while a writer keeps the database open, so the changes stay
    // in the -wal file: the verifier reads them there.
    let holder = rusqlite::Connection::open(env.db()).unwrap();
    holder
        .query_row("SELECT count(*) FROM tokens", [], |r| r.get::<_, i64>(0))
        .unwrap();
    holder
        .execute(
            &format!("UPDATE tokens SET disabled = 1 WHERE id = {c}"),
            [],
        )
        .unwrap();
    assert!(with_suffix(env.db(), "-wal").exists());
    assert_eq!(v.ask(&secret_c), "disabled");
    holder
        .execute(
            &format!("UPDATE tokens SET revoked_at = 1 WHERE id = {c}"),
            [],
        )
        .unwrap();
    assert_eq!(v.ask(&secret_c), "revoked");
    drop(holder);
    assert_eq!(v.ask(&secret_c), "revoked");
    v.finish().success().stderr_is("");
}
