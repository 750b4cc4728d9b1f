use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::{ClientConfig, RootCertStore};

use super::{crypto_provider, pem, TlsSetupError};

/// Which certificate authorities a client trusts when it connects to a
/// control server over TLS ([`ControlClient::connect_tls`](crate::ControlClient::connect_tls)):
/// a CA file of the operator's, or the system's trusted roots.
///
/// ```
/// use taskpool_protocol::tls::ClientTls;
///
/// let err = ClientTls::from_ca_pem(b"not a certificate", "--ca").unwrap_err();
/// assert_eq!(err.to_string(), "--ca holds no certificate (no BEGIN CERTIFICATE block)");
/// ```
#[derive(Clone)]
pub struct ClientTls {
    config: Arc<ClientConfig>,
}

impl ClientTls {
    /// Trusts the certificates in the PEM file at `path` (a private CA, or
    /// the server's own self-signed certificate).
    ///
    /// # Errors
    ///
    /// When the file cannot be read or holds no usable certificate.
    pub fn from_ca_file(path: impl AsRef<Path>) -> Result<Self, TlsSetupError> {
        let path = path.as_ref();
        let certificates = pem::certificates_file(path, "the CA certificates")?;
        ClientTls::trusting(certificates, &format!("the CA certificates {}", path.display()))
    }

    /// Trusts the certificates in `pem_text`; `what` names them in errors.
    ///
    /// # Errors
    ///
    /// When the text holds no usable certificate.
    pub fn from_ca_pem(pem_text: &[u8], what: &str) -> Result<Self, TlsSetupError> {
        ClientTls::trusting(pem::certificates(pem_text, what)?, what)
    }

    /// Trusts the roots of the operating system's certificate store.
    ///
    /// # Errors
    ///
    /// When the store holds no usable certificate.
    pub fn system_roots() -> Result<Self, TlsSetupError> {
        let found = rustls_native_certs::load_native_certs();
        if found.certs.is_empty() {
            let why = found.errors.first().map_or_else(|| "none found".to_owned(), ToString::to_string);
            return Err(TlsSetupError::plain(format!(
                "cannot load the system's trusted certificates ({why}); pass a CA file instead"
            )));
        }
        ClientTls::trusting(found.certs, "the system's trusted certificates")
    }

    fn trusting(
        certificates: Vec<rustls::pki_types::CertificateDer<'static>>,
        what: &str,
    ) -> Result<Self, TlsSetupError> {
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(certificates);
        if added == 0 {
            return Err(TlsSetupError::plain(format!("{what}: no certificate is usable as a trust anchor")));
        }
        let config = ClientConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::new("the TLS provider", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(ClientTls { config: Arc::new(config) })
    }

    pub(crate) fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(Arc::clone(&self.config))
    }
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls").finish_non_exhaustive()
    }
}
