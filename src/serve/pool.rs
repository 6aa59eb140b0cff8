//! The threads that talk to the database. The HTTP side runs on tokio; the
//! stores are synchronous (rusqlite, and the `postgres` crate, which runs a
//! runtime of its own and cannot be called from inside another), so every
//! store call is a job for one of these threads, each holding its own
//! connection, and its answer comes back through a oneshot channel.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::core::error::{Error, Result, StoreErrorKind, runtime};
use crate::store::{Store, Target};

type Job = Box<dyn FnOnce(&mut Slot) + Send>;

/// How long a request waits for the database.
const WAIT: std::time::Duration = std::time::Duration::from_secs(15);
/// How many jobs may wait for a thread before requests are turned away.
const QUEUE: usize = 8192;

/// Counts the connections found broken. A PostgreSQL server that restarts,
/// or ends its sessions, closes every connection at once, but a thread
/// learns of it only when it next uses its own; so when one is found
/// broken, every connection opened before is replaced before its next use,
/// rather than each failing one request of its own first.
static BROKEN: AtomicU64 = AtomicU64::new(0);

/// A handle on the store threads; cloning it is cheap.
#[derive(Clone)]
pub struct Pool {
    jobs: Sender<Job>,
}

/// The threads themselves, to wait for at shutdown.
pub struct Threads(Vec<JoinHandle<()>>);

impl Pool {
    /// Starts `n` threads, each with its own connection, opened now so that
    /// a database that cannot be used fails the start.
    pub fn start(target: &Target, n: usize) -> Result<(Pool, Threads)> {
        let (tx, rx) = crossbeam_channel::bounded::<Job>(QUEUE);
        let mut threads = Vec::with_capacity(n);
        let (opened_tx, opened) = std::sync::mpsc::channel::<Result<()>>();
        for i in 0..n {
            let rx: Receiver<Job> = rx.clone();
            let target = target.clone();
            let opened_tx = opened_tx.clone();
            // A store is opened on the thread that uses it: connections are
            // not handed between threads.
            let handle = std::thread::Builder::new()
                .name(format!("store-{i}"))
                .spawn(move || {
                    let store = match target.open_existing() {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = opened_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = opened_tx.send(Ok(()));
                    drop(opened_tx);
                    let mut slot = Slot {
                        target,
                        store: Some(store),
                        opened: BROKEN.load(Ordering::SeqCst),
                    };
                    for job in rx {
                        job(&mut slot);
                    }
                })
                .map_err(|e| runtime(format!("cannot start a store thread ({e})")))?;
            threads.push(handle);
        }
        drop(opened_tx);
        for _ in 0..n {
            opened
                .recv()
                .map_err(|_| runtime("a store thread ended as it started"))??;
        }
        Ok((Pool { jobs: tx }, Threads(threads)))
    }

    /// Runs `f` on a store thread and waits for its answer. A database
    /// that cannot be used, or a queue that is full, is a store error.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |slot: &mut Slot| {
            // A caller that went away gets nothing; what `f` made is
            // dropped here (a new secret's guard revokes it).
            let _ = tx.send(slot.run(f));
        });
        self.queue(job)?;
        match tokio::time::timeout(WAIT, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(runtime("a store thread ended")),
            Err(_) => Err(Error::store(
                StoreErrorKind::Other,
                format!("the database did not answer within {} s", WAIT.as_secs()),
            )),
        }
    }

    /// Queues `f` for a store thread without waiting for it. The job gets
    /// a store error, not a store, when the database cannot be opened.
    pub fn submit(&self, f: impl FnOnce(&mut dyn Store) + Send + 'static) -> Result<()> {
        self.queue(Box::new(move |slot: &mut Slot| {
            let _ = slot.run(|store| {
                f(store);
                Ok(())
            });
        }))
    }

    fn queue(&self, job: Job) -> Result<()> {
        self.jobs.try_send(job).map_err(|e| match e {
            crossbeam_channel::TrySendError::Full(_) => Error::store(
                StoreErrorKind::Other,
                "too many requests are waiting for the database",
            ),
            crossbeam_channel::TrySendError::Disconnected(_) => {
                Error::store(StoreErrorKind::Other, "the server is stopping")
            }
        })
    }
}

impl Threads {
    /// Waits for every thread to finish its queue; they end once every
    /// [`Pool`] handle is gone.
    pub fn join(self) {
        for t in self.0 {
            let _ = t.join();
        }
    }
}

