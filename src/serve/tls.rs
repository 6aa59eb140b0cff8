//! HTTPS for `serve`: rustls with the certificate chain and key given, ALPN
//! offering HTTP/2 and HTTP/1.1. The key file must belong to this user or
//! root and be writable by nobody else and readable by no one outside its
//! group, as ssh demands of its keys.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use crate::core::error::{Error, Result, runtime};

/// The TLS acceptor for this certificate and key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<tokio_rustls::TlsAcceptor> {
    check_key_file(key)?;
    let certs = rustls_pemfile::certs(&mut read(cert, "certificate")?.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            runtime(format!(
                "cannot read certificates from {} ({e})",
                cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Error::Usage(format!(
            "{} holds no PEM certificate",
            cert.display()
        )));
    }
    let key_pem = zeroize::Zeroizing::new(read(key, "key")?);
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| runtime(format!("cannot read the key in {} ({e})", key.display())))?
        .ok_or_else(|| Error::Usage(format!("{} holds no PEM private key", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| runtime(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| {
            Error::Usage(format!(
                "{} and {} do not make a certificate and its key ({e})",
                cert.display(),
                key.display()
            ))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        runtime(format!(
            "cannot read the TLS {what} {} ({e})",
            path.display()
        ))
    })
}

/// A private key is refused when anybody but its owner could have changed
/// it, or anybody outside its group can read it.
fn check_key_file(path: &Path) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| runtime(format!("cannot read the TLS key {} ({e})", path.display())))?;
    if !meta.is_file() {
        return Err(Error::Usage(format!("{} is not a file", path.display())));
    }
    let me = rustix::process::geteuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(runtime(format!(
            "refusing the TLS key {}: it belongs to uid {}, not to this user or root",
            path.display(),
            meta.uid()
        )));
    }
    if meta.mode() & 0o026 != 0 {
        return Err(runtime(format!(
            "refusing the TLS key {}: its mode {:o} lets others read or change it; chmod 600 it",
            path.display(),
            meta.mode() & 0o7777
        )));
    }
    Ok(())
}
