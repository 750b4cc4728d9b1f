use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use taskpool_protocol::tls::{crypto_provider, pem, TlsSetupError};
use tokio_rustls::TlsAcceptor;

/// The certificate and private key a control server presents on its TCP
/// listeners, which then speak only TLS (rustls, TLS 1.2 and 1.3). Set
/// with [`ControlServerBuilder::tls`](crate::ControlServerBuilder::tls).
///
/// ```no_run
/// use taskpool_control::{ControlServer, ServerTls};
/// use tokio_taskpool::TaskPool;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let tls = ServerTls::from_pem_files("/etc/app/control.crt", "/etc/app/control.key")?;
/// let server = ControlServer::builder(TaskPool::new()).token("0123456789abcdef0123").tls(tls).build();
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ServerTls {
    acceptor: TlsAcceptor,
}

impl ServerTls {
    /// Reads the certificate chain (the server's certificate first) and
    /// its private key from PEM files.
    ///
    /// # Errors
    ///
    /// When a file cannot be read, holds no certificate or no key, or the
    /// key does not fit the certificate; the message names the file.
    pub fn from_pem_files(
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsSetupError> {
        let certificates = pem::certificates_file(certificate, "the certificate")?;
        let key = pem::private_key_file(key)?;
        ServerTls::new(certificates, key)
    }

    /// As [`from_pem_files`](Self::from_pem_files), from PEM text.
    ///
    /// # Errors
    ///
    /// As [`from_pem_files`](Self::from_pem_files).
    pub fn from_pem(certificate: &[u8], key: &[u8]) -> Result<Self, TlsSetupError> {
        let certificates = pem::certificates(certificate, "the certificate")?;
        let key = pem::private_key(key, "the private key")?;
        ServerTls::new(certificates, key)
    }

    fn new(
        certificates: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Self, TlsSetupError> {
        let config = ServerConfig::builder_with_provider(crypto_provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::new("the TLS provider", e))?
            .with_no_client_auth()
            .with_single_cert(certificates, key)
            .map_err(|e| TlsSetupError::new("the certificate and key do not make a TLS identity", e))?;
        Ok(ServerTls { acceptor: TlsAcceptor::from(Arc::new(config)) })
    }

    pub(crate) fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}
