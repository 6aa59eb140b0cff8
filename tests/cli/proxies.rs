//! `tokenctl serve` behind a real proxy (SPEC §9, "For proxies"): nginx's
//! `auth_request` asks `/auth` about every request, with the very
//! configuration the README quotes (tests/fixtures/nginx.conf), on both
//! backends.

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::server::{Req, Server};
use crate::{Env, in_ci};

/// The snippet the README quotes: a server block, with placeholders.
const SNIPPET: &str = include_str!("../fixtures/nginx.conf");

/// What the test adds around it: one process, everything under the
/// prefix, and the service behind (which says what it was told).
const MAIN: &str = r#"daemon off;
master_process off;
pid @PREFIX@/nginx.pid;
error_log stderr notice;
events { worker_connections 64; }
http {
    access_log @PREFIX@/access.log;
    default_type text/plain;
    client_body_temp_path @PREFIX@/client_body;
    proxy_temp_path @PREFIX@/proxy;
    fastcgi_temp_path @PREFIX@/fastcgi;
    uwsgi_temp_path @PREFIX@/uwsgi;
    scgi_temp_path @PREFIX@/scgi;

    server {
        listen @UPSTREAM@;
        location / {
            return 200 "upstream saw token $http_x_token_id\n";
        }
    }

@SNIPPET@
}
"#;

/// `name` on PATH or in one of the directories `also` (where a program
/// for root is, off a user's PATH), as [`crate::tool`] finds it: missing,
/// the test skips with a note, or under CI fails. `install` says how to
/// get it.
pub fn program(name: &str, also: &[&str], install: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .chain(also.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file());
    if found.is_none() {
        let current = std::thread::current();
        let test = current.name().filter(|n| *n != "main").unwrap_or("a test");
        let why = format!("{name} is not installed ({install})");
        assert!(
            !in_ci(),
            "{test}: {why}; under CI a missing program is a failure, not a skip (.ci/run installs it)"
        );
        let _ = writeln!(std::io::stderr(), "note: skipping {test}: {why}");
    }
    found
}

/// A port on the loopback nobody listens on (just now).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An nginx process; killed when dropped.
struct Nginx {
    child: Child,
    prefix: PathBuf,
    /// Where it answers.
    addr: SocketAddr,
}

