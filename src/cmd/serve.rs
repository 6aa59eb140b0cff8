//! `tokenctl serve`: checks the addresses and listens on them, naming the
//! flag at fault, then hands over to the HTTP server.

use super::Ctx;
use crate::cli::ServeArgs;
use crate::core::error::{Error, Result};

/// Serves until SIGTERM or SIGINT; exit 0 once the requests in flight are
/// done.
pub fn run(ctx: &mut Ctx, args: &ServeArgs) -> Result<u8> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some((c.clone(), k.clone())),
        _ => None,
    };
    if tls.is_none() && !args.listen.ip().is_loopback() && !args.allow_plain_http {
        return Err(Error::Usage(format!(
            "refusing plain HTTP on {}, which is not loopback: tokens would cross the network in clear; \
             give --tls-cert and --tls-key, or --allow-plain-http when a proxy in front terminates TLS",
            args.listen
        )));
    }
    let target = ctx.target()?;
    let listen = bind(args.listen, "--listen")?;
    let metrics = args
        .metrics_listen
        .map(|a| bind(a, "--metrics-listen"))
        .transpose()?;
    crate::serve::run(crate::serve::Config {
        listen,
        metrics_listen: metrics,
        tls,
        target,
    })?;
    Ok(0)
}

/// A socket listening on `addr`, which `flag` gave.
fn bind(addr: std::net::SocketAddr, flag: &str) -> Result<std::net::TcpListener> {
    std::net::TcpListener::bind(addr).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                format!("another program listens there; stop it, or give {flag} another port")
            }
            std::io::ErrorKind::PermissionDenied => {
                format!("ports below 1024 need privileges; give {flag} a port of 1024 or above")
            }
            std::io::ErrorKind::AddrNotAvailable => {
                format!("no interface of this machine has that address; check {flag}")
            }
            _ => e.to_string(),
        };
        crate::core::error::runtime(format!("cannot listen on {addr}: {what}"))
    })
}