/// A connection of one thread, opened when first needed and again after an
/// error broke it.
pub struct Slot {
    target: Target,
    store: Option<Box<dyn Store>>,
    /// [`BROKEN`] when the connection was opened.
    opened: u64,
}

impl Slot {
    /// A slot for `target`, not connected yet.
    pub fn new(target: Target) -> Slot {
        Slot {
            target,
            store: None,
            opened: 0,
        }
    }

    /// Runs `f` on the connection. What fails there is the database (a
    /// dropped connection, a disk that is full): a runtime error becomes a
    /// store error, and the next call connects afresh.
    pub fn run<T>(&mut self, f: impl FnOnce(&mut dyn Store) -> Result<T>) -> Result<T> {
        let broken = BROKEN.load(Ordering::SeqCst);
        if self.opened != broken {
            self.store = None;
        }
        if self.store.is_none() {
            match self.target.open_existing() {
                Ok(s) => {
                    self.store = Some(s);
                    self.opened = broken;
                }
                Err(e) => {
                    super::access::note(&format!("cannot open the database: {e}"));
                    return f(&mut Unavailable(e.to_string()));
                }
            }
        }
        let Some(store) = self.store.as_mut() else {
            return Err(runtime("no connection"));
        };
        let mut watch = Watch {
            inner: store.as_mut(),
            broken: false,
        };
        let result = f(&mut watch);
        if watch.broken {
            // A PostgreSQL server that restarted, a file replaced under us.
            self.store = None;
            BROKEN.fetch_add(1, Ordering::SeqCst);
        }
        match result {
            Err(Error::Runtime(e)) => Err(Error::store(StoreErrorKind::Other, Error::Runtime(e))),
            r => r,
        }
    }
}

/// A store that notes when a call failed in a way that may have broken
/// the connection.
struct Watch<'a> {
    inner: &'a mut dyn Store,
    broken: bool,
}

impl Watch<'_> {
    fn seen<T>(&mut self, r: Result<T>) -> Result<T> {
        if matches!(r, Err(Error::Store(_) | Error::Runtime(_))) {
            self.broken = true;
        }
        r
    }
}

impl Store for Watch<'_> {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn prefix(&self) -> &str {
        self.inner.prefix()
    }
    fn created(&self) -> bool {
        false
    }
    fn read_only(&self) -> bool {
        self.inner.read_only()
    }
    fn read(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
    ) -> Result<()> {
        let r = self.inner.read(f);
        self.seen(r)
    }
    fn read_once(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
    ) -> Result<()> {
        let r = self.inner.read_once(f);
        self.seen(r)
    }
    fn write(
        &mut self,
        f: &mut dyn FnMut(&mut dyn crate::store::Writer) -> Result<()>,
    ) -> Result<()> {
        let r = self.inner.write(f);
        self.seen(r)
    }
    fn lookup(
        &mut self,
        hashes: &[crate::core::token::TokenHash],
        found: &mut Vec<Option<crate::core::model::Found>>,
    ) -> Result<()> {
        let r = self.inner.lookup(hashes, found);
        self.seen(r)
    }
    fn record_use(
        &mut self,
        ids: &[crate::core::id::TokenId],
        now: crate::time::Epoch,
        since: crate::time::Epoch,
    ) -> Result<usize> {
        let r = self.inner.record_use(ids, now, since);
        self.seen(r)
    }
}

/// What a job gets when the database cannot be opened: every call fails
/// with the reason.
struct Unavailable(String);

impl Unavailable {
    fn error(&self) -> Error {
        Error::store(StoreErrorKind::Connect, &self.0)
    }
}

impl Store for Unavailable {
    fn name(&self) -> &str {
        ""
    }
    fn prefix(&self) -> &str {
        ""
    }
    fn created(&self) -> bool {
        false
    }
    fn read_only(&self) -> bool {
        true
    }
    fn read(
        &mut self,
        _: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
    ) -> Result<()> {
        Err(self.error())
    }
    fn read_once(
        &mut self,
        _: &mut dyn FnMut(&mut dyn crate::store::Reader) -> Result<()>,
    ) -> Result<()> {
        Err(self.error())
    }
    fn write(
        &mut self,
        _: &mut dyn FnMut(&mut dyn crate::store::Writer) -> Result<()>,
    ) -> Result<()> {
        Err(self.error())
    }
}
