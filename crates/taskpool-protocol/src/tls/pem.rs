//! Certificates and private keys from PEM text, as `openssl` and most
//! certificate tools write them.

use std::path::Path;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::TlsSetupError;

/// Every certificate in the PEM file at `path`, in order (for a server, its
/// own certificate first, then the intermediates).
///
/// # Errors
///
/// When the file cannot be read, holds a malformed certificate, or holds
/// none; the message says which file and which of these.
///
/// ```
/// let err = taskpool_protocol::tls::pem::certificates_file("/no/such.pem", "the certificate").unwrap_err();
/// assert!(err.to_string().starts_with("cannot read the certificate /no/such.pem"), "{err}");
/// ```
pub fn certificates_file(
    path: impl AsRef<Path>,
    what: &str,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| TlsSetupError::new(format!("cannot read {what} {}", path.display()), e))?;
    certificates(&bytes, &format!("{what} {}", path.display()))
}

/// Every certificate in `pem`; `what` names it in errors.
///
/// # Errors
///
/// As [`certificates_file`], but for reading.
pub fn certificates(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsSetupError::new(format!("{what} is not valid PEM"), e))?;
    if certificates.is_empty() {
        return Err(TlsSetupError::plain(format!(
            "{what} holds no certificate (no BEGIN CERTIFICATE block)"
        )));
    }
    Ok(certificates)
}

/// The private key in the PEM file at `path` (PKCS#8, PKCS#1 or SEC1).
///
/// # Errors
///
/// When the file cannot be read or holds no private key.
pub fn private_key_file(path: impl AsRef<Path>) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| TlsSetupError::new(format!("cannot read the private key {}", path.display()), e))?;
    private_key(&bytes, &format!("the private key {}", path.display()))
}

/// The private key in `pem`; `what` names it in errors.
///
/// # Errors
///
/// When `pem` holds no private key.
pub fn private_key(pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| match e {
        rustls::pki_types::pem::Error::NoItemsFound => {
            TlsSetupError::plain(format!("{what} holds no private key (no BEGIN PRIVATE KEY block)"))
        }
        e => TlsSetupError::new(format!("{what} is not valid PEM"), e),
    })
}
