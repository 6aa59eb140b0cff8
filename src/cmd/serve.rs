//! `tokenctl serve`: checks the addresses and opens the database, then
//! hands over to the HTTP server.

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
    crate::serve::run(crate::serve::Config {
        listen: args.listen,
        metrics_listen: args.metrics_listen,
        tls,
        target: ctx.target()?,
    })?;
    Ok(0)
}
