//! A new secret on its way out over HTTP, exactly once: it lives in memory
//! that is wiped when the response is done with it, and a guard revokes
//! its token (`secret not delivered`, as on the command line) unless the
//! response was written. Over HTTP/1.1 the response closes the connection,
//! and the secret counts as delivered only when the connection ends
//! without an error, that is when every byte reached the kernel; over
//! HTTP/2 once the whole body was handed to the connection.

use std::pin::Pin;
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
/// called first.
pub struct Undelivered {
    id: TokenId,
    actor: String,
    pool: Pool,
    why: &'static str,
    armed: bool,
}

impl Undelivered {
    /// A guard over the token `id`, issued by `actor`.
    pub fn new(id: TokenId, actor: &str, pool: Pool) -> Undelivered {
        Undelivered {
            id,
            actor: actor.to_owned(),
            pool,
            why: "the client went away",
            armed: true,
        }
    }

    /// The secret reached its reader.
    pub fn delivered(mut self) {
        self.armed = false;
    }

    fn because(mut self, why: &'static str) -> Undelivered {
        self.why = why;
        self
    }
}

impl Drop for Undelivered {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (id, actor, why) = (self.id, std::mem::take(&mut self.actor), self.why);
        let detail = format!("secret not delivered: {why}");
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
                "the secret of token {id} was not delivered ({why}), and revoking it failed ({e}); revoke it by hand"
            ));
        }
    }
}

/// What one connection knows about the secrets it sent.
pub struct Connection {
    /// HTTP/1.1: a secret counts as delivered only when the connection
    /// ends cleanly.
    http1: bool,
    sent: Mutex<Vec<Undelivered>>,
}

impl Connection {
    /// The state of a new connection.
    pub fn new(http1: bool) -> Arc<Connection> {
        Arc::new(Connection {
            http1,
            sent: Mutex::new(Vec::new()),
        })
    }

    /// Whether it speaks HTTP/1.1.
    pub fn http1(&self) -> bool {
        self.http1
    }

    /// The connection ended, cleanly or not: the secrets it sent were
    /// delivered, or their tokens are revoked.
    pub fn ended(&self, clean: bool) {
        let sent = std::mem::take(&mut *self.sent.lock().unwrap_or_else(PoisonError::into_inner));
        for guard in sent {
            if clean {
                guard.delivered();
            } else {
                drop(guard.because("the connection failed before the response was written"));
            }
        }
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
}

impl SecretBody {
    /// A body of `bytes` (the token JSON with its secret), guarded.
    pub fn new(bytes: Zeroizing<Vec<u8>>, guard: Undelivered, conn: Arc<Connection>) -> SecretBody {
        SecretBody {
            data: Some(Bytes::from_owner(Wiped(bytes))),
            guard: Some(guard),
            conn,
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
            if self.conn.http1 {
                self.conn
                    .sent
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(guard);
            } else {
                guard.delivered();
            }
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
