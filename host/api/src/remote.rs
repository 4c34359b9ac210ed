//! Reaching a devnetd over its remote listener: TLS (rustls on ring) to `https://host:port`,
//! the daemon's certificate trusted by its SHA-256 fingerprint, by a CA file, or by the system's
//! roots, and a bearer token on every call.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest as _, Sha256};

/// How the client decides that the certificate it is shown is the daemon's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// The SHA-256 of the daemon's certificate (DER), as `dvb daemon status` prints it; the
    /// name in the URL is not checked (a self-signed certificate names what it was made for).
    Fingerprint([u8; 32]),
    /// A CA certificate file (PEM) that signed the daemon's; the URL's host must be named in it.
    CaFile(PathBuf),
    /// The system's trusted roots (a certificate from a public or company CA).
    System,
}

impl Trust {
    /// A fingerprint as printed (hex, with or without `:` between bytes, any case, optionally
    /// prefixed `sha256:`).
    pub fn fingerprint(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let t = t
            .strip_prefix("sha256:")
            .or_else(|| t.strip_prefix("SHA256:"))
            .unwrap_or(t);
        let hex_digits: String = t.chars().filter(|c| *c != ':').collect();
        let bytes = hex::decode(&hex_digits).map_err(|_| {
            format!("fingerprint {text:?} is not hex: give the 64 hex digits `dvb daemon status` shows on the daemon's machine")
        })?;
        let pin: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "fingerprint {text:?} is {} bytes; a SHA-256 fingerprint is 32 (64 hex digits, as `dvb daemon status` shows)",
                b.len()
            )
        })?;
        Ok(Trust::Fingerprint(pin))
    }
}

/// Where a remote daemon is and how to trust it.
#[derive(Clone)]
pub struct Remote {
    /// `https://host:port`.
    pub url: String,
    pub token: Option<String>,
    pub trust: Trust,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "(hidden)"))
            .field("trust", &self.trust)
            .finish()
    }
}

/// An authority (`host`, `host:port`, `[v6]:port`, or a bare IPv6 address) as its host, IPv6
/// brackets taken off, and the text of its port when it has one. One reading of `host:port` for
/// every place that takes one (this client's URL, registries, the daemon's fetch checks).
pub fn split_authority(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => (rest, None),
        };
    }
    match authority.split_once(':') {
        // Exactly one colon: host and port; more is a bare IPv6 address.
        Some((host, port)) if !port.contains(':') => (host, Some(port)),
        _ => (authority, None),
    }
}

/// `https://host[:port][/]` as (host, port); anything else refused saying what to give.
pub fn parse_url(url: &str) -> Result<(String, u16), String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Err(if url.starts_with("http://") {
            format!("{url}: the remote API is served over TLS only; use https://")
        } else {
            format!("{url}: give the daemon's remote listener as https://host:port (its `listen` in devnetd.toml)")
        });
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') || authority.contains('@') {
        return Err(format!("{url}: give https://host:port, with no path"));
    }
    let (host, port) = split_authority(authority);
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("{url}: port {p:?} is not a number from 1 to 65535"))?,
        None => 443,
    };
    if host.is_empty() {
        return Err(format!("{url}: no host"));
    }
    Ok((host.to_string(), port))
}

