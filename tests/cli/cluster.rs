//! The PostgreSQL server the `cli_postgres` build runs beside:
//! `scripts/with-postgres.sh` starts a throwaway cluster and names its
//! directory in `TOKENCTL_TEST_PG`. Each sandbox gets a database of its own,
//! made empty (no tables: what `init` or `create` finds the first time) and
//! dropped with the sandbox; tests reach it with SQL as the superuser
//! `tokenctl_test`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use postgres::{Client, NoTls, Row};

/// The superuser role the script makes; its password is in `password`.
pub const ROLE: &str = "tokenctl_test";

/// The server `TOKENCTL_TEST_PG` names.
pub struct Server {
    /// The cluster's directory (`root.crt`, `socket/`, `server.log`...).
    pub dir: PathBuf,
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// The password of [`ROLE`].
    pub password: String,
    /// A connection to the `postgres` database, for CREATE and DROP
    /// DATABASE (and roles), which cannot run inside the database itself.
    admin: Mutex<Option<Client>>,
}

/// The server, or `None` when `TOKENCTL_TEST_PG` is not set: then the
/// first call in this process prints one note that the PostgreSQL tests
/// skip. Under CI (`CI=true` or `1`) a missing server fails every test
/// instead: a PostgreSQL build that skips everything proves nothing.
pub fn server() -> Option<&'static Server> {
    static SERVER: OnceLock<Option<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let Some(dir) = std::env::var_os("TOKENCTL_TEST_PG") else {
                assert!(
                    !crate::in_ci(),
                    "TOKENCTL_TEST_PG is not set: under CI the PostgreSQL tests must run, not \
                     skip; CI must start the server, as .ci/run does: \
                     scripts/with-postgres.sh cargo test --locked"
                );
                // Straight to stderr, as tool() does: libtest would hide
                // an eprintln! of a passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "note: skipping every PostgreSQL test of {}: TOKENCTL_TEST_PG is not set \
                     (run scripts/with-postgres.sh cargo test)",
                    env!("CARGO_CRATE_NAME")
                );
                return None;
            };
            let dir = PathBuf::from(dir);
            let read = |name: &str| {
                std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| {
                    panic!(
                        "TOKENCTL_TEST_PG={}: cannot read {name} ({e}); is the server of \
                         scripts/with-postgres.sh still running?",
                        dir.display()
                    )
                })
            };
            let port = read("port").trim().parse().expect("a port number");
            let password = read("password").trim().to_owned();
            let server = Server {
                dir,
                port,
                password,
                admin: Mutex::new(None),
            };
            // Fail here, once and clearly, if the server does not answer.
            server.admin("SELECT 1");
            Some(server)
        })
        .as_ref()
}

impl Server {
    /// A connection as [`ROLE`] to `db`, over TCP without TLS.
    pub fn connect(&self, db: &str) -> Client {
        self.try_connect(db).unwrap_or_else(|e| {
            panic!(
                "connecting to PostgreSQL on 127.0.0.1:{} (TOKENCTL_TEST_PG={}): {e}",
                self.port,
                self.dir.display()
            )
        })
    }

    fn try_connect(&self, db: &str) -> Result<Client, postgres::Error> {
        postgres::Config::new()
            .host("127.0.0.1")
            .port(self.port)
            .user(ROLE)
            .password(&self.password)
            .dbname(db)
            .application_name("tokenctl tests")
            .connect_timeout(Duration::from_secs(10))
            .connect(NoTls)
    }

    /// The URL of `db` on this server, as `--db` takes it, with the given
    /// user and query (`sslmode=...`); no password.
    pub fn url(&self, user: &str, db: &str, query: &str) -> String {
        let mut url = format!("postgresql://{user}@127.0.0.1:{}/{db}", self.port);
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    /// How tokenctl names `db` on this server in its messages.
    pub fn name(&self, db: &str) -> String {
        format!("127.0.0.1:{}/{db}", self.port)
    }

    fn admin_client(&self) -> MutexGuard<'_, Option<Client>> {
        // A test that failed while holding the lock leaves a usable client.
        let mut admin = self.admin.lock().unwrap_or_else(|e| e.into_inner());
        if admin.as_ref().is_none_or(Client::is_closed) {
            *admin = Some(self.connect("postgres"));
        }
        admin
    }