impl Nginx {
    /// Starts `nginx` with the README's snippet in front of `tokenctl`,
    /// its files under `prefix`, and waits until it answers.
    fn start(nginx: &Path, prefix: &Path, tokenctl: SocketAddr) -> Nginx {
        let port = free_port();
        let upstream = format!("127.0.0.1:{}", free_port());
        let conf = MAIN
            .replace("@SNIPPET@", SNIPPET)
            .replace("@PREFIX@", &prefix.display().to_string())
            .replace("@PORT@", &format!("127.0.0.1:{port}"))
            .replace("@TOKENCTL@", &tokenctl.to_string())
            .replace("@UPSTREAM@", &upstream);
        assert!(!conf.contains('@'), "a placeholder left: {conf}");
        std::fs::create_dir_all(prefix).unwrap();
        let conf_path = prefix.join("nginx.conf");
        std::fs::write(&conf_path, &conf).unwrap();
        let log = std::fs::File::create(prefix.join("stderr")).unwrap();
        let child = Command::new(nginx)
            .arg("-p")
            .arg(prefix)
            .arg("-c")
            .arg(&conf_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("spawn nginx");
        let mut n = Nginx {
            child,
            prefix: prefix.to_owned(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let end = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(n.addr).is_err() {
            if let Some(status) = n.child.try_wait().unwrap() {
                panic!("nginx ended ({status}): {}\n{conf}", n.log());
            }
            assert!(Instant::now() < end, "nginx never listened: {}", n.log());
            std::thread::sleep(Duration::from_millis(20));
        }
        n
    }

    /// What nginx wrote: its stderr and its access log.
    fn log(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.prefix.join(f)).unwrap_or_default();
        format!(
            "stderr:\n{}\naccess log:\n{}",
            read("stderr"),
            read("access.log")
        )
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // One process (master_process off): nothing else is left.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn nginx_auth_request_lets_through_only_a_token_with_the_scope() {
    let Some(env) = Env::new() else { return };
    let Some(nginx) = program(
        "nginx",
        &["/usr/sbin", "/usr/local/sbin"],
        "apt-get install nginx",
    ) else {
        return;
    };
    let (id, good) = env.create(&["--name", "deploy bot", "--scope", "deploy"]);
    let (_, reader) = env.create(&["--name", "reader", "--scope", "read"]);
    let (revoked_id, revoked) = env.create(&["--name", "gone", "--scope", "deploy"]);
    env.cmd(&["revoke", &revoked_id.to_string(), "--yes"])
        .run()
        .success();
    let s = Server::start(&env, &[]);
    let n = Nginx::start(&nginx, &env.dir().join("nginx"), s.addr);
    let get = |path: &str| Req::new(n.addr, "GET", path);
    let show = |r: &crate::server::Resp| format!("{r:?}\n{}\n{}", n.log(), s.stderr());

    // The token reaches the service, which is told whose it is.
    let want = format!("upstream saw token {id}\n");
    for (name, value) in [
        ("Authorization", format!("Bearer {good}")),
        ("Api-Token", good.clone()),
        ("X-Api-Key", good.clone()),
    ] {
        let r = get("/app/deploy").header(name, &value).send();
        assert_eq!(r.status, 200, "{name}: {}", show(&r));
        assert_eq!(String::from_utf8_lossy(&r.body), want, "{name}");
    }
    // A client cannot name a token itself.
    let r = get("/").bearer(&good).header("X-Token-Id", "999").send();
    assert_eq!(r.status, 200, "{}", show(&r));
    assert_eq!(String::from_utf8_lossy(&r.body), want);
    // POST too: the body stays with nginx and the service.
    let r = Req::new(n.addr, "POST", "/app")
        .bearer(&good)
        .body("some payload")
        .send();
    assert_eq!(r.status, 200, "{}", show(&r));

    // No token, an unknown one, a forged one, a revoked one: 401, with
    // tokenctl's challenge passed on.
    let forged = crate::typo(&good);
    let unknown = env
        .another()
        .create(&["--name", "elsewhere", "--scope", "deploy"])
        .1;
    for (what, r) in [
        ("no token", get("/app").send()),
        (
            "no token but an id",
            get("/app").header("X-Token-Id", &id.to_string()).send(),
        ),
        ("forged", get("/app").bearer(&forged).send()),
        ("unknown", get("/app").bearer(&unknown).send()),
        ("revoked", get("/app").bearer(&revoked).send()),
        ("not a token", get("/app").bearer("hunter2").send()),
    ] {
        assert_eq!(r.status, 401, "{what}: {}", show(&r));
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer error=\"invalid_token\""),
            "{what}"
        );
        assert!(
            !String::from_utf8_lossy(&r.body).contains("upstream"),
            "{what}"
        );
    }
    // Valid, without the scope: 403 (nginx passes the challenge on with
    // a 401 only).
    let r = get("/app").bearer(&reader).send();
    assert_eq!(r.status, 403, "{}", show(&r));
    assert!(!String::from_utf8_lossy(&r.body).contains("upstream"));
    // The subrequest's location is nginx's alone.
    let r = get("/_auth").bearer(&good).send();
    assert_eq!(r.status, 404, "{}", show(&r));

    // tokenctl saw every one of them, and no secret went to its log.
    let log = s.wait_stderr("GET /auth 403 ");
    assert!(log.contains("GET /auth 200 "), "{log}");
    assert!(log.contains(&format!("token={id} ")), "{log}");
    for secret in [&good, &reader, &revoked, &unknown] {
        assert!(!log.contains(secret.as_str()), "a secret in the log: {log}");
    }
}
