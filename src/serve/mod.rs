//! `tokenctl serve`: verify for proxies and services, and the admin API,
//! over HTTP/1.1 (and HTTP/2 with TLS), on hyper and tokio. Requests run on
//! a thread per core ([`workers`]); every database call runs on a store
//! thread of its own ([`pool`]), and uses are written by one more
//! ([`uses`]). The routes and their shapes are in [`routes`]; every rule is
//! the core's.

mod access;
mod admin;
mod http;
mod limiter;
mod lookup;
mod metrics;
mod pool;
mod routes;
mod secret;
mod stream;
mod tls;
mod uses;
mod verify;
mod workers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

use crate::core::error::{Result, runtime};
use crate::store::Target;
use http::{ApiError, Body, MAX_HEADERS, REQUEST_TIME};

/// The OpenAPI 3.1 description of every route, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// How long requests in flight may take to finish after SIGTERM or SIGINT.
const DRAIN: Duration = Duration::from_secs(10);
/// How long `/readyz` waits for the database.
const READY_WAIT: Duration = Duration::from_secs(5);

/// What `serve` was asked to do, already checked.
pub struct Config {
    /// Where to answer, bound already.
    pub listen: std::net::TcpListener,
    /// Where to answer `/metrics`, if anywhere.
    pub metrics_listen: Option<std::net::TcpListener>,
    /// Certificate chain and key.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// The database.
    pub target: Target,
}

/// What every request shares.
pub struct State {
    pool: pool::Pool,
    lookup: lookup::Lookup,
    uses: uses::Uses,
    metrics: metrics::Metrics,
    limiter: limiter::Limiter,
}

impl State {
    /// `/readyz`: 200 when the database answers, else 503.
    async fn ready(&self) -> Response<Body> {
        let asked = self
            .pool
            .run(|store| crate::store::read(store, |r| r.last_id()));
        match tokio::time::timeout(READY_WAIT, asked).await {
            Ok(Ok(_)) => http::json(StatusCode::OK, &serde_json::json!({"status": "ready"})),
            _ => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database does not answer",
            )
            .response(),
        }
    }
}

/// Serves until SIGTERM or SIGINT, then drains and returns.
pub fn run(config: Config) -> Result<()> {
    let acceptor = match &config.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // SQLite answers from memory in microseconds; PostgreSQL waits on
    // the network, so more connections keep the server busy.
    let stores = match &config.target {
        Target::Sqlite(_) => cores.max(2),
        Target::Postgres(_) => (cores * 4).max(8),
    };
    let (pool, threads) = pool::Pool::start(&config.target, stores)?;
    let (uses, recorder) = uses::Uses::start(&config.target)?;
    let listener = nonblocking(config.listen)?;
    let metrics_listener = config.metrics_listen.map(nonblocking).transpose()?;
    let connections = raise_fd_limit();
    access::start();
    let state = Arc::new(State {
        pool,
        lookup: lookup::Lookup::for_target(&config.target),
        uses,
        metrics: metrics::Metrics::new(),
        limiter: limiter::Limiter::default(),
    });
    // A request thread counts and logs in batches, handed on whenever it
    // is about to wait for work, so nothing waits longer than the next
    // lull, and at its end.
    let flush = {
        let state = state.clone();
        move || {
            state.metrics.flush_thread();
            access::flush_thread();
        }
    };
    // This thread accepts connections (and serves the metrics listener
    // and watches the database); one per core serves them.
    let rt = workers::current_thread(flush.clone())?;
    let workers = workers::Workers::start(cores, flush.clone())?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let served = rt.block_on(async {
        let listener =
            TcpListener::from_std(listener).map_err(|e| runtime(format!("cannot listen ({e})")))?;
        let local = listener.local_addr().map_err(anyhow::Error::from)?;
        if let Some(m) = metrics_listener {
            let m =
                TcpListener::from_std(m).map_err(|e| runtime(format!("cannot listen ({e})")))?;
            if let Ok(at) = m.local_addr() {
                access::note(&format!("metrics on http://{at}/metrics"));
            }
            tokio::spawn(metrics_loop(state.clone(), m));
        }
        {
            let state = state.clone();
            tokio::spawn(async move { state.lookup.watch(state.pool.clone()).await });
        }
        // Last: once this is said, every listener answers.
        access::note(&format!("listening on {scheme}://{local}"));
        serve(state.clone(), listener, acceptor, connections, &workers).await
    });
    drop(state);
    // Each request thread ends, after at most a second for what it runs.
    drop(workers);
    rt.shutdown_timeout(Duration::from_secs(1));
    // What this thread counted and logged (the metrics listener's); the
    // state it holds goes with it, so the store threads can end.
    flush();
    drop(flush);
    // The store threads finish their queues (a revoke of a secret that was
    // not delivered among them); the recorder writes the last uses.
    threads.join();
    let _ = recorder.join();
    access::note("stopped");
    access::stop();
    served
}

