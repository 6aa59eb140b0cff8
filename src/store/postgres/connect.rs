//! Reaching a PostgreSQL server (SPEC §8): a `postgres://` URL parsed into a
//! [`Target`] under the password rules, TLS over rustls with libpq's
//! `sslmode` meanings, and connect errors that name the server, never the
//! password.
//!
//! TLS, by `sslmode` (libpq's behaviour unless marked *differs*):
//!
//! - `disable`: plain text.
//! - `prefer` (the default): TLS when the server accepts it, without
//!   checking its certificate; plain text when the server refuses TLS, or
//!   once more in plain text when the TLS handshake fails.
//! - `require`: TLS or nothing, certificate not checked. With `sslrootcert`
//!   the chain must lead to that root, but the host name is not checked
//!   (libpq's "verify-ca" behaviour for `require` with a root file).
//! - `verify-full`: the chain must lead to `sslrootcert`, and the
//!   certificate must name the host. Without `sslrootcert`, the system's
//!   roots (rustls-native-certs: the bundle `update-ca-certificates`
//!   maintains, or `SSL_CERT_FILE`/`SSL_CERT_DIR`); *differs*: libpq would
//!   read `~/.postgresql/root.crt` and fail without it. `sslrootcert=system`
//!   names the system roots explicitly, as libpq 16 does, and like it
//!   requires `verify-full`.
//! - *Differs*: `sslrootcert` without `sslmode` means `verify-full` (libpq:
//!   `prefer`, which checks nothing), and with an explicit `prefer` or
//!   `disable` it is refused, since it would check nothing.
//! - A Unix socket never uses TLS: libpq ignores `sslmode` there, and the
//!   server refuses TLS on a socket anyway.
//!
//! Not supported: `PGPASSFILE`/`~/.pgpass` (no well-kept crate reads it),
//! client certificates (`sslcert`, `sslkey`), several hosts, and every `PG*`
//! variable but `PGUSER` and `PGPASSWORD`.

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use zeroize::Zeroizing;

/// The port when the URL names none, as libpq's.
pub const DEFAULT_PORT: u16 = 5432;

/// How long a connection may take, from the first packet to a session
/// ready for queries, unless the URL's `connect_timeout` says otherwise: a
/// black-holed host or a server that accepts and never answers fails after
/// this instead of minutes later (libpq's default is to wait for ever).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `application_name` unless the URL sets one, so that an administrator
/// sees in `pg_stat_activity` who holds a connection.
pub const DEFAULT_APPLICATION_NAME: &str = "tokenctl";

/// The parameters a URL may carry after `?`; any other is refused rather
/// than ignored, so a typo in `sslmode` cannot quietly weaken TLS.
const PARAMETERS: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "application_name",
    "connect_timeout",
];

/// Whether `s` is a PostgreSQL URL rather than an SQLite file path. As
/// libpq's, the scheme is case-sensitive.
pub fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// How much TLS a connection insists on; see the module's documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// Plain text.
    Disable,
    /// TLS when the server offers it, unchecked; else plain text.
    Prefer,
    /// TLS, the certificate unchecked unless a root is given.
    Require,
    /// TLS, the chain and the host name checked.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The name as a URL writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where the server listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Host {
    /// A host name or IP address (an IPv6 one without its brackets).
    Tcp(String),
    /// The directory that holds the server's socket `.s.PGSQL.<port>`.
    Socket(PathBuf),
}

/// What a server's certificate chain must lead to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootCert {
    /// The certificates of a PEM file (`sslrootcert=FILE`).
    File(PathBuf),
    /// The system's trusted roots (`sslrootcert=system`, or `verify-full`
    /// without `sslrootcert`).
    System,
}

/// A PostgreSQL server and database to connect to, and how. Neither its
/// `Display` nor its `Debug` ever shows the password.
#[derive(Clone)]
pub struct Target {
    host: Host,
    port: u16,
    user: String,
    dbname: String,
    password: Option<Zeroizing<Vec<u8>>>,
    ssl_mode: SslMode,
    root_cert: Option<RootCert>,
    application_name: String,
    connect_timeout: Option<Duration>,
}

impl Target {
    /// Parses a URL `postgres[ql]://[user[:password]@][host][:port][/dbname][?params]`
    /// (see the module's documentation for the parameters), with the
    /// defaults libpq takes: port 5432, the user `PGUSER` or else the OS
    /// user, the database named as the user, and a Unix socket when no host
    /// is given. The password is the URL's, else `PGPASSWORD`'s.
    ///
    /// `from_command_line`: the URL came from `--db`, where every user can
    /// read it in `ps`, so a password in it is refused (a usage error);
    /// from `TOKENCTL_DB` it is allowed.
    pub fn parse(url: &str, from_command_line: bool) -> Result<Target, ConnectError> {
        Target::parse_with(url, from_command_line, &Env::from_process())
    }

    fn parse_with(url: &str, from_command_line: bool, env: &Env) -> Result<Target, ConnectError> {
        let given = Given::split(url)?;
        if given.password.is_some() && from_command_line {
            return Err(usage(
                "a password in a PostgreSQL URL on the command line is refused: \
                 every user on this host can read the command line",
            ));
        }
        let user = match given.user {
            Some(u) => u,
            None => match &env.pguser {
                Some(u) => u
                    .to_str()
                    .ok_or_else(|| usage("PGUSER is not valid UTF-8"))?
                    .to_owned(),
                None => env.os_user.clone().ok_or_else(|| {
                    usage(
                        "the PostgreSQL URL names no user, PGUSER is not set, \
                         and the OS user name is unknown",
                    )
                })?,
            },
        };
        let host = match given.host {
            None => Host::Socket(env.socket_dir.clone()),
            Some(h) if h.starts_with('/') => Host::Socket(PathBuf::from(h)),
            Some(h) => Host::Tcp(h),
        };
        let port = match given.port {
            None => DEFAULT_PORT,
            Some(p) => parse_port(&p)?,
        };
        let root_cert = match given.sslrootcert.as_deref() {
            None => None,
            Some("") => return Err(usage("sslrootcert in the PostgreSQL URL is empty")),
            Some("system") => Some(RootCert::System),
            Some(file) => Some(RootCert::File(PathBuf::from(file))),
        };
        let ssl_mode = match (given.sslmode.as_deref(), &root_cert) {
            (Some(m), _) => SslMode::parse(m).ok_or_else(|| {
                usage(
                    "sslmode in the PostgreSQL URL must be disable, prefer, require or verify-full",
                )
            })?,
            (None, Some(_)) => SslMode::VerifyFull,
            (None, None) => SslMode::Prefer,
        };
        match (ssl_mode, &root_cert) {
            (SslMode::Disable | SslMode::Prefer, Some(_)) => {
                return Err(usage(format!(
                    "sslrootcert in the PostgreSQL URL needs sslmode require or verify-full: \
                     with sslmode={} no certificate is checked",
                    ssl_mode.as_str()
                )));
            }
            (SslMode::Require, Some(RootCert::System)) => {
                return Err(usage(
                    "sslrootcert=system in the PostgreSQL URL needs sslmode=verify-full: \
                     a public root vouches for names, not for a server",
                ));
            }
            _ => {}
        }
        let connect_timeout = match given.connect_timeout {
            None => Some(DEFAULT_CONNECT_TIMEOUT),
            Some(t) => {
                let secs = t
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    .then(|| t.parse::<u32>().ok())
                    .flatten()
                    .ok_or_else(|| {
                        usage(
                            "connect_timeout in the PostgreSQL URL must be a whole number of seconds",
                        )
                    })?;
                // As libpq: 0 waits for ever.
                (secs > 0).then(|| Duration::from_secs(u64::from(secs)))
            }
        };
        Ok(Target {
            dbname: given.dbname.unwrap_or_else(|| user.clone()),
            host,
            port,
            user,
            password: given.password.or_else(|| env.pgpassword.clone()),
            ssl_mode,
            root_cert,
            application_name: given
                .application_name
                .unwrap_or_else(|| DEFAULT_APPLICATION_NAME.to_owned()),
            connect_timeout,
        })
    }

