//! TLS for the PostgreSQL connection, in pure Rust (rustls with ring; no
//! OpenSSL), with libpq's `sslmode` and `sslrootcert`:
//!
//! | `sslmode`     | encrypted            | certificate checked                       |
//! |---------------|----------------------|-------------------------------------------|
//! | `disable`     | no                   | –                                         |
//! | `prefer`      | when the server can  | no (as libpq: encryption only)            |
//! | `require`     | yes                  | chain to a trusted root, and the host name |
//! | `verify-ca`   | yes                  | chain to a trusted root                   |
//! | `verify-full` | yes                  | chain to a trusted root, and the host name |
//!
//! `require` verifies, unlike libpq's: a ledger guards money, and an
//! unverified connection can be intercepted. Trusted roots: the PEM file
//! `sslrootcert=PATH` (or `PGSSLROOTCERT`), else `~/.postgresql/root.crt`
//! where it exists, else the system's store (`sslrootcert=system` too).

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// libpq's `sslmode` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(text: &str) -> Result<SslMode, String> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            // libpq's `allow` tries without TLS first; there is no reason
            // for a ledger to prefer that.
            other => {
                return Err(format!(
                    "sslmode `{other}` is not one of disable, prefer, require, verify-ca, verify-full"
                ));
            }
        })
    }

    /// The driver's mode: whether TLS is tried, and whether it must be.
    pub fn driver(self) -> tokio_postgres::config::SslMode {
        match self {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            _ => tokio_postgres::config::SslMode::Require,
        }
    }
}

/// Checks certificates as `sslmode` says.
#[derive(Debug)]
struct Verifier {
    /// `None`: accept any certificate (`prefer`).
    inner: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(inner) = &self.inner else {
            return Ok(ServerCertVerified::assertion());
        };
        match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Where trusted roots come from.
fn roots(rootcert: Option<&str>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    let home = std::env::var_os("HOME").map(|h| Path::new(&h).join(".postgresql/root.crt"));
    let file = match rootcert {
        Some("system") => None,
        Some(p) => Some(Path::new(p).to_path_buf()),
        None => home.filter(|p| p.is_file()),
    };
    match file {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&path)
                .and_then(|i| i.collect())
                .map_err(|e| {
                    format!(
                        "sslrootcert {}: not a readable PEM file of certificates ({e})",
                        path.display()
                    )
                })?;
            if certs.is_empty() {
                return Err(format!(
                    "sslrootcert {}: holds no certificate (a PEM file with BEGIN CERTIFICATE blocks)",
                    path.display()
                ));
            }
            for c in certs {
                store
                    .add(c)
                    .map_err(|e| format!("sslrootcert {}: {e}", path.display()))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(
                    "no trusted root certificates on this system; give the server's CA with sslrootcert=PATH"
                        .into(),
                );
            }
        }
    }
    Ok(store)
}

/// The rustls client configuration for `mode`.
pub fn client_config(mode: SslMode, rootcert: Option<&str>) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inner = match mode {
        SslMode::Disable | SslMode::Prefer => None,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Some(
            WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots(rootcert)?),
                provider.clone(),
            )
            .build()
            .map_err(|e| format!("TLS: {e}"))?,
        ),
    };
    let verifier = Verifier {
        inner,
        check_name: mode != SslMode::VerifyCa,
        provider: provider.clone(),
    };
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}