fn nonblocking(l: std::net::TcpListener) -> Result<std::net::TcpListener> {
    l.set_nonblocking(true).map_err(anyhow::Error::from)?;
    Ok(l)
}

/// Raises the soft limit of open files to the hard one; returns how many
/// connections may be open at once, leaving room for the database's.
fn raise_fd_limit() -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Nofile);
    if let Some(max) = l.maximum {
        l.current = Some(max.min(1 << 20));
        let _ = setrlimit(Resource::Nofile, l);
    }
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(1024);
    usize::try_from(soft.saturating_sub(128))
        .unwrap_or(1024)
        .clamp(64, 1 << 16)
}

async fn serve(
    state: Arc<State>,
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    connections: usize,
    workers: &workers::Workers,
) -> Result<()> {
    // Each connection holds a slot; the drain waits until all are back.
    let slots = Arc::new(tokio::sync::Semaphore::new(connections));
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let stop = stop_signal()?;
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, most likely: wait rather than spin.
                    access::note(&format!("cannot accept a connection ({e})"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Past the limit a connection is closed at once, not left waiting.
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        // Handed to a request thread, whose runtime then watches it.
        let stream = match stream.into_std() {
            Ok(s) => s,
            Err(e) => {
                access::note(&format!(
                    "cannot pass a connection to a request thread ({e})"
                ));
                continue;
            }
        };
        let state = state.clone();
        let stopped = stopped.clone();
        let tls = tls.clone();
        workers.spawn(async move {
            let _slot = slot;
            let stream = match tokio::net::TcpStream::from_std(stream) {
                Ok(s) => s,
                Err(e) => {
                    access::note(&format!("a request thread cannot take a connection ({e})"));
                    return;
                }
            };
            let stream = secret::Counted::new(stream);
            let counts = (stream.counter(), stream.activity());
            match tls {
                None => {
                    let io = TokioIo::new(stream);
                    connection(state, io, peer, false, counts, stopped).await;
                }
                Some(tls) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(REQUEST_TIME, tls.accept(stream)).await
                    else {
                        return;
                    };
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    connection(state, TokioIo::new(stream), peer, h2, counts, stopped).await;
                }
            }
        });
    }
    drop(listener);
    access::note("stopping: finishing the requests in flight");
    let _ = stopping.send(true);
    let all = u32::try_from(connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN, slots.acquire_many(all))
        .await
        .is_err()
    {
        access::note("requests still in flight after 10 s were cut off");
    }
    Ok(())
}