    /// Where the server listens.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The TCP port, or the number in the socket's name.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The role to log in as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The database.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    /// Whether a password will be offered (from the URL or `PGPASSWORD`).
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// The TLS mode asked for; a Unix socket ignores it.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The root a certificate chain is checked against, if one was named.
    pub fn root_cert(&self) -> Option<&RootCert> {
        self.root_cert.as_ref()
    }

    /// The `application_name` the session reports.
    pub fn application_name(&self) -> &str {
        &self.application_name
    }

    /// The limit on the whole connection attempt; `None` waits for ever
    /// (`connect_timeout=0`).
    pub fn connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }
}

/// `host:port/dbname`, `[::1]:port/dbname`, or `socket-dir:port/dbname`,
/// for messages: never the user's password, never a line break.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.host {
            Host::Tcp(h) if h.contains(':') => write!(f, "[{}]", one_line(h))?,
            Host::Tcp(h) => f.write_str(&one_line(h))?,
            Host::Socket(dir) => f.write_str(&one_line(&dir.to_string_lossy()))?,
        }
        write!(f, ":{}/{}", self.port, one_line(&self.dbname))
    }
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("dbname", &self.dbname)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("ssl_mode", &self.ssl_mode)
            .field("root_cert", &self.root_cert)
            .field("application_name", &self.application_name)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// Why no connection was made. Every message is one line, names the
/// target (`host:port/dbname`) where there is one, carries the server's or
/// the system's own reason, and never contains a password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL cannot be used as given (exit 2).
    #[error("{0}")]
    Usage(String),
    /// No server answered: refused, no such host or socket, timed out.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Unreachable {
        /// `host:port/dbname`.
        target: String,
        /// What the system said.
        reason: String,
    },
    /// TLS could not be set up: refused by the server, a failed handshake,
    /// an unreadable root certificate file.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Tls {
        /// `host:port/dbname`.
        target: String,
        /// What went wrong.
        reason: String,
    },
    /// The server's certificate failed the check that `sslmode` asks for.
    #[error(
        "cannot connect to PostgreSQL at {target}: the server's certificate could not be verified: {reason}"
    )]
    Certificate {
        /// `host:port/dbname`.
        target: String,
        /// Why it was not trusted.
        reason: String,
    },
    /// The server refused the login: a wrong password, none given, or no
    /// `pg_hba.conf` entry.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Auth {
        /// `host:port/dbname`.
        target: String,
        /// The server's message.
        reason: String,
    },
    /// The database does not exist on that server.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    NoDatabase {
        /// `host:port/dbname`.
        target: String,
        /// The server's message, which names the database.
        reason: String,
    },
    /// The server refused for another reason (too many connections, starting
    /// up, shutting down) or did not speak the protocol.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Server {
        /// `host:port/dbname`.
        target: String,
        /// The server's message, or what was wrong with its answer.
        reason: String,
    },
}

impl ConnectError {
    /// The process exit code of SPEC §4: 2 for a usage error, else 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            ConnectError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// `host:port/dbname`, for every error but a usage error.
    pub fn target(&self) -> Option<&str> {
        match self {
            ConnectError::Usage(_) => None,
            ConnectError::Unreachable { target, .. }
            | ConnectError::Tls { target, .. }
            | ConnectError::Certificate { target, .. }
            | ConnectError::Auth { target, .. }
            | ConnectError::NoDatabase { target, .. }
            | ConnectError::Server { target, .. } => Some(target),
        }
    }
}

fn usage(msg: impl Into<String>) -> ConnectError {
    ConnectError::Usage(msg.into())
}

/// Connects and logs in, within the target's `connect_timeout` for the
/// whole attempt.
pub fn connect(target: &Target) -> Result<postgres::Client, ConnectError> {
    let deadline = target.connect_timeout.map(|t| Instant::now() + t);
    let mode = match target.host {
        Host::Socket(_) => SslMode::Disable,
        Host::Tcp(_) => target.ssl_mode,
    };
    match attempt(target, mode, deadline) {
        // As libpq's prefer: a server that accepted TLS but could not
        // complete it gets one more try without.
        Err(ConnectError::Tls { .. }) if mode == SslMode::Prefer => {
            attempt(target, SslMode::Disable, deadline)
        }
        result => result,
    }
}

fn attempt(
    target: &Target,
    mode: SslMode,
    deadline: Option<Instant>,
) -> Result<postgres::Client, ConnectError> {
    let mut config = postgres::Config::new();
    match &target.host {
        Host::Tcp(h) => config.host(h),
        Host::Socket(dir) => config.host_path(dir),
    };
    config
        .port(target.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name(&target.application_name)
        .ssl_mode(match mode {
            SslMode::Disable => postgres::config::SslMode::Disable,
            SslMode::Prefer => postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyFull => postgres::config::SslMode::Require,
        });
    if let Some(password) = &target.password {
        config.password(&password[..]);
    }
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(timed_out(target));
        }
        // Also bounds each TCP connect inside, so a first address that is
        // black-holed does not use up the time of the next.
        config.connect_timeout(left);
    }
    let outcome = if mode == SslMode::Disable {
        within(deadline, move || config.connect(postgres::NoTls))
    } else {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(target, mode)?);
        within(deadline, move || config.connect(tls))
    };
    match outcome {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(classify(target, &e)),
        Err(Waited::TimedOut) => Err(timed_out(target)),
        Err(Waited::NoThread(e)) => Err(ConnectError::Unreachable {
            target: target.to_string(),
            reason: format!("cannot start a thread to connect with: {}", io_reason(&e)),
        }),
        Err(Waited::Died) => Err(ConnectError::Server {
            target: target.to_string(),
            reason: "the connection attempt ended unexpectedly".into(),
        }),
    }
}

fn timed_out(target: &Target) -> ConnectError {
    let secs = target.connect_timeout.map_or(0, |t| t.as_secs());
    ConnectError::Unreachable {
        target: target.to_string(),
        reason: format!("no answer within {secs} s"),
    }
}

enum Waited {
    TimedOut,
    NoThread(io::Error),
    Died,
}

/// Runs `f` with a deadline. The postgres crate's `connect_timeout` bounds
/// only the TCP connect, and its runtime is out of reach, so the attempt
/// runs on a thread of its own; one that outlives the deadline is left to
/// finish or hang, and its connection is closed when it does.
fn within<T: Send + 'static>(
    deadline: Option<Instant>,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Waited> {
    let Some(deadline) = deadline else {
        return Ok(f());
    };
    let (tx, rx) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("pg-connect".into())
        .spawn(move || {
            // The receiver is gone after a time-out: dropping the value
            // then closes the late connection.
            let _ = tx.send(f());
        })
        .map_err(Waited::NoThread)?;
    match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(v) => Ok(v),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(Waited::TimedOut),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(Waited::Died),
    }
}

