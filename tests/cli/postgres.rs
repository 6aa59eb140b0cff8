//! What only PostgreSQL has (SPEC §8): a database moved from SQLite to
//! PostgreSQL and back with every secret still working; TLS that checks
//! the server and fails closed; a Unix socket; passwords kept off the
//! command line and out of every message; a server that is down, a login
//! refused, a database missing or without tokenctl's tables, each one line
//! and nothing created; a schema that is another program's; and a role
//! that may only read, which verifies without recording use. Every test
//! here returns at once in the SQLite build (and skips, as every test of
//! the PostgreSQL build does, without a server).

use serde_json::Value;

use crate::cluster::{ROLE, Server};
use crate::dump::{dump, populated, verdict};
use crate::{Env, Run};

impl Env {
    /// A PostgreSQL sandbox for a test of this file: `None` in the SQLite
    /// build (silently) and, as [`Env::new`], without a server.
    pub fn postgres_only() -> Option<Env> {
        if crate::POSTGRES {
            Env::postgres()
        } else {
            None
        }
    }

    /// The server of a PostgreSQL sandbox.
    fn server(&self) -> &'static Server {
        self.pg().expect("a PostgreSQL sandbox").server
    }

    /// The name of a PostgreSQL sandbox's database.
    fn dbname(&self) -> &str {
        &self.pg().expect("a PostgreSQL sandbox").name
    }

    /// `tokenctl --db URL ARGS...`: this sandbox's database reached another
    /// way (`query` after the `?`), as `user`.
    fn via(&self, user: &str, query: &str, args: &[&str]) -> Run {
        let url = self.server().url(user, self.dbname(), query);
        self.bare(&[&["--db", url.as_str()][..], args].concat())
    }
}

/// The dump's lines without its last event, which must be the `loaded`
/// event of the whole database (the `last_id` line after it is kept).
fn without_loaded(lines: &[Value]) -> Vec<Value> {
    let (last_id, rest) = lines.split_last().unwrap();
    let (loaded, rest) = rest.split_last().unwrap();
    assert_eq!(loaded["event"]["action"], "loaded", "{loaded}");
    assert_eq!(loaded["event"]["token_id"], Value::Null);
    let mut kept = rest.to_vec();
    kept.push(last_id.clone());
    kept
}

// SPEC §8 "dump of SQLite, load into PostgreSQL and dump again give the
// same lines but the last event": how a user who outgrows one file moves,
// and back again; every secret issued before keeps its verdict.
#[test]
fn a_database_moves_from_sqlite_to_postgresql_and_back() {
    let Some(pg) = Env::postgres_only() else {
        return;
    };
    let sqlite = Env::sqlite();
    let secrets = populated(&sqlite);
    let lines = dump(&sqlite);
    let text = sqlite.cmd(&["dump"]).run().success().stdout;

    pg.cmd(&["load"])
        .stdin(text)
        .run()
        .success()
        .stdout_is("")
        .stderr_has("loaded 4 tokens and");
    let on_pg = dump(&pg);
    let kept = without_loaded(&on_pg);
    assert_eq!(kept, lines, "PostgreSQL's dump differs from SQLite's");

    let back = Env::sqlite();
    let text = pg.cmd(&["dump"]).run().success().stdout;
    back.cmd(&["load"])
        .stdin(text)
        .run()
        .success()
        .stderr_has("loaded 4 tokens and");
    let on_sqlite = dump(&back);
    let kept = without_loaded(&on_sqlite);
    assert_eq!(kept, on_pg, "the SQLite dump of PostgreSQL's differs");

    // Every secret verifies the same on all three; ids go on after the
    // purged one on both copies.
    for (id, s) in &secrets {
        let first = verdict(&sqlite, s);
        assert_eq!(verdict(&pg, s), first, "token {id} on PostgreSQL");
        assert_eq!(verdict(&back, s), first, "token {id} back on SQLite");
    }
    assert_eq!(pg.create(&["--name", "next"]).0, 6);
    assert_eq!(back.create(&["--name", "next"]).0, 6);
}

/// A URL query that asks for TLS in `mode`, checked against the cluster's
/// certificate file `root` (`root.crt`, or the unrelated `wrong-root.crt`).
fn tls(env: &Env, mode: &str, root: &str) -> String {
    let file = env.server().file(root);
    format!("sslmode={mode}&sslrootcert={}", file.display())
}

