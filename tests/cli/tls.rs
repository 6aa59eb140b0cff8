//! `tokenctl serve --tls-cert --tls-key` (SPEC §9): HTTPS with HTTP/2 and
//! HTTP/1.1 to a real client (curl), a secret delivered over HTTP/2, and
//! the key and certificate files it refuses; on both backends.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::server::{Server, admin};
use crate::{Env, Out, tool};

/// A self-signed certificate for 127.0.0.1 in the sandbox, with its key
/// (mode 0600): (cert, key), or `None` without openssl.
fn certificate(env: &Env) -> Option<(PathBuf, PathBuf)> {
    let openssl = tool("openssl", "openssl")?;
    let dir = env.dir().join("tls");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new(openssl)
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .current_dir(&dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = dir.join("key.pem");
    chmod(&key, 0o600);
    Some((dir.join("cert.pem"), key))
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn text(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// `tokenctl serve` with TLS on `listen`.
fn serve(env: &Env, listen: &str, cert: &Path, key: &Path) -> Server {
    Server::spawn(env.cmd(&[
        "serve",
        "--listen",
        listen,
        "--tls-cert",
        text(cert),
        "--tls-key",
        text(key),
    ]))
}

/// curl, trusting `cert` alone.
struct Curl {
    curl: PathBuf,
    cert: PathBuf,
    body: PathBuf,
}

/// A certificate and key for the server, and a curl that trusts them;
/// `None` (with a note, or a failure under CI) without openssl or curl.
fn with_curl(env: &Env) -> Option<(PathBuf, PathBuf, Curl)> {
    let (cert, key) = certificate(env)?;
    let curl = Curl::new(env, &cert)?;
    Some((cert, key, curl))
}

/// `https://127.0.0.1:PORT/PATH` of a server on the loopback.
fn https_url(s: &Server, path: &str) -> String {
    format!("https://127.0.0.1:{}{path}", s.addr.port())
}

impl Curl {
    fn new(env: &Env, cert: &Path) -> Option<Curl> {
        Some(Curl {
            curl: tool("curl", "curl")?,
            cert: cert.to_owned(),
            body: env.dir().join("curl-body"),
        })
    }

    /// `curl -sS ARGS... URL`: ("HTTP_VERSION STATUS", body).
    #[track_caller]
    fn run(&self, args: &[&str], url: &str) -> (String, String) {
        let _ = std::fs::remove_file(&self.body);
        let out = Command::new(&self.curl)
            .args(["-sS", "--max-time", "30", "--cacert"])
            .arg(&self.cert)
            .arg("-o")
            .arg(&self.body)
            .args(["-w", "%{http_version} %{http_code}"])
            .args(args)
            .arg(url)
            .output()
            .expect("run curl");
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "curl {args:?} {url}: {}: {said} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        (
            said,
            std::fs::read_to_string(&self.body).unwrap_or_default(),
        )
    }
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

#[test]
fn https_answers_over_http2_and_http1_1() {
    let Some(env) = Env::new() else { return };
    let Some((cert, key, curl)) = with_curl(&env) else {
        return;
    };
    let (id, token) = env.create(&["--name", "deploy", "--scope", "deploy"]);
    let s = serve(&env, "127.0.0.1:0", &cert, &key);
    let url = |path: &str| https_url(&s, path);
    let bearer = format!("Authorization: Bearer {token}");

    let (said, body) = curl.run(&["--http2", "-H", &bearer], &url("/auth?scope=deploy"));
    assert_eq!(said, "2 200");
    let v = json(&body);
    assert_eq!(v["valid"], true);
    assert_eq!(v["token"]["id"], id);
    let (said, body) = curl.run(&["--http1.1", "-H", &bearer], &url("/auth"));
    assert_eq!(said, "1.1 200");
    assert_eq!(json(&body)["valid"], true);
    // The other headers, and POST /v1/verify, over HTTP/2 too.
    let (said, _) = curl.run(
        &["--http2", "-H", &format!("X-Api-Key: {token}")],
        &url("/auth"),
    );
    assert_eq!(said, "2 200");
    let (said, body) = curl.run(
        &[
            "--http2",
            "-H",
            "Content-Type: application/json",
            "--data",
            &format!(r#"{{"token": "{token}", "scopes": ["deploy"]}}"#),
        ],
        &url("/v1/verify"),
    );
    assert_eq!(said, "2 200");
    assert_eq!(json(&body)["valid"], true);

    // Refused: a forged token, none, one without the scope.
    let forged = format!("Authorization: Bearer {}", crate::typo(&token));
    let (said, body) = curl.run(&["--http2", "-H", &forged], &url("/auth"));
    assert_eq!(said, "2 401");
    assert_eq!(json(&body)["valid"], false);
    let (said, _) = curl.run(&["--http2"], &url("/auth"));
    assert_eq!(said, "2 401");
    let (said, _) = curl.run(&["--http2", "-H", &bearer], &url("/auth?scope=admin"));
    assert_eq!(said, "2 403");
    let (said, _) = curl.run(&["--http2"], &url("/healthz"));
    assert_eq!(said, "2 200");

    // The certificate is the one given: curl trusting another CA refuses.
    let other = env.another();
    if let Some((other_cert, _)) = certificate(&other) {
        let out = Command::new(&curl.curl)
            .args(["-sS", "--max-time", "30", "--cacert"])
            .arg(&other_cert)
            .arg(url("/healthz"))
            .output()
            .unwrap();
        assert!(!out.status.success(), "curl trusted another certificate");
    }
    // Plain HTTP on the TLS port gets no HTTP answer.
    {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(s.addr).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let _ = c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        let mut got = Vec::new();
        let _ = c.read_to_end(&mut got);
        assert!(
            !got.starts_with(b"HTTP/"),
            "{:?}",
            String::from_utf8_lossy(&got)
        );
    }

    let log = s.wait_stderr("GET /healthz 200 ");
    assert!(log.contains("GET /auth 200 "), "{log}");
    assert!(log.contains(&format!("token={id} ")), "{log}");
    assert!(!log.contains(&token), "a secret in the log: {log}");
}

#[test]
fn the_admin_api_over_http2_delivers_a_new_secret() {
    let Some(env) = Env::new() else { return };
    let Some((cert, key, curl)) = with_curl(&env) else {
        return;
    };
    let (admin_id, admin) = admin(&env);
    let s = serve(&env, "127.0.0.1:0", &cert, &key);
    let url = |path: &str| https_url(&s, path);
    let bearer = format!("Authorization: Bearer {admin}");

    let mut made = Vec::new();
    for (version, said_version) in [("--http2", "2"), ("--http1.1", "1.1")] {
        let name = format!("made over {said_version}");
        let (said, body) = curl.run(
            &[
                version,
                "-H",
                &bearer,
                "-H",
                "Content-Type: application/json",
                "--data",
                &format!(r#"{{"name": "{name}", "scopes": ["deploy"]}}"#),
            ],
            &url("/v1/tokens"),
        );
        assert_eq!(said, format!("{said_version} 201"), "{body}");
        let v = json(&body);
        assert_eq!(v["name"], name.as_str());
        assert_eq!(v["created_by"], format!("api:{admin_id}"));
        let id = v["id"].as_i64().unwrap();
        let secret = v["token"].as_str().expect("the secret").to_owned();

        made.push((id, secret));
    }
    // A secret not delivered is revoked when its connection ends, which
    // is soon after curl has the response: give it time to show.
    std::thread::sleep(std::time::Duration::from_millis(500));
    for (id, secret) in &made {
        // Delivered: it verifies, over HTTP/2 and on the command line,
        // and its trail has no revocation.
        let (said, body) = curl.run(
            &["--http2", "-H", &format!("Api-Token: {secret}")],
            &url("/auth?scope=deploy"),
        );
        assert_eq!(said, "2 200", "{body}\n{}", s.stderr());
        assert_eq!(json(&body)["token"]["id"], *id);
        let (code, verdict) = env.verify(secret, &["--require-scope", "deploy"]);
        assert_eq!(code, 0, "{verdict}");
        assert_eq!(verdict["valid"], true);
        assert_eq!(env.actions(*id), ["created"], "{}", s.stderr());
        let (said, body) = curl.run(
            &["--http2", "-H", &bearer],
            &url(&format!("/v1/tokens/{id}")),
        );
        assert_eq!(said, "2 200");
        let shown = json(&body);
        assert_eq!(shown["status"], "active");
        assert!(shown.get("token").is_none());
    }
    let log = s.stderr();
    assert!(!log.contains("not delivered"), "{log}");
    for secret in made.iter().map(|(_, t)| t).chain([&admin]) {
        assert!(!log.contains(secret.as_str()), "a secret in the log: {log}");
    }
}

#[test]
fn a_secret_an_http2_client_never_let_through_is_revoked() {
    let Some(env) = Env::new() else { return };
    let Some((cert, key)) = certificate(&env) else {
        return;
    };
    let Some(python) = tool("python3", "python3") else {
        return;
    };
    let (_, admin) = admin(&env);
    let s = serve(&env, "127.0.0.1:0", &cert, &key);
    let probe = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/h2_probe.py");
    // A window of 0 lets no byte of the body through, 1 one byte, 100 a
    // part of it: none of them has the whole response.
    for window in ["0", "1", "100"] {
        let out = Command::new(&python)
            .arg(&probe)
            .args(["127.0.0.1", &s.addr.port().to_string()])
            .arg(&cert)
            .args([admin.as_str(), window])
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(said.contains("HEADERS on stream 1"), "{said}");
    }
    crate::server::wait_undelivered(&env, "probe", 3, std::time::Duration::from_secs(15));
}

/// `tokenctl serve` with this certificate and key, which must fail at
/// once: `timeout` stops one that serves instead.
fn refused(env: &Env, listen: &str, cert: &Path, key: &Path) -> Out {
    let timeout = tool("timeout", "coreutils").expect("timeout");
    env.cmd(&[
        "serve",
        "--listen",
        listen,
        "--tls-cert",
        text(cert),
        "--tls-key",
        text(key),
    ])
    .through(&timeout, &["20"])
    .run()
}

#[test]
fn a_key_others_may_read_or_change_is_refused() {
    let Some(env) = Env::new() else { return };
    let Some((cert, key)) = certificate(&env) else {
        return;
    };
    env.cmd(&["init"]).run().success();
    for mode in [0o644, 0o604, 0o620, 0o666] {
        chmod(&key, mode);
        let out = refused(&env, "127.0.0.1:0", &cert, &key).code(1);
        assert!(
            out.stderr.contains("chmod 600") && out.stderr.contains(&format!("mode {mode:o}")),
            "{mode:o}: {}",
            out.stderr
        );
        assert!(out.stderr.contains(text(&key)), "{}", out.stderr);
        assert!(!out.stderr.contains("listening"), "{}", out.stderr);
    }
    chmod(&key, 0o600);
    // A key of another user (root may serve root's keys or its own).
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&key, Some(65534), None).unwrap();
        refused(&env, "127.0.0.1:0", &cert, &key)
            .code(1)
            .error_has("belongs to uid 65534");
        std::os::unix::fs::chown(&key, Some(0), None).unwrap();
    }
    // Fixed, it serves.
    let s = serve(&env, "127.0.0.1:0", &cert, &key);
    assert!(
        s.stderr().contains("listening on https://"),
        "{}",
        s.stderr()
    );
}

#[test]
fn files_that_are_no_certificate_or_key_are_refused_with_exit_2() {
    let Some(env) = Env::new() else { return };
    let Some((cert, key)) = certificate(&env) else {
        return;
    };
    env.cmd(&["init"]).run().success();
    let dir = cert.parent().unwrap();

    // A certificate file that holds no certificate: the key, text, nothing.
    let no_cert = dir.join("no-cert.pem");
    for content in [
        std::fs::read(&key).unwrap(),
        b"not a certificate\n".to_vec(),
        Vec::new(),
    ] {
        std::fs::write(&no_cert, content).unwrap();
        refused(&env, "127.0.0.1:0", &no_cert, &key)
            .code(2)
            .error_has("holds no PEM certificate");
    }
    // A key file that holds no key.
    let no_key = dir.join("no-key.pem");
    std::fs::copy(&cert, &no_key).unwrap();
    chmod(&no_key, 0o600);
    refused(&env, "127.0.0.1:0", &cert, &no_key)
        .code(2)
        .error_has("holds no PEM private key");
    // The key of another certificate.
    let other = env.another();
    let (_, other_key) = certificate(&other).expect("openssl ran once");
    refused(&env, "127.0.0.1:0", &cert, &other_key)
        .code(2)
        .error_has("do not make a certificate and its key");
    // Only one of the two.
    env.cmd(&[
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        text(&cert),
    ])
    .run()
    .code(2);
    env.cmd(&["serve", "--listen", "127.0.0.1:0", "--tls-key", text(&key)])
        .run()
        .code(2);
}

#[test]
fn tls_may_listen_beyond_loopback_without_allow_plain_http() {
    let Some(env) = Env::new() else { return };
    let Some((cert, key, curl)) = with_curl(&env) else {
        return;
    };
    let (_, token) = env.create(&["--name", "t"]);
    let s = serve(&env, "0.0.0.0:0", &cert, &key);
    assert_eq!(s.addr.ip().to_string(), "0.0.0.0");
    assert!(
        s.stderr().contains("listening on https://0.0.0.0:"),
        "{}",
        s.stderr()
    );
    // Reached here through the loopback.
    let (said, _) = curl.run(
        &["--http2", "-H", &format!("Authorization: Bearer {token}")],
        &https_url(&s, "/auth"),
    );
    assert_eq!(said, "2 200");
}