/// Sorts a failed connect by what the user does about it, keeping the
/// server's or the system's own words.
fn classify(target: &Target, e: &postgres::Error) -> ConnectError {
    let t = target.to_string();
    if let Some(db) = e.as_db_error() {
        let reason = one_line(db.message());
        return match *db.code() {
            SqlState::INVALID_PASSWORD | SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
                ConnectError::Auth { target: t, reason }
            }
            SqlState::INVALID_CATALOG_NAME => ConnectError::NoDatabase { target: t, reason },
            _ => ConnectError::Server { target: t, reason },
        };
    }
    let cause = std::error::Error::source(e);
    if let Some(tls) = cause.and_then(rustls_error) {
        return match tls {
            rustls::Error::InvalidCertificate(c) => ConnectError::Certificate {
                target: t,
                reason: certificate_reason(target, c),
            },
            other => ConnectError::Tls {
                target: t,
                reason: format!(
                    "the TLS handshake failed: {}",
                    lower_first(&other.to_string())
                ),
            },
        };
    }
    // The postgres crate tells its kinds apart only in its text.
    let kind = e.to_string();
    let said = cause.map(|c| match c.downcast_ref::<io::Error>() {
        Some(io) => io_reason(io),
        None => one_line(&lower_first(&c.to_string())),
    });
    let said = said.unwrap_or_default();
    match kind.as_str() {
        "error performing TLS handshake" if said == "server does not support TLS" => {
            ConnectError::Tls {
                target: t,
                reason: format!(
                    "the server does not accept TLS, which sslmode={} requires",
                    target.ssl_mode.as_str()
                ),
            }
        }
        "error performing TLS handshake" => ConnectError::Tls {
            target: t,
            reason: format!("the TLS handshake failed: {said}"),
        },
        "error connecting to server" => match cause.and_then(|c| c.downcast_ref::<io::Error>()) {
            Some(io) if io.kind() == io::ErrorKind::TimedOut => timed_out(target),
            _ => ConnectError::Unreachable {
                target: t,
                reason: said,
            },
        },
        "invalid configuration" if said == "password missing" => ConnectError::Auth {
            target: t,
            reason: format!(
                "the server asks for a password for user {} and none was given",
                quote(&target.user)
            ),
        },
        "authentication error" => ConnectError::Auth {
            target: t,
            reason: format!("authentication failed: {said}"),
        },
        "connection closed" => ConnectError::Server {
            target: t,
            reason: "the server closed the connection".into(),
        },
        _ if said.is_empty() => ConnectError::Server {
            target: t,
            reason: lower_first(&kind),
        },
        _ => ConnectError::Server {
            target: t,
            reason: format!("{}: {said}", lower_first(&kind)),
        },
    }
}

/// The rustls error behind a TLS failure: tokio-rustls wraps it in an
/// `io::Error`, whose `source()` skips it.
fn rustls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut next = Some(e);
    while let Some(e) = next {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        if let Some(r) = e
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        next = e.source();
    }
    None
}

fn certificate_reason(target: &Target, e: &CertificateError) -> String {
    let roots = match &target.root_cert {
        Some(RootCert::File(path)) => format!("the root certificate in {}", path.display()),
        Some(RootCert::System) | None => "the system's trusted roots".into(),
    };
    match e {
        CertificateError::UnknownIssuer => format!("it is not signed by {roots}"),
        CertificateError::BadSignature => {
            format!("it is not signed by {roots} (the signature does not match)")
        }
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            let host = match &target.host {
                Host::Tcp(h) => one_line(h),
                Host::Socket(_) => String::new(),
            };
            format!("it is not issued for the host name {host}")
        }
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "it has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "it is not valid yet".into()
        }
        CertificateError::Revoked => "it has been revoked".into(),
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "it is not meant for a TLS server".into()
        }
        other => lower_first(&rustls::Error::InvalidCertificate(other.clone()).to_string()),
    }
}

/// The system's message without Rust's ` (os error N)`, lowercase as
/// tokenctl's messages are.
fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    let text = match text.rfind(" (os error ") {
        Some(i) if text.ends_with(')') => &text[..i],
        _ => &text,
    };
    one_line(&lower_first(text))
}

/// The rustls client configuration for `mode` (not `Disable`).
fn tls_config(target: &Target, mode: SslMode) -> Result<ClientConfig, ConnectError> {
    // Its own provider rather than the process default, which would make
    // rustls panic if another crate ever enables a second one.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ConnectError::Tls {
            target: target.to_string(),
            reason: format!("TLS cannot be set up: {e}"),
        })?;
    let builder = match (mode, &target.root_cert) {
        (SslMode::VerifyFull, root) => {
            builder.with_root_certificates(roots(target, root.as_ref())?)
        }
        (SslMode::Require, Some(root)) => {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Verifier {
                    roots: Some(roots(target, Some(root))?),
                    algorithms,
                }))
        }
        _ => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Verifier {
                roots: None,
                algorithms,
            })),
    };
    let mut config = builder.with_no_client_auth();
    // What PostgreSQL 17 expects of a client that offers ALPN; older
    // servers ignore it.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    Ok(config)
}

fn roots(target: &Target, root: Option<&RootCert>) -> Result<RootCertStore, ConnectError> {
    let failed = |reason: String| ConnectError::Tls {
        target: target.to_string(),
        reason,
    };
    let mut store = RootCertStore::empty();
    match root {
        Some(RootCert::File(path)) => {
            let cannot = |e: rustls::pki_types::pem::Error| {
                failed(format!(
                    "cannot read the root certificate file {}: {}",
                    path.display(),
                    pem_reason(&e)
                ))
            };
            for cert in CertificateDer::pem_file_iter(path).map_err(cannot)? {
                store.add(cert.map_err(cannot)?).map_err(|e| {
                    failed(format!(
                        "the root certificate file {} holds a certificate rustls cannot use: {}",
                        path.display(),
                        lower_first(&e.to_string())
                    ))
                })?;
            }
            if store.is_empty() {
                return Err(failed(format!(
                    "the root certificate file {} holds no PEM certificate",
                    path.display()
                )));
            }
        }
        Some(RootCert::System) | None => {
            // Unreadable entries of the system bundle are skipped, as
            // OpenSSL skips them; only an empty result is an error.
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(failed(
                    "this system has no trusted root certificates to check the server's against"
                        .into(),
                ));
            }
        }
    }
    Ok(store)
}

fn pem_reason(e: &rustls::pki_types::pem::Error) -> String {
    match e {
        rustls::pki_types::pem::Error::Io(io) => io_reason(io),
        rustls::pki_types::pem::Error::NoItemsFound => "it holds no PEM certificate".into(),
        other => format!("it is not a PEM file ({})", lower_first(&other.to_string())),
    }
}

