//! The request threads: one tokio runtime of a single thread per core,
//! each serving the connections handed to it, in turn, by the thread that
//! accepts them. A connection stays on its thread; with keep-alive
//! clients each thread gets an even share, and nothing is shared between
//! them on a request's path but the server's state.
//!
//! Rather than tokio's work-stealing runtime: that one alone among what
//! tokenctl links needs the C math library (for `pow`, in its scheduler's
//! statistics), which every process, `verify` included, then loads at
//! start (0.04 ms of a 1.4 ms `verify`).

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::sync::watch;

use crate::core::error::{Result, runtime};

/// A runtime of one thread that runs what is spawned on it, with `flush`
/// run whenever it is about to wait for work.
pub fn current_thread(flush: impl Fn() + Send + Sync + 'static) -> Result<Runtime> {
    Builder::new_current_thread()
        .enable_all()
        .on_thread_park(flush)
        .build()
        .map_err(|e| runtime(format!("cannot start the server's threads ({e})")))
}

/// The request threads, until dropped.
pub struct Workers {
    handles: Vec<Handle>,
    next: AtomicUsize,
    stop: watch::Sender<bool>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Starts `n` threads (at least one), each running `flush` whenever it
    /// is about to wait for work and once more when it ends.
    pub fn start(n: usize, flush: impl Fn() + Clone + Send + Sync + 'static) -> Result<Workers> {
        let (stop, stopped) = watch::channel(false);
        let mut workers = Workers {
            handles: Vec::new(),
            next: AtomicUsize::new(0),
            stop,
            threads: Vec::new(),
        };
        for i in 0..n.max(1) {
            let rt = current_thread(flush.clone())?;
            workers.handles.push(rt.handle().clone());
            let mut stopped = stopped.clone();
            let flush = flush.clone();
            let thread = std::thread::Builder::new()
                .name(format!("requests-{i}"))
                .spawn(move || {
                    rt.block_on(async {
                        let _ = stopped.wait_for(|&s| s).await;
                    });
                    // What is still running (a connection past the drain)
                    // is cut off, as the server ends.
                    rt.shutdown_timeout(Duration::from_secs(1));
                    flush();
                })
                .map_err(|e| runtime(format!("cannot start the server's threads ({e})")))?;
            workers.threads.push(thread);
        }
        Ok(workers)
    }

    /// Runs `task` on the next thread in turn.
    pub fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.handles.len();
        drop(self.handles[i].spawn(task));
    }
}

/// Ends every thread, each after at most a second for what it still runs,
/// and waits for them; also when starting them failed part of the way.
impl Drop for Workers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
