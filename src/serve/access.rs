//! stderr for the server: one access line per request and the server's own
//! notes, written by one thread so that requests never wait on a slow
//! terminal or log pipe, and lines from many requests never interleave.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::core::id::TokenId;

/// Lines wait at most this long before they are written.
const EVERY: Duration = Duration::from_millis(50);
/// Bytes waiting that wake the writer at once.
const WAKE_AT: usize = 64 * 1024;
/// Bytes waiting beyond which lines are counted and dropped (stderr does
/// not keep up).
const MAX: usize = 8 * 1024 * 1024;

/// What waits to be written; one lock, taken for a copy of one line, and
/// no wake-up per line (a thread woken per request would cost more than
/// the request).
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static READY: Condvar = Condvar::new();
static STARTED: AtomicBool = AtomicBool::new(false);
static STOPPING: AtomicBool = AtomicBool::new(false);
static URGENT: AtomicBool = AtomicBool::new(false);
static THREAD: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);
static DROPPED: AtomicU64 = AtomicU64::new(0);

fn pending() -> MutexGuard<'static, Vec<u8>> {
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the writer thread; lines sent before go straight to stderr.
pub fn start() {
    if STARTED.swap(true, Ordering::SeqCst) {
        return;
    }
    if let Ok(handle) = std::thread::Builder::new()
        .name("stderr".into())
        .spawn(write_all)
    {
        *THREAD.lock().unwrap_or_else(PoisonError::into_inner) = Some(handle);
    } else {
        STARTED.store(false, Ordering::SeqCst);
    }
}

/// Writes what waits and stops the writer thread.
pub fn stop() {
    STOPPING.store(true, Ordering::SeqCst);
    READY.notify_all();
    let handle = THREAD.lock().unwrap_or_else(PoisonError::into_inner).take();
    if let Some(h) = handle {
        let _ = h.join();
    }
    STARTED.store(false, Ordering::SeqCst);
}

/// A note of the server's own, `tokenctl: <message>`, secrets masked.
pub fn note(message: &str) {
    send(crate::text::message_line(message).as_bytes(), true);
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

/// A request thread's lines gather here, and go to the writer when there
/// are this many bytes or the thread has nothing else to do.
const LOCAL: usize = 16 * 1024;

thread_local! {
    static LINES: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// This second, formatted once a second rather than once a request.
    static STAMP: std::cell::RefCell<(crate::time::Epoch, String)> =
        const { std::cell::RefCell::new((0, String::new())) };
}

/// One access line: time, method, path, status, duration, token id, client.
/// The path is escaped and masked: a client may put anything in it.
pub fn request(r: &Request<'_>) {
    // Written straight into this thread's lines, not into a line of its
    // own first: one allocation and one copy less for every request.
    let now = crate::time::now();
    let full = LINES.with(|l| {
        let mut line = l.borrow_mut();
        STAMP.with(|s| {
            let mut s = s.borrow_mut();
            if s.0 != now || s.1.is_empty() {
                *s = (now, crate::time::rfc3339(now));
            }
            line.extend_from_slice(s.1.as_bytes());
        });
        // Writing into a vector cannot fail.
        let _ = write!(
            line,
            " {} {} {} {:.3}ms",
            crate::text::escape(r.method),
            crate::text::escape(&crate::text::redact(&logged_path(r.path))),
            r.status,
            r.took.as_secs_f64() * 1000.0,
        );
        if let Some(id) = r.token {
            let _ = write!(line, " token={id}");
        }
        let _ = writeln!(line, " from={}", r.peer);
        line.len() >= LOCAL
    });
    if full {
        flush_thread();
    }
}

/// The path as the log shows it: percent-decoded first, so that a token
/// sent encoded in a URL (`%74%6F%6B...`) is masked like a plain one.
fn logged_path(path: &str) -> std::borrow::Cow<'_, str> {
    percent_encoding::percent_decode_str(path).decode_utf8_lossy()
}

/// Hands this thread's gathered lines to the writer; the server calls it
/// whenever a request thread is about to wait for work, and as it ends.
pub fn flush_thread() {
    let lines = LINES.with(|l| std::mem::take(&mut *l.borrow_mut()));
    if !lines.is_empty() {
        send(&lines, false);
    }
}

fn send(line: &[u8], now: bool) {
    if !STARTED.load(Ordering::Relaxed) {
        let _ = std::io::stderr().lock().write_all(line);
        return;
    }
    let mut p = pending();
    if p.len() + line.len() > MAX {
        DROPPED.fetch_add(1, Ordering::Relaxed);
        return;
    }
    p.extend_from_slice(line);
    if now || p.len() >= WAKE_AT {
        URGENT.store(true, Ordering::SeqCst);
        READY.notify_one();
    }
}

fn write_all() {
    let mut out: Vec<u8> = Vec::new();
    loop {
        let stopping = {
            let mut p = pending();
            // Sleep until the next round unless something is urgent: a
            // busy server's lines go out in one write every round.
            if !STOPPING.load(Ordering::SeqCst) && !URGENT.swap(false, Ordering::SeqCst) {
                p = READY
                    .wait_timeout(p, EVERY)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            URGENT.store(false, Ordering::SeqCst);
            std::mem::swap(&mut *p, &mut out);
            STOPPING.load(Ordering::SeqCst)
        };
        let n = DROPPED.swap(0, Ordering::Relaxed);
        if n > 0 {
            out.extend_from_slice(
                format!("tokenctl: {n} access lines were dropped: stderr did not keep up\n")
                    .as_bytes(),
            );
        }
        if !out.is_empty() {
            let _ = std::io::stderr().lock().write_all(&out);
            out.clear();
        }
        if stopping && pending().is_empty() {
            return;
        }
        if out.capacity() > MAX {
            out = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::logged_path;

    #[test]
    fn a_path_is_decoded_before_it_is_masked() {
        assert_eq!(logged_path("/auth"), "/auth");
        assert_eq!(logged_path("/a%2Fb%zz%4"), "/a/b%zz%4");
        let token = "tok_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ123456";
        let encoded: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
        let shown = crate::text::redact(&logged_path(&format!("/auth/{encoded}"))).into_owned();
        assert!(!shown.contains(&token[4..20]), "{shown}");
    }
}
