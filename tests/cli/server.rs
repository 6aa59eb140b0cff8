//! A running `tokenctl serve` for the HTTP tests, and a small HTTP/1.1
//! client over a plain socket (so a test controls every byte: a stalled
//! request, a megabyte body, a client that leaves early).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{Env, Run};

/// A server process; killed when dropped.
pub struct Server {
    child: Child,
    /// Where it answers.
    pub addr: SocketAddr,
    /// Where it answers `/metrics`, if asked.
    pub metrics: Option<SocketAddr>,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// `tokenctl serve --listen 127.0.0.1:0 ARGS...` on the sandbox's
    /// database, once it says where it listens.
    pub fn start(env: &Env, args: &[&str]) -> Server {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0"];
        all.extend_from_slice(args);
        Server::spawn(env.cmd(&all))
    }

    /// Starts the server `run` describes and waits until it listens.
    pub fn spawn(run: Run) -> Server {
        let mut cmd = run.command();
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn tokenctl serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr);
        let mut seen = String::new();
        let (mut addr, mut metrics) = (None, None);
        while addr.is_none() || (seen.contains("metrics on") && metrics.is_none()) {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap_or(0) == 0 {
                let status = child.wait().expect("wait");
                panic!("serve ended before it listened ({status}): {seen}");
            }
            seen.push_str(&line);
            if let Some(a) = line.strip_prefix("tokenctl: listening on ") {
                let a = a.trim().split("://").nth(1).expect("an address");
                addr = Some(a.parse().expect("a socket address"));
                // The metrics line, if any, comes before this one.
                break;
            }
            if let Some(a) = line.strip_prefix("tokenctl: metrics on http://") {
                metrics = Some(a.trim().trim_end_matches("/metrics").parse().unwrap());
            }
        }
        let shared = Arc::new(Mutex::new(seen));
        let sink = shared.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = String::new();
            while lines.read_line(&mut buf).unwrap_or(0) > 0 {
                sink.lock().unwrap().push_str(&buf);
                buf.clear();
            }
        });
        Server {
            child,
            addr: addr.expect("listening"),
            metrics,
            stderr: shared,
            reader: Some(reader),
        }
    }

    /// Everything it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr holds `part` (an access line is written just
    /// after its response).
    pub fn wait_stderr(&self, part: &str) -> String {
        let end = Instant::now() + Duration::from_secs(10);
        loop {
            let s = self.stderr();
            if s.contains(part) {
                return s;
            }
            assert!(Instant::now() < end, "stderr never said {part:?}: {s}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A request to this server.
    pub fn req(&self, method: &str, path: &str) -> Req {
        Req::new(self.addr, method, path)
    }

    /// Sends `signal` and waits for the exit; returns (code, all stderr).
    pub fn stop(mut self, signal: i32) -> (Option<i32>, String) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).unwrap();
        rustix::process::kill_process(
            pid,
            rustix::process::Signal::from_named_raw(signal).unwrap(),
        )
        .unwrap();
        let status = self.child.wait().expect("wait");
        if let Some(r) = self.reader.take() {
            r.join().unwrap();
        }
        (status.code(), self.stderr())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request, built up and then sent on a connection of its own.
pub struct Req {
    addr: SocketAddr,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Req {
    /// `METHOD PATH` to `addr`.
    pub fn new(addr: SocketAddr, method: &str, path: &str) -> Req {
        Req {
            addr,
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Req {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    /// A JSON body.
    pub fn json(self, v: &Value) -> Req {
        self.body(serde_json::to_vec(v).unwrap())
            .header("Content-Type", "application/json")
    }

    /// A body of these bytes.
    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Req {
        self.body = Some(b.into());
        self
    }

    /// The request's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            self.method, self.path, self.addr
        );
        for (k, v) in &self.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = &self.body {
            out.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        if let Some(b) = &self.body {
            bytes.extend_from_slice(b);
        }
        bytes
    }

    /// Sends it and reads the whole response.
    pub fn send(self) -> Resp {
        let mut s = TcpStream::connect(self.addr).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let bytes = self.bytes();
        // A server that answers before the body is all sent (413) may
        // close its end: write from a thread, and read what it says.
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = w.write_all(&bytes);
        });
        let resp = Resp::read(&mut s, self.method == "HEAD");
        let _ = writer.join();
        resp
    }
}

/// A response.
#[derive(Debug)]
pub struct Resp {
    /// The status code.
    pub status: u16,
    /// The headers, names in lowercase, in order.
    pub headers: Vec<(String, String)>,
    /// The body, chunked encoding undone.
    pub body: Vec<u8>,
}

impl Resp {
    /// Reads one response from `s` to its end.
    pub fn read(s: &mut impl Read, head: bool) -> Resp {
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        Resp::parse(&raw, head)
    }

    /// Parses one response.
    pub fn parse(raw: &[u8], head: bool) -> Resp {
        let end = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
        let text = std::str::from_utf8(&raw[..end]).expect("headers are text");
        let mut lines = text.split("\r\n");
        let status_line = lines.next().unwrap();
        let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').expect("a header");
                (k.trim().to_ascii_lowercase(), v.trim().to_owned())
            })
            .collect();
        let rest = &raw[end + 4..];
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if head {
            Vec::new()
        } else if chunked {
            dechunk(rest)
        } else {
            rest.to_vec()
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    /// The value of header `name`, if it was sent once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.as_str());
        assert!(found.next().is_none(), "header {name} sent twice");
        first
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Checks the status, showing the body when it differs.
    #[track_caller]
    pub fn status(self, code: u16) -> Resp {
        assert_eq!(
            self.status,
            code,
            "status of a response with body {:?}",
            String::from_utf8_lossy(&self.body)
        );
        self
    }

    /// Checks that it is the error JSON with this code.
    #[track_caller]
    pub fn error(self, status: u16, code: &str) -> Resp {
        let r = self.status(status);
        let v = r.json();
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
        assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
        r
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            panic!("a chunked body cut short");
        };
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16)
            .expect("a chunk size");
        rest = &rest[eol + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

/// An admin token of `env` (scope admin), as (id, secret).
pub fn admin(env: &Env) -> (i64, String) {
    env.create(&["--name", "admin", "--scope", "admin", "--no-expiry"])
}

/// Waits until `count` tokens named `name` exist, every one revoked with
/// its trail's second event `revoked`, `secret not delivered: ...`; fails
/// after `within`, or at once when more than `count` are there.
#[track_caller]
pub fn wait_undelivered(env: &Env, name: &str, count: usize, within: Duration) {
    let end = Instant::now() + within;
    loop {
        let list = env.cmd(&["--json", "list"]).run().success().json();
        let named: Vec<&Value> = list
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["name"] == name)
            .collect();
        assert!(
            named.len() <= count,
            "more than {count} named {name}: {list}"
        );
        if named.len() == count && named.iter().all(|t| t["status"] == "revoked") {
            for t in named {
                let id = t["id"].as_i64().unwrap().to_string();
                let log = env.cmd(&["--json", "log", &id]).run().success().json();
                assert_eq!(log[1]["action"], "revoked", "{log}");
                let detail = log[1]["detail"].as_str().unwrap_or_default();
                assert!(detail.starts_with("secret not delivered"), "{log}");
            }
            return;
        }
        assert!(
            Instant::now() < end,
            "a secret no client has is live: {list}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