// SPEC §8 sslmode: verify-full over 127.0.0.1 (an IP in the server's
// certificate) works; a certificate from another root fails closed, one
// line naming the server and the certificate, nothing on stdout; require
// works, and with a root file checks the chain too.
#[test]
fn tls_checks_the_server_and_fails_closed() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let (id, secret) = env.create(&["--name", "over tls"]);
    let good = tls(&env, "verify-full", "root.crt");
    let list = env
        .via(ROLE, &good, &["--json", "list"])
        .run()
        .success()
        .stderr_is("")
        .json();
    assert_eq!(crate::ids(&list), [id]);
    env.via(ROLE, &good, &["-q", "verify"])
        .stdin(format!("{secret}\n"))
        .run()
        .success()
        .stderr_is("");

    let wrong = env.server().file("wrong-root.crt");
    for query in [
        tls(&env, "verify-full", "wrong-root.crt"),
        tls(&env, "require", "wrong-root.crt"),
    ] {
        for args in [&["list"][..], &["-q", "create", "--name", "n"], &["verify"]] {
            env.via(ROLE, &query, args)
                .stdin(format!("{secret}\n"))
                .run()
                .code(1)
                .stdout_is("")
                .error_has(&env.name())
                .error_has("certificate")
                .error_has(wrong.to_str().unwrap());
        }
    }
    assert_eq!(env.listed_ids(), [id], "a token was made over a bad TLS");

    for query in [
        "sslmode=require".to_owned(),
        tls(&env, "require", "root.crt"),
    ] {
        env.via(ROLE, &query, &["--json", "list"])
            .run()
            .success()
            .stderr_is("");
    }
}

// SPEC §8: a Unix socket as libpq writes it,
// postgresql:///dbname?host=/dir&port=N&user=U (the cluster trusts its
// socket: no password).
#[test]
fn a_unix_socket_url_works() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let server = env.server();
    let url = format!(
        "postgresql:///{}?host={}&port={}&user={ROLE}",
        env.dbname(),
        server.file("socket").display(),
        server.port
    );
    let secret = env
        .bare(&["--db", &url, "-q", "create", "--name", "by socket"])
        .env_remove("PGPASSWORD")
        .run()
        .success()
        .stderr_is("")
        .stdout;
    // The same database over TCP.
    assert_eq!(env.verify(secret.trim(), &[]).0, 0);
    let list = env
        .bare(&["--db", &url, "--json", "list"])
        .env_remove("PGPASSWORD")
        .run()
        .success()
        .json();
    assert_eq!(crate::ids(&list), [1]);
}

// SPEC §8: "A password in a URL given as --db on the command line is
// refused (exit 2, argv shows in ps), and no message ever prints a
// password"; from TOKENCTL_DB it is used.
#[test]
fn a_password_is_refused_on_the_command_line_and_never_printed() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let server = env.server();
    let password = &server.password;
    let with_password = server.url(
        &format!("{ROLE}:{password}"),
        env.dbname(),
        "sslmode=disable",
    );
    for args in [&["list"][..], &["init"], &["-q", "create", "--name", "n"]] {
        let out = env
            .bare(&[&["--db", with_password.as_str()][..], args].concat())
            .env_remove("PGPASSWORD")
            .run()
            .code(2)
            .stdout_is("")
            .error_has("password");
        assert!(!out.stderr.contains(password.as_str()), "{}", out.stderr);
    }
    assert!(!env.exists(), "a refused URL made tables");
    // The same URL in the environment works.
    let secret = env
        .bare(&["-q", "create", "--name", "n"])
        .env("TOKENCTL_DB", &with_password)
        .env_remove("PGPASSWORD")
        .run()
        .success()
        .stderr_is("")
        .stdout;
    assert_eq!(env.verify(secret.trim(), &[]).0, 0);

    // A wrong password, from PGPASSWORD or from the URL: exit 1, one line
    // naming the server and the database and the server's reason, never
    // either password.
    let wrong = "not-the-password-3f9a1c";
    let wrong_url = server.url(&format!("{ROLE}:{wrong}"), env.dbname(), "sslmode=disable");
    for run in [
        env.cmd(&["list"]).env("PGPASSWORD", wrong),
        env.bare(&["list"])
            .env("TOKENCTL_DB", &wrong_url)
            .env_remove("PGPASSWORD"),
    ] {
        let out = run
            .run()
            .code(1)
            .stdout_is("")
            .error_has(&env.name())
            .error_has("password authentication failed");
        assert!(!out.stderr.contains(wrong), "{}", out.stderr);
        assert!(!out.stderr.contains(password.as_str()), "{}", out.stderr);
    }
}