    /// Runs one statement on the `postgres` database (CREATE DATABASE,
    /// CREATE ROLE...).
    #[track_caller]
    pub fn admin(&self, sql: &str) {
        let mut admin = self.admin_client();
        if let Err(e) = admin.as_mut().unwrap().batch_execute(sql) {
            panic!("{sql}: {e}");
        }
    }

    /// Whether a database of this name exists on the server.
    pub fn has_database(&self, db: &str) -> bool {
        let mut admin = self.admin_client();
        let rows = admin
            .as_mut()
            .unwrap()
            .query("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
            .unwrap();
        !rows.is_empty()
    }

    /// A name no database or role of this process has had yet:
    /// `tokenctl_<what>_<pid>_<n>`.
    pub fn fresh_name(what: &str) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        format!("tokenctl_{what}_{}_{n}", std::process::id())
    }

    /// A file in the cluster's directory (`root.crt`, `socket`...).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

/// A database of one sandbox, dropped (with any connection left to it)
/// when the sandbox is.
pub struct Database {
    /// The server it lives on.
    pub server: &'static Server,
    /// Its name, `tokenctl_t_<pid>_<n>`.
    pub name: String,
    /// The tests' own connection to it, made at the first [`Database::execute`].
    client: Mutex<Option<Client>>,
}

impl Database {
    /// Makes a new, empty database on `server`.
    pub fn create(server: &'static Server) -> Database {
        let name = Server::fresh_name("t");
        server.admin(&format!("CREATE DATABASE {name}"));
        Database {
            server,
            name,
            client: Mutex::new(None),
        }
    }

    /// The URL every command of the sandbox gets as `--db`: TCP without
    /// TLS (the TLS tests ask for it themselves), the password in
    /// `PGPASSWORD`.
    pub fn url(&self) -> String {
        self.server.url(ROLE, &self.name, "sslmode=disable")
    }

    /// How tokenctl names this database in its messages: `host:port/db`.
    pub fn display(&self) -> String {
        self.server.name(&self.name)
    }

    fn client(&self) -> MutexGuard<'_, Option<Client>> {
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        if client.as_ref().is_none_or(Client::is_closed) {
            *client = Some(self.server.connect(&self.name));
        }
        client
    }

    /// Runs one statement on this database as the superuser; returns the
    /// rows it changed.
    #[track_caller]
    pub fn execute(&self, sql: &str) -> u64 {
        match self.client().as_mut().unwrap().execute(sql, &[]) {
            Ok(n) => n,
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    /// Runs statements (no parameters, no result) on this database.
    #[track_caller]
    pub fn batch(&self, sql: &str) {
        if let Err(e) = self.client().as_mut().unwrap().batch_execute(sql) {
            panic!("{sql}: {e}");
        }
    }

    /// Runs a query on this database.
    #[track_caller]
    pub fn query(&self, sql: &str) -> Vec<Row> {
        match self.client().as_mut().unwrap().query(sql, &[]) {
            Ok(rows) => rows,
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    /// The names of the tables in this database (schema `public`), sorted.
    pub fn tables(&self) -> Vec<String> {
        self.query(
            "SELECT c.relname::text FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1",
        )
        .iter()
        .map(|r| r.get(0))
        .collect()
    }

    /// The directory of this database's files in the cluster.
    pub fn files(&self) -> PathBuf {
        let rows =
            self.query("SELECT oid::bigint FROM pg_database WHERE datname = current_database()");
        let oid: i64 = rows[0].get(0);
        self.server.dir.join("data/base").join(oid.to_string())
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Our own connection first; FORCE ends any a test left running.
        match self.client.get_mut() {
            Ok(client) => drop(client.take()),
            Err(poisoned) => drop(poisoned.into_inner().take()),
        }
        // Never panic in a drop (a failed test may be unwinding through
        // it); the whole cluster goes when the script ends anyway.
        let mut admin = self.server.admin.lock().unwrap_or_else(|e| e.into_inner());
        if admin.as_ref().is_none_or(Client::is_closed) {
            *admin = self.server.try_connect("postgres").ok();
        }
        if let Some(admin) = admin.as_mut() {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            let _ = admin.batch_execute(&sql);
        }
    }
}