/// Checks a server certificate as `prefer` and `require` do: the
/// handshake signature always (it proves the server holds the key of the
/// certificate it sent, which channel binding relies on), the chain only
/// when a root was named, the host name never.
#[derive(Debug)]
struct Verifier {
    roots: Option<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(roots) = &self.roots {
            let cert = ParsedCertificate::try_from(end_entity)?;
            verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// What the environment contributes, read once so that tests can supply
/// their own (changing the process environment is unsafe in Rust 2024).
struct Env {
    pguser: Option<OsString>,
    pgpassword: Option<Zeroizing<Vec<u8>>>,
    os_user: Option<String>,
    socket_dir: PathBuf,
}

impl Env {
    fn from_process() -> Env {
        Env {
            pguser: std::env::var_os("PGUSER").filter(|v| !v.is_empty()),
            // Bytes, not UTF-8: the protocol sends the password as bytes.
            pgpassword: std::env::var_os("PGPASSWORD")
                .map(|v| Zeroizing::new(v.into_encoded_bytes()))
                .filter(|v| !v.is_empty()),
            os_user: whoami::username()
                .ok()
                .or_else(|| std::env::var("USER").ok())
                .filter(|u| !u.is_empty()),
            socket_dir: default_socket_dir(),
        }
    }
}

/// libpq's compiled-in socket directory: `/run/postgresql` as Debian,
/// Ubuntu and Fedora build it, else upstream's `/tmp`.
fn default_socket_dir() -> PathBuf {
    ["/run/postgresql", "/var/run/postgresql"]
        .iter()
        .map(Path::new)
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("/tmp"))
        .to_path_buf()
}

/// The parts of a URL as given, percent-decoded, before any default.
#[derive(Default)]
struct Given {
    host: Option<String>,
    port: Option<String>,
    user: Option<String>,
    password: Option<Zeroizing<Vec<u8>>>,
    dbname: Option<String>,
    sslmode: Option<String>,
    sslrootcert: Option<String>,
    application_name: Option<String>,
    connect_timeout: Option<String>,
}

impl Given {
    fn split(url: &str) -> Result<Given, ConnectError> {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))
            .ok_or_else(|| usage("a PostgreSQL URL starts with postgres:// or postgresql://"))?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        // A '/' or '?' left unencoded in a password ends the authority early
        // and puts the rest of the password in the path or the query. An
        // '@' there gives that away; the URL is then refused without
        // quoting any of it.
        let misread = !authority.contains('@') && tail.contains('@');
        let misread_error = || {
            usage(
                "the PostgreSQL URL has an '@' after its host: a '/', '?' or '@' in a user name, \
                 password or database name must be percent-encoded (%2F, %3F, %40)",
            )
        };

        let mut given = Given::default();
        let host_port = match authority.rfind('@') {
            Some(at) => {
                let user_info = &authority[..at];
                let (user, password) = match user_info.split_once(':') {
                    Some((u, p)) => (u, Some(p)),
                    None => (user_info, None),
                };
                if !user.is_empty() {
                    given.user = Some(decode_str(user, "the user name")?);
                }
                if let Some(p) = password {
                    let p = Zeroizing::new(decode(p, "the password")?);
                    // As libpq: an empty password is no password.
                    if !p.is_empty() {
                        given.password = Some(p);
                    }
                }
                &authority[at + 1..]
            }
            None => authority,
        };
        if host_port.contains(',') {
            return Err(usage(
                "the PostgreSQL URL names several hosts; tokenctl connects to one",
            ));
        }
        let (host, port) = match host_port.strip_prefix('[') {
            Some(v6) => {
                let (host, after) = v6.split_once(']').ok_or_else(|| {
                    usage("an IPv6 address in the PostgreSQL URL lacks its closing ']'")
                })?;
                let port = match after {
                    "" => None,
                    _ => Some(after.strip_prefix(':').ok_or_else(|| {
                        usage(
                            "the PostgreSQL URL has text after its IPv6 address that is not :PORT",
                        )
                    })?),
                };
                if host.is_empty() {
                    return Err(usage("the PostgreSQL URL has an empty IPv6 address"));
                }
                (host, port)
            }
            None => match host_port.split_once(':') {
                Some((_, p)) if p.contains(':') => {
                    return Err(usage(
                        "an IPv6 address in a PostgreSQL URL goes in brackets: [::1]:5432",
                    ));
                }
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            },
        };
        if !host.is_empty() {
            given.host = Some(decode_str(host, "the host")?);
        }
        if let Some(p) = port.filter(|p| !p.is_empty()) {
            given.port = Some(decode_str(p, "the port")?);
        }

        let (path, query) = match tail.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (tail, None),
        };
        if misread && path.contains('@') {
            return Err(misread_error());
        }
        let path = path.strip_prefix('/').unwrap_or(path);
        if !path.is_empty() {
            given.dbname = Some(decode_str(path, "the database name")?);
        }
        for pair in query.unwrap_or_default().split('&') {
            if pair.is_empty() {
                continue;
            }
            let Some((key, value)) = pair.split_once('=') else {
                return Err(if misread {
                    misread_error()
                } else {
                    usage("a parameter in the PostgreSQL URL is not KEY=VALUE")
                });
            };
            if misread && key.contains('@') {
                return Err(misread_error());
            }
            let key = decode_str(key, "a parameter name")?;
            let what = |name: &str| format!("the {name} parameter");
            match key.as_str() {
                "password" => {
                    let p = Zeroizing::new(decode(value, "the password parameter")?);
                    if given.password.is_some() {
                        return Err(twice("password"));
                    }
                    if !p.is_empty() {
                        given.password = Some(p);
                    }
                }
                name @ ("host" | "port" | "user" | "dbname" | "sslmode" | "sslrootcert"
                | "application_name" | "connect_timeout") => {
                    let value = decode_str(value, &what(name))?;
                    let slot = match name {
                        "host" => &mut given.host,
                        "port" => &mut given.port,
                        "user" => &mut given.user,
                        "dbname" => &mut given.dbname,
                        "sslmode" => &mut given.sslmode,
                        "sslrootcert" => &mut given.sslrootcert,
                        "application_name" => &mut given.application_name,
                        _ => &mut given.connect_timeout,
                    };
                    if slot.is_some() {
                        return Err(twice(name));
                    }
                    // An empty host, port, user, ... stands for its
                    // default; the TLS settings and the timeout must be
                    // spelt out, and an empty one is refused later.
                    let defaults = !matches!(name, "sslmode" | "sslrootcert" | "connect_timeout");
                    if !value.is_empty() || !defaults {
                        *slot = Some(value);
                    }
                }
                // Printing a key could print part of a misread password.
                _ if misread => return Err(misread_error()),
                other => {
                    return Err(usage(format!(
                        "the PostgreSQL URL has a parameter tokenctl does not know: {}; it knows {}",
                        quote(other),
                        PARAMETERS.join(", ")
                    )));
                }
            }
        }
        Ok(given)
    }
}

fn twice(name: &str) -> ConnectError {
    usage(format!("the PostgreSQL URL gives {name} twice"))
}

fn parse_port(p: &str) -> Result<u16, ConnectError> {
    match p.parse::<u16>() {
        Ok(port) if port > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Ok(port),
        // The value is not shown: it may be part of a misread password.
        _ => Err(usage(
            "the port in the PostgreSQL URL is not a number from 1 to 65535",
        )),
    }
}

/// Percent-decodes `s`. `what` names the part in a message, which never
/// shows the text itself (it may be a password).
fn decode(s: &str, what: &str) -> Result<Vec<u8>, ConnectError> {
    let bad = || {
        usage(format!(
            "{what} in the PostgreSQL URL has a '%' that is not followed by two hex digits"
        ))
    };
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
            let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
            let byte = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    // The protocol ends strings with NUL: one inside would cut them short.
    if out.contains(&0) {
        return Err(usage(format!("{what} in the PostgreSQL URL contains %00")));
    }
    Ok(out)
}

