//! A response body fed through a channel, a chunk at a time, for answers
//! too large to build in memory first.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Frame;
use tokio::sync::mpsc;

use super::http::Body;

/// Chunks waiting for the client.
const CHUNKS: usize = 4;

/// The sending end, and the body it feeds.
pub fn channel() -> (mpsc::Sender<std::io::Result<Bytes>>, Body) {
    let (tx, rx) = mpsc::channel(CHUNKS);
    (tx, Chunks(rx).boxed())
}

struct Chunks(mpsc::Receiver<std::io::Result<Bytes>>);

impl hyper::body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| c.map(Frame::data)))
    }
}