/// A TCP port on 127.0.0.1 where nothing listens (just closed).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

// SPEC §8: "A server that is down or refuses the login: exit 1, one line
// naming host, port and database ... and the server's reason"; init never
// creates the database itself; commands that open no database (help,
// completions) do not connect.
#[test]
fn a_server_that_is_down_or_a_database_that_is_missing_is_one_line() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let server = env.server();
    let port = closed_port();
    let down = format!("postgresql://{ROLE}@127.0.0.1:{port}/{}", env.dbname());
    for args in [
        &["list"][..],
        &["init"],
        &["-q", "create", "--name", "n"],
        &["verify"],
    ] {
        env.bare(&[&["--db", down.as_str()][..], args].concat())
            .stdin("x\n")
            .run()
            .code(1)
            .stdout_is("")
            .error_has(&format!("127.0.0.1:{port}/{}", env.dbname()))
            .error_has("refused");
    }
    for args in [&["completions", "bash"][..], &["list", "--help"]] {
        env.bare(&[&["--db", down.as_str()][..], args].concat())
            .run()
            .success()
            .stderr_is("");
    }

    // A database nobody made; load gets a dump to load, so that it gets as
    // far as connecting.
    let missing = Server::fresh_name("missing");
    let url = server.url(ROLE, &missing, "sslmode=disable");
    let source = Env::sqlite();
    source.create(&["--name", "n"]);
    let text = source.cmd(&["dump"]).run().success().stdout;
    for args in [
        &["list"][..],
        &["init"],
        &["-q", "create", "--name", "n"],
        &["load"],
    ] {
        env.bare(&[&["--db", url.as_str()][..], args].concat())
            .stdin(text.clone())
            .run()
            .code(1)
            .stdout_is("")
            .error_has(&server.name(&missing))
            .error_has("does not exist");
    }
    assert!(!server.has_database(&missing), "a database was created");
}

// SPEC §8: "init creates tokenctl's tables in an existing database ...
// every other command on a database without them is exit 1 with what to
// run", and nothing is made.
#[test]
fn a_database_without_tokenctls_tables_is_exit_1_until_init() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let (_, stranger) = env.another().create(&["--name", "elsewhere"]);
    for args in crate::safety::commands_on_a_missing_database() {
        env.cmd(&args)
            .stdin(format!("{stranger}\n"))
            .run()
            .code(1)
            .stdout_is("")
            .error_has(&env.missing())
            .error_has("'tokenctl init'");
        assert!(!env.exists(), "{args:?} made a table");
    }
    env.cmd(&["init"]).run().success();
    assert_eq!(
        env.pg().unwrap().tables(),
        ["audit", "meta", "policy", "token_hashes", "tokens"]
    );
    env.cmd(&["list"]).run().success().stdout_is("");
}

// A database whose `meta` table is another program's is not taken over:
// refused, and left as it was.
#[test]
fn another_programs_meta_table_is_refused_and_left_alone() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let db = env.pg().unwrap();
    db.batch("CREATE TABLE meta (k int); INSERT INTO meta VALUES (7)");
    for args in [&["list"][..], &["init"], &["-q", "create", "--name", "n"]] {
        env.cmd(args)
            .run()
            .code(1)
            .stdout_is("")
            .error_has(&env.name())
            .error_has("not tokenctl's");
    }
    assert_eq!(db.tables(), ["meta"]);
    let rows = db.query("SELECT k FROM meta");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 7);
}

/// A login role that may only read tokenctl's tables: what a service that
/// only verifies is given. Dropped (with its grants) at the end.
struct Reader<'a> {
    env: &'a Env,
    name: String,
    password: String,
}