fn decode_str(s: &str, what: &str) -> Result<String, ConnectError> {
    String::from_utf8(decode(s, what)?).map_err(|_| {
        usage(format!(
            "{what} in the PostgreSQL URL is not UTF-8 once decoded"
        ))
    })
}

/// `s` with control characters escaped, so a message stays one line.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A value in double quotes, escaped, for a message.
fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        one_line(s).replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// "Connection refused" as "connection refused", but "TLS ..." as is.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(s.chars().skip(1)).collect()
        }
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    use super::*;

    /// A password that must never show up in a message.
    const PW: &str = "Sw0rdf1sh-p4ss";

    fn env() -> Env {
        Env {
            pguser: None,
            pgpassword: None,
            os_user: Some("osuser".into()),
            socket_dir: PathBuf::from("/run/postgresql"),
        }
    }

    fn parse(url: &str) -> Target {
        Target::parse_with(url, false, &env()).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn refused(url: &str) -> String {
        match Target::parse_with(url, false, &env()) {
            Err(e @ ConnectError::Usage(_)) => {
                assert_eq!(e.exit_code(), 2);
                e.to_string()
            }
            other => panic!("{url}: {other:?}"),
        }
    }

    fn tcp(h: &str) -> Host {
        Host::Tcp(h.into())
    }

    #[test]
    fn is_url_knows_both_schemes_and_nothing_else() {
        assert!(is_url("postgres://h/db"));
        assert!(is_url("postgresql:///db?host=/run/postgresql"));
        assert!(!is_url("tokens.db"));
        assert!(!is_url("/var/lib/tokens.db"));
        assert!(!is_url("postgres:/h/db"));
        assert!(!is_url("POSTGRES://h/db"));
        assert!(!is_url("file:postgres://h"));
    }

    #[test]
    fn a_full_tcp_url_is_parsed() {
        for scheme in ["postgres", "postgresql"] {
            let t = parse(&format!("{scheme}://ops@db.example.com:6543/tokens"));
            assert_eq!(t.host(), &tcp("db.example.com"));
            assert_eq!(t.port(), 6543);
            assert_eq!(t.user(), "ops");
            assert_eq!(t.dbname(), "tokens");
            assert!(!t.has_password());
            assert_eq!(t.ssl_mode(), SslMode::Prefer);
            assert_eq!(t.root_cert(), None);
            assert_eq!(t.application_name(), "tokenctl");
            assert_eq!(t.connect_timeout(), Some(DEFAULT_CONNECT_TIMEOUT));
            assert_eq!(t.to_string(), "db.example.com:6543/tokens");
        }
    }

    #[test]
    fn defaults_are_libpqs() {
        let t = parse("postgres://db.example.com");
        assert_eq!(t.port(), 5432);
        assert_eq!(t.user(), "osuser");
        assert_eq!(t.dbname(), "osuser");
        assert_eq!(t.to_string(), "db.example.com:5432/osuser");
        assert_eq!(parse("postgres://db.example.com/").dbname(), "osuser");
        assert_eq!(parse("postgres://db.example.com:/").port(), 5432);

        let with_pguser = Env {
            pguser: Some("pguser".into()),
            ..env()
        };
        let t = Target::parse_with("postgres://h/", false, &with_pguser).unwrap();
        assert_eq!((t.user(), t.dbname()), ("pguser", "pguser"));
        let t = Target::parse_with("postgres://me@h/", false, &with_pguser).unwrap();
        assert_eq!((t.user(), t.dbname()), ("me", "me"));

        // No host at all: libpq's socket directory.
        let t = parse("postgresql:///tokens");
        assert_eq!(t.host(), &Host::Socket("/run/postgresql".into()));
        assert_eq!(t.to_string(), "/run/postgresql:5432/tokens");

        let nobody = Env {
            os_user: None,
            ..env()
        };
        let e = Target::parse_with("postgres://h/db", false, &nobody).unwrap_err();
        assert!(e.to_string().contains("names no user"), "{e}");
    }

    #[test]
    fn the_libpq_socket_form_is_parsed() {
        let t = parse("postgresql:///tokens?host=/run/postgresql&port=5433&user=ops");
        assert_eq!(t.host(), &Host::Socket("/run/postgresql".into()));
        assert_eq!(t.port(), 5433);
        assert_eq!(t.user(), "ops");
        assert_eq!(t.dbname(), "tokens");
        assert_eq!(t.to_string(), "/run/postgresql:5433/tokens");

        // The host part may hold an encoded directory, as libpq allows.
        let t = parse("postgresql://%2Fvar%2Frun%2Fpostgresql:5434/db");
        assert_eq!(t.host(), &Host::Socket("/var/run/postgresql".into()));
        assert_eq!(t.to_string(), "/var/run/postgresql:5434/db");

        // dbname may come as a parameter too; host= may name a TCP host.
        let t = parse("postgresql://?host=db.internal&dbname=tokens&port=7000");
        assert_eq!(t.host(), &tcp("db.internal"));
        assert_eq!(t.to_string(), "db.internal:7000/tokens");
    }

    #[test]
    fn ipv6_addresses_go_in_brackets() {
        let t = parse("postgres://ops@[::1]:5433/db");
        assert_eq!(t.host(), &tcp("::1"));
        assert_eq!(t.port(), 5433);
        assert_eq!(t.to_string(), "[::1]:5433/db");
        let t = parse("postgres://[2001:db8::7]/db");
        assert_eq!((t.host(), t.port()), (&tcp("2001:db8::7"), 5432));
        assert_eq!(t.to_string(), "[2001:db8::7]:5432/db");

        assert!(refused("postgres://::1/db").contains("brackets"));
        assert!(refused("postgres://[::1/db").contains("closing ']'"));
        assert!(refused("postgres://[::1]x/db").contains(":PORT"));
        assert!(refused("postgres://[]/db").contains("empty IPv6"));
    }

    #[test]
    fn parts_are_percent_decoded() {
        let url = "postgres://o%40ps:p%3Ass%2Fw%C3%B6rd@db%2Dhost:5432/my%20db%2Fx?application_name=tok%26ctl";
        let env_url = Target::parse_with(url, false, &env()).unwrap();
        assert_eq!(env_url.user(), "o@ps");
        assert_eq!(
            env_url.password.as_deref().map(Vec::as_slice),
            Some("p:ss/wörd".as_bytes())
        );
        assert_eq!(env_url.host(), &tcp("db-host"));
        assert_eq!(env_url.dbname(), "my db/x");
        assert_eq!(env_url.application_name(), "tok&ctl");
        // '+' is not a space in libpq's URLs.
        assert_eq!(parse("postgres://h/a+b").dbname(), "a+b");

        assert!(refused("postgres://h/db%zz").contains("the database name"));
        assert!(refused("postgres://h/db%4").contains("two hex digits"));
        assert!(refused("postgres://h/db%00").contains("%00"));
        assert!(refused("postgres://h/%ff").contains("not UTF-8"));
        // A bad escape in a password is reported without the password.
        let m = refused("postgres://u:Sw0rd%zzf1sh@h/db");
        assert!(m.contains("the password"), "{m}");
        assert!(!m.contains("Sw0rd"), "{m}");
    }

    #[test]
    fn sslmode_and_sslrootcert() {
        assert_eq!(parse("postgres://h/db").ssl_mode(), SslMode::Prefer);
        for mode in [
            SslMode::Disable,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyFull,
        ] {
            let t = parse(&format!("postgres://h/db?sslmode={}", mode.as_str()));
            assert_eq!(t.ssl_mode(), mode);
        }
        let t = parse("postgres://h/db?sslmode=verify-full&sslrootcert=/etc/ca%20s/root.crt");
        assert_eq!(
            t.root_cert(),
            Some(&RootCert::File("/etc/ca s/root.crt".into()))
        );
        let t = parse("postgres://h/db?sslmode=require&sslrootcert=root.crt");
        assert_eq!(t.ssl_mode(), SslMode::Require);
        // A root without a mode asks for the check it exists for.
        let t = parse("postgres://h/db?sslrootcert=root.crt");
        assert_eq!(t.ssl_mode(), SslMode::VerifyFull);
        let t = parse("postgres://h/db?sslrootcert=system");
        assert_eq!(
            (t.ssl_mode(), t.root_cert()),
            (SslMode::VerifyFull, Some(&RootCert::System))
        );

        for bad in ["verify-ca", "allow", "", "REQUIRE"] {
            let m = refused(&format!("postgres://h/db?sslmode={bad}"));
            assert!(m.contains("disable, prefer, require or verify-full"), "{m}");
        }
        let m = refused("postgres://h/db?sslmode=prefer&sslrootcert=root.crt");
        assert!(m.contains("no certificate is checked"), "{m}");
        refused("postgres://h/db?sslmode=disable&sslrootcert=root.crt");
        assert!(
            refused("postgres://h/db?sslmode=require&sslrootcert=system").contains("verify-full")
        );
        assert!(refused("postgres://h/db?sslmode=verify-full&sslrootcert=").contains("empty"));
    }

    #[test]
    fn other_parameters() {
        let t = parse("postgres://h/db?connect_timeout=12&application_name=cron");
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(12)));
        assert_eq!(t.application_name(), "cron");
        assert_eq!(
            parse("postgres://h/db?connect_timeout=0").connect_timeout(),
            None
        );
        for bad in ["-1", "1.5", "+3", "soon", "99999999999"] {
            let m = refused(&format!("postgres://h/db?connect_timeout={bad}"));
            assert!(m.contains("whole number of seconds"), "{m}");
        }
        // Empty pairs are skipped, as a trailing '&' is harmless.
        assert_eq!(
            parse("postgres://h/db?&sslmode=require&").ssl_mode(),
            SslMode::Require
        );
    }

    #[test]
    fn unknown_parameters_are_errors_that_name_them() {
        for key in ["sslcert", "options", "target_session_attrs", "sslmodes"] {
            let m = refused(&format!("postgres://h/db?{key}=x"));
            assert!(m.contains(&format!("\"{key}\"")), "{m}");
            assert!(m.contains("sslmode, sslrootcert"), "{m}");
        }
        assert!(refused("postgres://h/db?sslmode").contains("KEY=VALUE"));
    }

    #[test]
    fn ambiguous_urls_are_refused() {
        assert!(refused("postgres://a,b/db").contains("several hosts"));
        assert!(refused("postgres://a:1,b:2/db").contains("several hosts"));
        assert!(refused("postgres://h/db?host=other").contains("host twice"));
        assert!(refused("postgres://h:1/db?port=2").contains("port twice"));
        assert!(refused("postgres://u@h/db?user=v").contains("user twice"));
        assert!(refused("postgres://h/db?dbname=x").contains("dbname twice"));
        assert!(refused("postgres://h/db?sslmode=require&sslmode=disable").contains("twice"));
        for port in ["0", "65536", "x", "-1", "+80"] {
            let m = refused(&format!("postgres://h:{port}/db"));
            assert!(m.contains("from 1 to 65535"), "{m}");
        }
        assert!(refused("mysql://h/db").contains("starts with postgres://"));
    }

    #[test]
    fn a_password_on_the_command_line_is_refused() {
        for url in [
            format!("postgres://ops:{PW}@h/db"),
            format!("postgresql://ops:{PW}@[::1]:5432/db?sslmode=require"),
            format!("postgresql:///db?host=/run/postgresql&password={PW}"),
        ] {
            let e = Target::parse_with(&url, true, &env()).unwrap_err();
            assert!(matches!(e, ConnectError::Usage(_)), "{e:?}");
            assert_eq!(e.exit_code(), 2);
            let m = e.to_string();
            assert!(m.contains("password") && m.contains("command line"), "{m}");
            assert!(!m.contains(PW), "{m}");
            assert!(!format!("{e:?}").contains(PW));
            // From TOKENCTL_DB the same URL is fine.
            let t = Target::parse_with(&url, false, &env()).unwrap();
            assert_eq!(
                t.password.as_deref().map(Vec::as_slice),
                Some(PW.as_bytes())
            );
        }
        // No password, or an empty one (which libpq treats as none), is
        // fine on the command line.
        for url in [
            "postgres://ops@h/db",
            "postgres://ops:@h/db",
            "postgres://h/db?password=",
        ] {
            let t = Target::parse_with(url, true, &env()).unwrap();
            assert!(!t.has_password(), "{url}");
        }
        assert!(refused(&format!("postgres://u:{PW}@h/db?password=x")).contains("twice"));
    }

    #[test]
    fn the_password_comes_from_pgpassword_unless_the_url_has_one() {
        let with = Env {
            pgpassword: Some(Zeroizing::new(b"from-env".to_vec())),
            ..env()
        };
        let t = Target::parse_with("postgres://ops@h/db", true, &with).unwrap();
        assert_eq!(
            t.password.as_deref().map(Vec::as_slice),
            Some(&b"from-env"[..])
        );
        // libpq's order: the connection string first, the environment after.
        let t = Target::parse_with("postgres://ops:from-url@h/db", false, &with).unwrap();
        assert_eq!(
            t.password.as_deref().map(Vec::as_slice),
            Some(&b"from-url"[..])
        );
        assert!(!parse("postgres://ops@h/db").has_password());
    }

    #[test]
    fn display_and_debug_never_show_the_password() {
        let with = Env {
            pgpassword: Some(Zeroizing::new(format!("{PW}-env").into_bytes())),
            ..env()
        };
        for url in [
            format!("postgres://ops:{PW}@h:1/db"),
            format!("postgres://ops@h:1/db?password={PW}"),
            "postgres://ops@h:1/db".to_string(),
        ] {
            let t = Target::parse_with(&url, false, &with).unwrap();
            assert!(t.has_password());
            assert_eq!(t.to_string(), "h:1/db");
            let debug = format!("{t:?}");
            assert!(!debug.contains(PW), "{debug}");
            assert!(debug.contains("<hidden>"), "{debug}");
            let e = classify_text(&t);
            assert!(!e.contains(PW), "{e}");
        }
    }

    /// Every kind of error built for a target, as text.
    fn classify_text(t: &Target) -> String {
        let target = t.to_string();
        let reason = "r".to_string();
        [
            ConnectError::Unreachable {
                target: target.clone(),
                reason: reason.clone(),
            },
            ConnectError::Tls {
                target: target.clone(),
                reason: reason.clone(),
            },
            ConnectError::Certificate {
                target: target.clone(),
                reason: certificate_reason(t, &CertificateError::UnknownIssuer),
            },
            ConnectError::Auth {
                target: target.clone(),
                reason: reason.clone(),
            },
            ConnectError::NoDatabase {
                target: target.clone(),
                reason: reason.clone(),
            },
            ConnectError::Server { target, reason },
        ]
        .iter()
        .map(|e| format!("{e} {e:?}\n"))
        .collect()
    }

    #[test]
    fn a_password_with_an_unencoded_slash_is_not_quoted() {
        // Misread as host "u", port "Sw0rd", path "f1sh@h/db": nothing of
        // it may appear in the message.
        for url in [
            "postgres://u:Sw0rd/f1sh@h/db",
            "postgres://u:5432/Sw0rdf1sh@h/db",
            "postgres://u:5432?Sw0rdf1sh@h/db",
            "postgres://u:5432?Sw0rd=f1sh@h/db",
        ] {
            let m = refused(url);
            assert!(!m.contains("Sw0rd") && !m.contains("f1sh"), "{url}: {m}");
        }
        // An '@' in a value, with no user info, is a user name: fine.
        let t = parse("postgresql:///db?host=/run/postgresql&user=ops@corp");
        assert_eq!(t.user(), "ops@corp");
    }

    #[test]
    fn display_escapes_control_characters() {
        let t = parse("postgres://h/a%0Ab");
        assert_eq!(t.dbname(), "a\nb");
        assert_eq!(t.to_string(), "h:5432/a\\nb");
    }

    #[test]
    fn reasons_read_as_tokenctl_messages() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert!(!io_reason(&refused).contains("os error"));
        let e = io::Error::from_raw_os_error(111);
        assert_eq!(io_reason(&e), "connection refused");
        assert_eq!(lower_first("Connection refused"), "connection refused");
        assert_eq!(lower_first("TLS failed"), "TLS failed");
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }

    // --- Fake servers on loopback: no PostgreSQL needed --------------------

    /// A listener on a free loopback port; `serve` runs on its thread.
    fn fake_server(serve: impl FnOnce(TcpListener) + Send + 'static) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || serve(listener));
        port
    }

    fn accept(listener: &TcpListener) -> TcpStream {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        let port = fake_server(|listener| {
            let mut stream = accept(&listener);
            // Read what comes and say nothing, until the client gives up
            // or the read times out.
            let mut buf = [0; 64];
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
        });
        let t = parse(&format!(
            "postgres://u@127.0.0.1:{port}/db?connect_timeout=1&sslmode=disable"
        ));
        let start = Instant::now();
        let e = failed(&t);
        let took = start.elapsed();
        assert!(matches!(e, ConnectError::Unreachable { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("cannot connect to PostgreSQL at 127.0.0.1:{port}/db: no answer within 1 s")
        );
        assert!(took >= Duration::from_millis(900), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }

    /// Answers SSLRequest with 'S' and then garbage instead of a TLS
    /// handshake; a second connection, if any, gets a FATAL error in
    /// plain text. Returns the port and how many connections came.
    fn broken_tls_server() -> (u16, mpsc::Receiver<usize>) {
        let (tx, rx) = mpsc::channel();
        let port = fake_server(move |listener| {
            let mut first = accept(&listener);
            let mut request = [0; 8];
            first.read_exact(&mut request).unwrap();
            assert_eq!(request, [0, 0, 0, 8, 4, 210, 22, 47], "an SSLRequest");
            first.write_all(b"S").unwrap();
            first
                .write_all(b"this is not a TLS server hello\n")
                .unwrap();
            drop(first);
            listener.set_nonblocking(true).unwrap();
            let deadline = Instant::now() + Duration::from_secs(2);
            let second = loop {
                match listener.accept() {
                    Ok((s, _)) => break Some(s),
                    Err(_) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(_) => break None,
                }
            };
            let Some(mut second) = second else {
                let _ = tx.send(1);
                return;
            };
            second.set_nonblocking(false).unwrap();
            second
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut len = [0; 4];
            second.read_exact(&mut len).unwrap();
            let mut startup = vec![0; u32::from_be_bytes(len) as usize - 4];
            second.read_exact(&mut startup).unwrap();
            let mut fields = Vec::new();
            for (code, text) in [
                (b'S', "FATAL"),
                (b'V', "FATAL"),
                (b'C', "28000"),
                (b'M', "plain text it is"),
            ] {
                fields.push(code);
                fields.extend_from_slice(text.as_bytes());
                fields.push(0);
            }
            fields.push(0);
            let mut message = vec![b'E'];
            message.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
            message.extend_from_slice(&fields);
            second.write_all(&message).unwrap();
            let _ = tx.send(2);
        });
        (port, rx)
    }

    #[test]
    fn prefer_falls_back_to_plain_text_when_the_tls_handshake_fails() {
        let (port, connections) = broken_tls_server();
        let t = parse(&format!("postgres://u@127.0.0.1:{port}/db"));
        let e = failed(&t);
        assert_eq!(connections.recv().unwrap(), 2);
        assert!(matches!(e, ConnectError::Auth { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("cannot connect to PostgreSQL at 127.0.0.1:{port}/db: plain text it is")
        );
    }

    #[test]
    fn require_does_not_fall_back() {
        let (port, connections) = broken_tls_server();
        let t = parse(&format!("postgres://u@127.0.0.1:{port}/db?sslmode=require"));
        let e = failed(&t);
        assert!(matches!(e, ConnectError::Tls { .. }), "{e:?}");
        assert!(
            e.to_string().starts_with(&format!(
                "cannot connect to PostgreSQL at 127.0.0.1:{port}/db: the TLS handshake failed: "
            )),
            "{e}"
        );
        assert_eq!(connections.recv().unwrap(), 1);
    }

    // --- A real server: scripts/with-postgres.sh ----------------------------

    /// The cluster that scripts/with-postgres.sh started, if any.
    struct Pg {
        dir: PathBuf,
        port: u16,
        password: Zeroizing<Vec<u8>>,
    }

    fn pg() -> Option<Pg> {
        let Some(dir) = std::env::var_os("TOKENCTL_TEST_PG") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "TOKENCTL_TEST_PG is not set: under CI, run the tests with scripts/with-postgres.sh"
            );
            // Straight to stderr, not eprintln!, which libtest captures.
            let _ = writeln!(
                io::stderr(),
                "note: skipping {}: TOKENCTL_TEST_PG is not set \
                 (run scripts/with-postgres.sh cargo test --lib postgres)",
                std::thread::current().name().unwrap_or("a PostgreSQL test")
            );
            return None;
        };
        let dir = PathBuf::from(dir);
        let read = |name: &str| std::fs::read(dir.join(name)).unwrap();
        let port = String::from_utf8(read("port"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let password = Zeroizing::new(read("password"));
        Some(Pg {
            dir,
            port,
            password,
        })
    }

    impl Pg {
        /// The URL over TCP, without a password, plus `params`.
        fn url(&self, params: &str) -> String {
            format!(
                "postgresql://tokenctl_test@127.0.0.1:{}/postgres{params}",
                self.port
            )
        }

        fn file(&self, name: &str) -> String {
            self.dir.join(name).to_str().unwrap().to_owned()
        }

        /// `url` as given with `--db`, PGPASSWORD set to the right password.
        fn target(&self, url: &str) -> Target {
            let env = Env {
                pgpassword: Some(self.password.clone()),
                ..env()
            };
            Target::parse_with(url, true, &env).unwrap()
        }

        fn target_with_password(&self, url: &str, password: &str) -> Target {
            let env = Env {
                pgpassword: Some(Zeroizing::new(password.as_bytes().to_vec())),
                ..env()
            };
            Target::parse_with(url, true, &env).unwrap()
        }
    }

    /// Whether the session is encrypted, as the server sees it.
    fn ssl(client: &mut postgres::Client) -> bool {
        client
            .query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0)
    }

    fn failed(t: &Target) -> ConnectError {
        match connect(t) {
            Ok(_) => panic!("{t}: connected"),
            Err(e) => e,
        }
    }

    fn connected(t: &Target) -> postgres::Client {
        connect(t).unwrap_or_else(|e| panic!("{t}: {e}"))
    }

    #[test]
    fn postgres_over_the_socket_with_trust() {
        let Some(pg) = pg() else { return };
        for mode in ["", "&sslmode=require", "&sslmode=verify-full"] {
            let url = format!(
                "postgresql:///postgres?host={}&port={}&user=tokenctl_test{mode}",
                pg.file("socket"),
                pg.port
            );
            let t = Target::parse_with(&url, true, &env()).unwrap();
            assert!(!t.has_password());
            let mut client = connected(&t);
            let row = client
                .query_one(
                    "SELECT current_user::text, current_setting('application_name')",
                    &[],
                )
                .unwrap();
            assert_eq!(row.get::<_, String>(0), "tokenctl_test");
            assert_eq!(row.get::<_, String>(1), "tokenctl");
            assert!(!ssl(&mut client), "TLS over a socket: {url}");
        }
    }

    #[test]
    fn postgres_over_tcp_in_every_sslmode() {
        let Some(pg) = pg() else { return };
        let root = pg.file("root.crt");
        for (params, encrypted) in [
            ("?sslmode=disable".to_string(), false),
            (String::new(), true),
            ("?sslmode=prefer".to_string(), true),
            ("?sslmode=require".to_string(), true),
            (format!("?sslmode=require&sslrootcert={root}"), true),
            (format!("?sslmode=verify-full&sslrootcert={root}"), true),
            (format!("?sslrootcert={root}"), true),
        ] {
            let t = pg.target(&pg.url(&params));
            let mut client = connected(&t);
            assert_eq!(ssl(&mut client), encrypted, "{params}");
            let one: i32 = client.query_one("SELECT 1", &[]).unwrap().get(0);
            assert_eq!(one, 1);
        }
        // The certificate names localhost too; it resolves to ::1 first
        // here, where nothing listens, and then to 127.0.0.1.
        let url = format!(
            "postgresql://tokenctl_test@localhost:{}/postgres?sslmode=verify-full&sslrootcert={root}",
            pg.port
        );
        let mut client = connected(&pg.target(&url));
        assert!(ssl(&mut client));
    }

    #[test]
    fn postgres_with_the_password_in_a_url_from_the_environment() {
        let Some(pg) = pg() else { return };
        let password = std::str::from_utf8(&pg.password).unwrap();
        let url = format!(
            "postgresql://tokenctl_test:{password}@127.0.0.1:{}/postgres?sslmode=require",
            pg.port
        );
        let t = Target::parse_with(&url, false, &env()).unwrap();
        let mut client = connected(&t);
        assert!(ssl(&mut client));
        // The same URL on the command line is refused before any connect.
        let e = Target::parse_with(&url, true, &env()).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(!e.to_string().contains(password), "{e}");
    }

    #[test]
    fn postgres_refuses_a_certificate_from_another_root() {
        let Some(pg) = pg() else { return };
        let wrong = pg.file("wrong-root.crt");
        for params in [
            format!("?sslmode=verify-full&sslrootcert={wrong}"),
            format!("?sslmode=require&sslrootcert={wrong}"),
        ] {
            let t = pg.target(&pg.url(&params));
            let e = failed(&t);
            assert!(
                matches!(e, ConnectError::Certificate { .. }),
                "{params}: {e:?}"
            );
            let m = e.to_string();
            assert!(
                m.starts_with(&format!(
                    "cannot connect to PostgreSQL at 127.0.0.1:{}/postgres: \
                     the server's certificate could not be verified: ",
                    pg.port
                )),
                "{m}"
            );
            assert!(m.contains(&wrong), "{m}");
        }
        // Nor do the system's roots vouch for the test CA.
        let t = pg.target(&pg.url("?sslmode=verify-full"));
        let e = failed(&t);
        let m = e.to_string();
        assert!(
            m.contains("could not be verified") || m.contains("no trusted root certificates"),
            "{m}"
        );
    }

    #[test]
    fn postgres_reports_an_unreadable_root_file() {
        let Some(pg) = pg() else { return };
        let missing = pg.file("no-such-root.crt");
        let t = pg.target(&pg.url(&format!("?sslmode=verify-full&sslrootcert={missing}")));
        let e = failed(&t);
        assert!(matches!(e, ConnectError::Tls { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "cannot connect to PostgreSQL at 127.0.0.1:{}/postgres: cannot read the root \
                 certificate file {missing}: no such file or directory",
                pg.port
            )
        );
        let not_pem = pg.file("port");
        let t = pg.target(&pg.url(&format!("?sslmode=verify-full&sslrootcert={not_pem}")));
        let m = failed(&t).to_string();
        assert!(m.contains("holds no PEM certificate"), "{m}");
    }

    #[test]
    fn postgres_wrong_or_missing_password() {
        let Some(pg) = pg() else { return };
        for params in ["?sslmode=disable", "?sslmode=require"] {
            let t = pg.target_with_password(&pg.url(params), PW);
            let e = failed(&t);
            assert!(matches!(e, ConnectError::Auth { .. }), "{e:?}");
            assert_eq!(e.exit_code(), 1);
            assert_eq!(
                e.to_string(),
                format!(
                    "cannot connect to PostgreSQL at 127.0.0.1:{}/postgres: \
                     password authentication failed for user \"tokenctl_test\"",
                    pg.port
                )
            );
            assert!(!format!("{e} {e:?}").contains(PW));
        }
        let t = Target::parse_with(&pg.url(""), true, &env()).unwrap();
        let e = failed(&t);
        assert!(matches!(e, ConnectError::Auth { .. }), "{e:?}");
        assert!(
            e.to_string().ends_with(
                "the server asks for a password for user \"tokenctl_test\" and none was given"
            ),
            "{e}"
        );
    }

    #[test]
    fn postgres_missing_database() {
        let Some(pg) = pg() else { return };
        let url = format!(
            "postgresql://tokenctl_test@127.0.0.1:{}/no_such_db?sslmode=require",
            pg.port
        );
        let e = failed(&pg.target(&url));
        assert!(matches!(e, ConnectError::NoDatabase { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "cannot connect to PostgreSQL at 127.0.0.1:{}/no_such_db: \
                 database \"no_such_db\" does not exist",
                pg.port
            )
        );
    }

    #[test]
    fn postgres_closed_port_and_missing_socket() {
        // A port that was free a moment ago: nothing listens there.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let t = parse(&format!(
            "postgres://u@127.0.0.1:{port}/tokens?sslmode=require"
        ));
        let e = failed(&t);
        assert!(matches!(e, ConnectError::Unreachable { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!("cannot connect to PostgreSQL at 127.0.0.1:{port}/tokens: connection refused")
        );

        let dir = std::env::temp_dir().join("tokenctl-no-such-socket-dir");
        let url = format!("postgresql:///tokens?host={}&port=5999", dir.display());
        let e = failed(&parse(&url));
        assert!(matches!(e, ConnectError::Unreachable { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "cannot connect to PostgreSQL at {}:5999/tokens: no such file or directory",
                dir.display()
            )
        );
    }
}