/// Serves one connection. It closes gracefully (the requests under way
/// finished, then the connection ended) when the server stops, and right
/// after a response that carries a new secret, which then must have been
/// written whole within [`REQUEST_TIME`] or its token is revoked (see
/// `secret`).
async fn connection<I>(
    state: Arc<State>,
    io: TokioIo<I>,
    peer: SocketAddr,
    h2: bool,
    (written, moved): (Arc<AtomicU64>, Arc<AtomicU64>),
    mut stopped: tokio::sync::watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = secret::Connection::new(written, !h2);
    let svc = {
        let conn = conn.clone();
        service_fn(move |req: Request<Incoming>| {
            routes::handle(state.clone(), conn.clone(), peer, req)
        })
    };
    let clean = if h2 {
        let mut b = http2::Builder::new(TokioExecutor::new());
        b.timer(TokioTimer::new())
            .max_header_list_size(MAX_HEADERS as u32)
            .max_concurrent_streams(256);
        let served = b.serve_connection(io, svc);
        tokio::pin!(served);
        until_closed(
            served,
            |c| c.as_mut().graceful_shutdown(),
            &conn,
            &moved,
            &mut stopped,
        )
        .await
    } else {
        let mut b = http1::Builder::new();
        // Counted from when the server waits for a request's first byte,
        // so an idle keep-alive connection is closed after it too.
        b.timer(TokioTimer::new())
            .header_read_timeout(REQUEST_TIME)
            .max_header_size(MAX_HEADERS);
        let served = b.serve_connection(io, svc);
        tokio::pin!(served);
        until_closed(
            served,
            |c| c.as_mut().graceful_shutdown(),
            &conn,
            &moved,
            &mut stopped,
        )
        .await
    };
    conn.ended(clean);
}

/// Drives a connection to its end; whether it ended cleanly. A connection
/// on which no byte moves either way for [`REQUEST_TIME`] is dropped: an
/// idle HTTP/2 connection, or a client that stopped reading its answers,
/// holds no slot others need.
async fn until_closed<C, E>(
    mut served: std::pin::Pin<&mut C>,
    close: impl Fn(&mut std::pin::Pin<&mut C>),
    conn: &secret::Connection,
    moved: &AtomicU64,
    stopped: &mut tokio::sync::watch::Receiver<bool>,
) -> bool
where
    C: std::future::Future<Output = std::result::Result<(), E>>,
{
    let mut closing = false;
    let mut deadline: Option<tokio::time::Instant> = None;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut last, mut since) = (moved.load(Ordering::Relaxed), tokio::time::Instant::now());
    loop {
        let wait_secret = !closing;
        let until = deadline.unwrap_or_else(|| tokio::time::Instant::now() + DRAIN);
        tokio::select! {
            done = served.as_mut() => return done.is_ok(),
            _ = stopped.changed(), if !closing => {
                close(&mut served);
                closing = true;
            }
            () = conn.secret_sent(), if wait_secret => {
                close(&mut served);
                closing = true;
                deadline = Some(tokio::time::Instant::now() + REQUEST_TIME);
            }
            () = tokio::time::sleep_until(until), if deadline.is_some() => return false,
            now = tick.tick() => {
                let m = moved.load(Ordering::Relaxed);
                if m != last {
                    (last, since) = (m, now);
                } else if now.duration_since(since) >= REQUEST_TIME {
                    return false;
                }
            }
        }
    }
}

/// Resolves at SIGTERM or SIGINT.
fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(anyhow::Error::from)?;
    let mut int = signal(SignalKind::interrupt()).map_err(anyhow::Error::from)?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    })
}

/// The metrics listener: `GET /metrics` and nothing else.
async fn metrics_loop(state: Arc<State>, listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req: Request<Incoming>| {
                let state = state.clone();
                async move {
                    Ok::<_, std::convert::Infallible>(if req.uri().path() == "/metrics" {
                        http::with_type(
                            StatusCode::OK,
                            "text/plain; version=0.0.4; charset=utf-8",
                            state.metrics.text().into_bytes(),
                        )
                    } else {
                        ApiError::no_route().response()
                    })
                }
            });
            let mut b = http1::Builder::new();
            b.timer(TokioTimer::new()).header_read_timeout(REQUEST_TIME);
            let _ = b.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}
