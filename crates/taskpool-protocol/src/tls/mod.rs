//! TLS for TCP connections, with rustls and its ring provider: the client's
//! trust settings ([`ClientTls`]), reading certificates and keys from PEM
//! ([`pem`]), and the error that names what was wrong with them
//! ([`TlsSetupError`]). The server's side, built on the same pieces, is
//! `ServerTls` in the `taskpool-control` crate.

mod client_tls;
pub mod pem;
mod tls_setup_error;

pub use client_tls::ClientTls;
pub use tls_setup_error::TlsSetupError;

/// The one crypto provider both sides use, named rather than taken from the
/// process default, which is ambiguous when another crate in the program
/// enables a second provider.
pub fn crypto_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}
