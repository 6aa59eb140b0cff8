//! The server's request threads: one single-threaded tokio runtime per
//! core, the connections dealt out among them in turn.
//!
//! Not tokio's multi-threaded runtime: its scheduler is the only user of
//! the C library's `pow` in tokenctl (the average poll time it keeps), and
//! with it every process of every command, a one-shot `verify` above all,
//! loaded `libm` at start (0.1 ms here). A connection stays on the thread
//! it was given, whose poller alone watches its socket: under wrk (64
//! keep-alive connections, `GET /auth`) this answered 10 to 20% more
//! requests a second than the multi-threaded runtime, at a lower p99.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::oneshot;

use crate::core::error::{Result, runtime};

/// What every request thread runs when it is about to wait and when it
/// ends: hands on the counts and log lines it batched.
pub type Flush = Arc<dyn Fn() + Send + Sync>;

/// The runtime of the thread that calls [`Workers::block_on`], and one
/// more thread with a runtime of its own per further core.
pub struct Workers {
    main: Runtime,
    handles: Vec<Handle>,
    others: Vec<(oneshot::Sender<()>, JoinHandle<()>)>,
    next: AtomicUsize,
    flush: Flush,
}

impl Workers {
    /// `count` runtimes (at least one).
    pub fn start(count: usize, flush: Flush) -> Result<Workers> {
        let main = build(&flush)?;
        let mut handles = vec![main.handle().clone()];
        let mut others = Vec::new();
        for i in 1..count.max(1) {
            let rt = build(&flush)?;
            handles.push(rt.handle().clone());
            let (stop, stopped) = oneshot::channel::<()>();
            let flush = flush.clone();
            let thread = std::thread::Builder::new()
                .name(format!("requests-{i}"))
                .spawn(move || {
                    // Until `stop` is sent or dropped.
                    let _ = rt.block_on(stopped);
                    rt.shutdown_timeout(std::time::Duration::from_secs(1));
                    flush();
                })
                .map_err(|e| runtime(format!("cannot start the server's threads ({e})")))?;
            others.push((stop, thread));
        }
        Ok(Workers {
            main,
            handles,
            others,
            next: AtomicUsize::new(0),
            flush,
        })
    }

    /// Runs `f` on this thread's runtime, the others serving meanwhile.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.main.block_on(f)
    }

    /// The runtime the next connection goes to, each in turn.
    pub fn next(&self) -> &Handle {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        &self.handles[i]
    }

    /// Stops every runtime: what is still running gets a second to end.
    pub fn stop(self) {
        for (stop, thread) in self.others {
            let _ = stop.send(());
            let _ = thread.join();
        }
        self.main
            .shutdown_timeout(std::time::Duration::from_secs(1));
        (self.flush)();
    }
}

fn build(flush: &Flush) -> Result<Runtime> {
    let park = flush.clone();
    Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || park())
        .build()
        .map_err(|e| runtime(format!("cannot start the server's threads ({e})")))
}
