//! The remote listener's certificate: the one `tls_cert`/`tls_key` name, or a self-signed one
//! made at the first start and kept under `<home>/tls/` (so its fingerprint stays the same
//! across restarts, and a client pinned to it keeps working).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::{Config, DaemonError, Home};

/// A certificate chain and its key, PEM, and the first certificate's SHA-256.
pub struct TlsIdentity {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    pub fingerprint: String,
    /// Where the certificate was read from.
    pub cert_path: PathBuf,
}

/// ring as this process's rustls provider, for the clients that take the process default
/// (reqwest under oci-client, ureq for https plugin downloads). Idempotent.
pub fn install_default_provider() {
    #[allow(deprecated)] // ring lacks post-quantum key exchange; aws-lc is kept out of the build.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

const CERT_FILE: &str = "devnetd.crt";
const KEY_FILE: &str = "devnetd.key";

/// The configured certificate, or the home's self-signed one (made now if there is none).
pub fn identity(home: &Home, config: &Config, listen: SocketAddr) -> Result<TlsIdentity, DaemonError> {
    let (cert_path, key_path) = if config.tls_cert.is_empty() {
        let dir = home.root().join("tls");
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        if !cert.exists() || !key.exists() {
            if cert.exists() || key.exists() {
                tracing::warn!(
                    "{} or {} is missing: making a new self-signed pair, with a new fingerprint (clients pinned to the old one must be given it)",
                    cert.display(),
                    key.display()
                );
            }
            make_self_signed(&dir, &cert, &key, listen)?;
        }
        (cert, key)
    } else {
        (PathBuf::from(&config.tls_cert), PathBuf::from(&config.tls_key))
    };
    let read = |p: &Path, what: &str| {
        std::fs::read(p).map_err(|e| {
            DaemonError::InvalidArgument(format!(
                "reading the remote listener's {what} {}: {e} (tls_cert and tls_key in devnetd.toml name PEM files; leave both empty for a self-signed certificate)",
                p.display()
            ))
        })
    };
    let cert_pem = read(&cert_path, "certificate")?;
    let key_pem = read(&key_path, "key")?;
    let fingerprint = devnet_api::remote::fingerprint_of_pem(&cert_pem)
        .map_err(|e| DaemonError::InvalidArgument(format!("{}: {e}", cert_path.display())))?;
    Ok(TlsIdentity {
        cert_pem,
        key_pem,
        fingerprint,
        cert_path,
    })
}

/// A self-signed certificate naming `localhost`, the loopback addresses, this machine's host
/// name and the listen address, with a new P-256 key (0600) in `dir` (0700).
fn make_self_signed(dir: &Path, cert: &Path, key: &Path, listen: SocketAddr) -> Result<(), DaemonError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    if let Ok(h) = nix::unistd::gethostname()
        && let Some(h) = h.to_str()
        && !h.is_empty()
    {
        names.push(h.to_string());
    }
    if !listen.ip().is_unspecified() {
        names.push(listen.ip().to_string());
    }
    names.dedup();
    let made = rcgen::generate_simple_self_signed(names)
        .map_err(|e| DaemonError::Internal(format!("making the remote listener's certificate: {e}")))?;
    std::fs::create_dir_all(dir).map_err(DaemonError::io(format!("creating {}", dir.display())))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(DaemonError::io(format!("making {} private", dir.display())))?;
    // The key first: a certificate without its key would be a half-made pair.
    // Both owner-only (the certificate is the owner's to hand out), each through a temporary
    // file and a rename.
    let write = |path: &Path, bytes: &[u8]| {
        devnet_keyring::write_private(path, bytes)
            .map_err(|e| DaemonError::Internal(format!("writing {}: {e}", path.display())))
    };
    write(key, made.signing_key.serialize_pem().as_bytes())?;
    write(cert, made.cert.pem().as_bytes())?;
    tracing::info!(certificate = %cert.display(), "made a self-signed certificate for the remote listener");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_self_signed_certificate_should_be_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let home = Home::at(dir.path());
        let listen: SocketAddr = "127.0.0.1:7443".parse().unwrap();
        let first = identity(&home, &Config::default(), listen).unwrap();
        let again = identity(&home, &Config::default(), listen).unwrap();
        assert_eq!(
            first.fingerprint, again.fingerprint,
            "the second start reuses the certificate"
        );
        assert_eq!(first.fingerprint.len(), 64);
        use std::os::unix::fs::PermissionsExt as _;
        let key = std::fs::metadata(dir.path().join("tls").join(KEY_FILE)).unwrap();
        assert_eq!(key.permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn a_configured_certificate_that_is_missing_should_be_named() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            tls_cert: "/nonexistent/c.pem".into(),
            tls_key: "/nonexistent/k.pem".into(),
            ..Config::default()
        };
        let e = identity(&Home::at(dir.path()), &config, "127.0.0.1:1".parse().unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("/nonexistent/c.pem") && e.contains("tls_cert"), "{e}");
    }
}
