//! stderr for the server: one access line per request and the server's own
//! notes, written by one thread so that requests never wait on a slow
//! terminal or log pipe, and lines from many requests never interleave.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::core::id::TokenId;

/// Lines waiting for stderr; beyond this they are counted and dropped.
const QUEUE: usize = 65_536;

enum Line {
    Text(String),
    Stop,
}

static TX: OnceLock<SyncSender<Line>> = OnceLock::new();
static THREAD: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// Starts the writer thread; lines sent before go straight to stderr.
pub fn start() {
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
    if TX.set(tx).is_ok() {
        if let Ok(handle) = std::thread::Builder::new()
            .name("stderr".into())
            .spawn(move || write_all(&rx))
        {
            *THREAD.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
        }
    }
}

/// Writes what is queued and stops the writer thread.
pub fn stop() {
    if let Some(tx) = TX.get() {
        let _ = tx.send(Line::Stop);
    }
    let handle = THREAD.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(h) = handle {
        let _ = h.join();
    }
}

/// A note of the server's own, `tokenctl: <message>`, secrets masked.
pub fn note(message: &str) {
    let line = format!(
        "tokenctl: {}\n",
        crate::text::escape(&crate::text::redact(message))
    );
    send(line);
}

/// What an access line says about one request.
pub struct Request<'a> {
    /// The method.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// The status sent.
    pub status: u16,
    /// How long it took.
    pub took: Duration,
    /// The token presented, when it is known.
    pub token: Option<TokenId>,
    /// The client.
    pub peer: SocketAddr,
}

/// One access line: time, method, path, status, duration, token id, client.
/// The path is escaped and masked: a client may put anything in it.
pub fn request(r: &Request<'_>) {
    let token = r.token.map(|id| format!(" token={id}")).unwrap_or_default();
    let line = format!(
        "{} {} {} {} {:.3}ms{token} from={}\n",
        crate::time::rfc3339(crate::time::now()),
        crate::text::escape(r.method),
        crate::text::escape(&crate::text::redact(r.path)),
        r.status,
        r.took.as_secs_f64() * 1000.0,
        r.peer
    );
    send(line);
}

fn send(line: String) {
    match TX.get() {
        Some(tx) => match tx.try_send(Line::Text(line)) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        },
        None => {
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }
}

fn write_all(rx: &Receiver<Line>) {
    let stderr = std::io::stderr();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stderr.lock());
    while let Ok(first) = rx.recv() {
        let mut next = Some(first);
        while let Some(line) = next.take() {
            match line {
                Line::Text(t) => {
                    let _ = out.write_all(t.as_bytes());
                }
                Line::Stop => {
                    report_dropped(&mut out);
                    let _ = out.flush();
                    return;
                }
            }
            next = rx.try_recv().ok();
        }
        report_dropped(&mut out);
        let _ = out.flush();
    }
}

fn report_dropped(out: &mut impl Write) {
    let n = DROPPED.swap(0, Ordering::Relaxed);
    if n > 0 {
        let _ = writeln!(
            out,
            "tokenctl: {n} access lines were dropped: stderr did not keep up"
        );
    }
}