/// The SHA-256 (hex) of a certificate's DER bytes: what `--fingerprint` pins.
pub fn fingerprint_of(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// The fingerprint of the first certificate in a PEM file's text.
pub fn fingerprint_of_pem(pem: &[u8]) -> Result<String, String> {
    let first = CertificateDer::pem_slice_iter(pem)
        .next()
        .ok_or_else(|| "no certificate (-----BEGIN CERTIFICATE-----) in it".to_string())?
        .map_err(|e| format!("not a PEM certificate: {e}"))?;
    Ok(fingerprint_of(first.as_ref()))
}

/// ring's provider: rustls marks it deprecated for lacking post-quantum key exchange, which
/// only aws-lc has; aws-lc is what this build keeps out (slow to build here, and not needed for
/// a devnet host's API).
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for `trust`, speaking HTTP/2 (ALPN `h2`).
pub fn client_config(trust: &Trust) -> Result<rustls::ClientConfig, String> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?;
    let mut config = match trust {
        Trust::Fingerprint(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned { pin: *pin, provider }))
            .with_no_client_auth(),
        Trust::CaFile(path) => {
            let pem = std::fs::read(path).map_err(|e| format!("reading the CA certificate {}: {e}", path.display()))?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|e| format!("{}: not a PEM certificate: {e}", path.display()))?;
                roots
                    .add(cert)
                    .map_err(|e| format!("{}: a certificate rustls cannot use as a root: {e}", path.display()))?;
            }
            if roots.is_empty() {
                return Err(format!("{}: no certificate in it (PEM expected)", path.display()));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::System => builder
            .with_root_certificates(
                system_roots().map_err(|e| format!("{e}, and neither --fingerprint nor --ca-cert was given"))?,
            )
            .with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(config)
}

/// The system's trusted roots (rustls-native-certs: `SSL_CERT_FILE`/`SSL_CERT_DIR` when set,
/// else the distribution's bundle).
fn system_roots() -> Result<rustls::RootCertStore, String> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = rustls::RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(
            "the system has no trusted root certificates (install ca-certificates, or set SSL_CERT_FILE)".into(),
        );
    }
    Ok(roots)
}

/// A client configuration for HTTPS downloads (HTTP/1.1) trusting the system's roots: how the
/// daemon fetches `https://` plugins.
pub fn https_client_config() -> Result<rustls::ClientConfig, String> {
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(system_roots()?)
        .with_no_client_auth())
}

/// Accepts exactly the certificate whose SHA-256 is `pin`, and checks that the server holds
/// its key (the handshake signature), as any verifier must.
#[derive(Debug)]
struct Pinned {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if got == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General(format!(
                "the daemon's certificate has fingerprint {}, not the {} given: check --fingerprint against `dvb daemon status` on the daemon's machine",
                hex::encode(got),
                hex::encode(self.pin)
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_should_be_https_host_and_port() {
        assert_eq!(parse_url("https://127.0.0.1:7443").unwrap(), ("127.0.0.1".into(), 7443));
        assert_eq!(
            parse_url("https://devnets.example/").unwrap(),
            ("devnets.example".into(), 443)
        );
        assert_eq!(parse_url("https://[::1]:7443").unwrap(), ("::1".into(), 7443));
        assert!(parse_url("http://127.0.0.1:7443").unwrap_err().contains("TLS only"));
        assert!(parse_url("127.0.0.1:7443").unwrap_err().contains("https://host:port"));
        assert!(parse_url("https://h:x").unwrap_err().contains("port"));
        assert!(parse_url("https://h:0").unwrap_err().contains("1 to 65535"));
        assert_eq!(split_authority("[::1]:5000"), ("::1", Some("5000")));
        assert_eq!(split_authority("::1"), ("::1", None));
        assert_eq!(split_authority("r.example"), ("r.example", None));
        assert!(parse_url("https://h:1/api").unwrap_err().contains("no path"));
    }

    #[test]
    fn fingerprints_should_parse_as_printed_and_refuse_the_wrong_length() {
        let hex64 = "ab".repeat(32);
        assert_eq!(Trust::fingerprint(&hex64).unwrap(), Trust::Fingerprint([0xab; 32]));
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(
            Trust::fingerprint(&format!("sha256:{colons}")).unwrap(),
            Trust::Fingerprint([0xab; 32])
        );
        assert!(Trust::fingerprint("abcd").unwrap_err().contains("2 bytes"));
        assert!(Trust::fingerprint("zz").unwrap_err().contains("not hex"));
    }
}