impl<'a> Reader<'a> {
    /// The statements an administrator runs, as the README gives them
    /// (the names here are the test's).
    fn grant(env: &'a Env) -> Reader<'a> {
        let name = Server::fresh_name("verifier");
        let password = format!("pw-{name}");
        let db = env.dbname();
        env.server()
            .admin(&format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"));
        // Nothing through PUBLIC: only what is granted here counts.
        env.pg().unwrap().batch(&format!(
            "REVOKE ALL ON DATABASE {db} FROM PUBLIC;
             REVOKE ALL ON SCHEMA public FROM PUBLIC;
             GRANT CONNECT ON DATABASE {db} TO {name};
             GRANT USAGE ON SCHEMA public TO {name};
             GRANT SELECT ON tokens, token_hashes, meta, audit TO {name};"
        ));
        Reader {
            env,
            name,
            password,
        }
    }

    /// `tokenctl --db <the database as this role> ARGS...`.
    fn cmd(&self, args: &[&str]) -> Run {
        self.env
            .via(&self.name, "sslmode=disable", args)
            .env("PGPASSWORD", &self.password)
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        // Its grants first (DROP OWNED revokes them), then the role.
        if let Some(db) = self.env.pg() {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                db.batch(&format!("DROP OWNED BY {}", self.name));
                self.env
                    .server()
                    .admin(&format!("DROP ROLE IF EXISTS {}", self.name));
            }));
        }
    }
}

// SPEC §5/§8: a verifier that may only read still verifies, records no use
// (last_used_at stays null), and a change through it is refused in one
// line; a long-running batch of it sees each committed change at its next
// line.
#[test]
fn a_role_that_may_only_read_verifies_and_records_nothing() {
    let Some(env) = Env::postgres_only() else {
        return;
    };
    let (valid_id, valid) = env.create(&["--name", "valid"]);
    let (d, disabled) = env.create(&["--name", "disabled"]);
    let (r, revoked) = env.create(&["--name", "revoked"]);
    env.cmd(&["-q", "disable", &d.to_string()]).run().success();
    env.cmd(&["-q", "revoke", &r.to_string(), "--yes"])
        .run()
        .success();
    let log_before = env.cmd(&["--json", "log"]).run().success().json();
    let reader = Reader::grant(&env);

    for (token, code, reason) in [
        (&valid, 0, Value::Null),
        (&disabled, 3, "disabled".into()),
        (&revoked, 3, "revoked".into()),
    ] {
        let out = reader
            .cmd(&["--json", "verify"])
            .stdin(format!("{token}\n"))
            .run()
            .code(code)
            .stderr_is("");
        assert_eq!(out.json()["reason"], reason);
    }
    let out = reader
        .cmd(&["verify", "--batch"])
        .stdin(format!("{valid}\n{revoked}\nnot-a-token\n"))
        .run()
        .success()
        .stderr_is("");
    assert_eq!(
        out.reasons(),
        [Value::Null, "revoked".into(), "malformed".into()]
    );
    // No use recorded, no event written.
    assert_eq!(env.show(valid_id)["last_used_at"], Value::Null);
    assert_eq!(
        env.cmd(&["--json", "log"]).run().success().json(),
        log_before
    );
    // Reading is all it may do.
    let listed = reader.cmd(&["--json", "list"]).run().success().json();
    assert_eq!(crate::ids(&listed), [1, 2, 3]);
    for args in [
        &["-q", "create", "--name", "n"][..],
        &["-q", "disable", "1"],
        &["-q", "revoke", "1", "--yes"],
    ] {
        reader
            .cmd(args)
            .run()
            .code(1)
            .stdout_is("")
            .error_has(&env.name())
            .error_has("permission denied");
    }
    assert_eq!(env.listed_ids(), [1, 2, 3]);
    assert_eq!(env.show(valid_id)["status"], "active");

    // A batch that runs on sees each change the owner commits.
    let mut v = crate::Verifier::start(reader.cmd(&["verify", "--batch"]));
    assert_eq!(v.ask(&valid), "valid");
    env.cmd(&["-q", "disable", &valid_id.to_string()])
        .run()
        .success();
    assert_eq!(v.ask(&valid), "disabled");
    env.cmd(&["-q", "enable", &valid_id.to_string()])
        .run()
        .success();
    assert_eq!(v.ask(&valid), "valid");
    let new = env
        .cmd(&["-q", "reset", &valid_id.to_string(), "--yes"])
        .run()
        .success()
        .stdout;
    assert_eq!(v.ask(&valid), "rotated");
    assert_eq!(v.ask(new.trim()), "valid");
    env.cmd(&["-q", "revoke", &valid_id.to_string(), "--yes"])
        .run()
        .success();
    assert_eq!(v.ask(new.trim()), "revoked");
    v.finish().success().stderr_is("");
    assert_eq!(env.show(valid_id)["last_used_at"], Value::Null);
}
