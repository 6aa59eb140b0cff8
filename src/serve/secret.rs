//! A new secret on its way out over HTTP, exactly once: it lives in memory
//! that is wiped when the response is done with it, and a guard revokes
//! its token (`secret not delivered`, as on the command line) unless the
//! response was written. A response with a secret closes its connection
//! (HTTP/1.1: `Connection: close`; HTTP/2: GOAWAY, the other streams
//! finished first), and the secret counts as delivered when, by the end of
//! the connection and within the request time limit, the socket has taken
//! the whole body; a client that stops reading (opens no HTTP/2 window),
//! or leaves, has its token revoked.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use zeroize::Zeroizing;

use super::pool::Pool;
use crate::core::id::TokenId;
use crate::core::ops;
use crate::time;

/// Revokes its token when dropped, unless [`Undelivered::delivered`] was
/// called first, or when [`Undelivered::watch`]'s time runs out.
pub struct Undelivered {
    inner: Arc<Guarded>,
    why: &'static str,
}

/// The token a guard is for; settled once, delivered or revoked.
struct Guarded {
    id: TokenId,
    actor: String,
    pool: Pool,
    settled: AtomicBool,
}

impl Guarded {
    fn settle(&self, delivered: bool, why: &str) {
        if self.settled.swap(true, Ordering::SeqCst) || delivered {
            return;
        }
        let (id, actor) = (self.id, self.actor.clone());
        let detail = format!("secret not delivered: {why}");
        let why = why.to_owned();
        let queued = self.pool.submit(move |store| {
            match ops::revoke(store, id, &actor, time::now(), Some(&detail)) {
                Ok(_) => super::access::note(&format!(
                    "the secret of token {id} was not delivered ({why}); the token was revoked"
                )),
                Err(e) => super::access::note(&format!(
                    "the secret of token {id} was not delivered ({why}), and revoking it failed ({e}); revoke it by hand"
                )),
            }
        });
        if let Err(e) = queued {
            super::access::note(&format!(
                "the secret of token {id} was not delivered, and revoking it failed ({e}); revoke it by hand"
            ));
        }
    }
}

impl Undelivered {
    /// A guard over the token `id`, issued by `actor`.
    pub fn new(id: TokenId, actor: &str, pool: Pool) -> Undelivered {
        Undelivered {
            inner: Arc::new(Guarded {
                id,
                actor: actor.to_owned(),
                pool,
                settled: AtomicBool::new(false),
            }),
            why: "the client went away",
        }
    }

    /// Revokes the token unless it is settled within `limit`, whatever
    /// becomes of the response (a body never asked for, a client that
    /// opens no HTTP/2 window).
    pub fn watch(&self, limit: std::time::Duration) {
        let inner = self.inner.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            inner.settle(false, "the response was not written in time");
        });
    }

    /// The secret reached its reader.
    pub fn delivered(self) {
        self.inner.settle(true, "");
    }

    fn because(mut self, why: &'static str) -> Undelivered {
        self.why = why;
        self
    }
}

impl Drop for Undelivered {
    fn drop(&mut self) {
        self.inner.settle(false, self.why);
    }
}

/// What one connection knows about the secrets it sent.
pub struct Connection {
    /// Bytes the socket has taken so far (below TLS: what reached the
    /// kernel).
    written: Arc<AtomicU64>,
    /// HTTP/1.1: the connection must also end cleanly (hyper flushed
    /// everything, pipelined answers before ours included).
    http1: bool,
    sent: Mutex<Vec<Sent>>,
    handed: tokio::sync::Notify,
}

/// A secret handed to the connection, and how many bytes the socket must
/// take after its response was made for the whole body to have gone out.
struct Sent {
    guard: Undelivered,
    mark: u64,
    need: u64,
}

impl Connection {
    /// The state of a new connection whose socket counts into `written`.
    pub fn new(written: Arc<AtomicU64>, http1: bool) -> Arc<Connection> {
        Arc::new(Connection {
            written,
            http1,
            sent: Mutex::new(Vec::new()),
            handed: tokio::sync::Notify::new(),
        })
    }

    /// Resolves once a response has handed a secret to the connection.
    pub async fn secret_sent(&self) {
        self.handed.notified().await;
    }

    /// The connection ended, `clean`ly (hyper wrote and flushed all it had)
    /// or not: a secret whose whole body the socket took after its response
    /// was made was delivered (over HTTP/1.1 the end must be clean too,
    /// since answers pipelined before it are counted in the bytes); any
    /// other's token is revoked. (The count is never short of a delivered
    /// body, since its header and framing come on top; the secret opens
    /// the body, so a body cut by less than that framing has it whole.)
    pub fn ended(&self, clean: bool) {
        let written = self.written.load(Ordering::SeqCst);
        let sent = std::mem::take(&mut *self.sent.lock().unwrap_or_else(PoisonError::into_inner));
        for s in sent {
            if written.saturating_sub(s.mark) >= s.need && (clean || !self.http1) {
                s.guard.delivered();
            } else {
                drop(
                    s.guard
                        .because("the connection ended before the response was written"),
                );
            }
        }
    }
}

/// A socket that counts the bytes it takes.
pub struct Counted<S> {
    inner: S,
    written: Arc<AtomicU64>,
    /// Bytes moved either way, to tell a stalled connection.
    moved: Arc<AtomicU64>,
}

impl<S> Counted<S> {
    /// `inner`, counting into new counters.
    pub fn new(inner: S) -> Counted<S> {
        Counted {
            inner,
            written: Arc::new(AtomicU64::new(0)),
            moved: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The bytes written.
    pub fn counter(&self) -> Arc<AtomicU64> {
        self.written.clone()
    }

    /// The bytes moved either way.
    pub fn activity(&self) -> Arc<AtomicU64> {
        self.moved.clone()
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len().saturating_sub(before);
        if n > 0 {
            self.moved.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = r {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
            self.moved.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if let Poll::Ready(Ok(n)) = r {
            self.written.fetch_add(n as u64, Ordering::Relaxed);
            self.moved.fetch_add(n as u64, Ordering::Relaxed);
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The bytes of a response that holds a secret, wiped when freed.
struct Wiped(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for Wiped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// The body of a response that delivers a secret.
pub struct SecretBody {
    data: Option<Bytes>,
    guard: Option<Undelivered>,
    conn: Arc<Connection>,
    /// What the socket had taken when the response was made.
    mark: u64,
}

impl SecretBody {
    /// A body of `bytes` (the token JSON with its secret), guarded.
    pub fn new(bytes: Zeroizing<Vec<u8>>, guard: Undelivered, conn: Arc<Connection>) -> SecretBody {
        let mark = conn.written.load(Ordering::SeqCst);
        SecretBody {
            data: Some(Bytes::from_owner(Wiped(bytes))),
            guard: Some(guard),
            conn,
            mark,
        }
    }
}

impl Body for SecretBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let Some(data) = self.data.take() else {
            return Poll::Ready(None);
        };
        if let Some(guard) = self.guard.take() {
            let sent = Sent {
                guard,
                mark: self.mark,
                need: data.len() as u64,
            };
            self.conn
                .sent
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(sent);
            // notify_one keeps the wake-up for a connection task that is
            // not waiting yet.
            self.conn.handed.notify_one();
        }
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}
