use std::error::Error;
use std::fmt;

/// Why TLS could not be set up: a certificate, key or CA that could not be
/// read, or that rustls refused. The message names the file (or what was
/// being read) and what was wrong with it.
///
/// ```
/// use taskpool_protocol::tls::ClientTls;
///
/// let err = ClientTls::from_ca_file("/no/such/ca.pem").unwrap_err();
/// assert!(err.to_string().starts_with("cannot read the CA certificates /no/such/ca.pem"), "{err}");
/// ```
#[derive(Debug)]
pub struct TlsSetupError {
    what: String,
    source: Option<Box<dyn Error + Send + Sync>>,
}

impl TlsSetupError {
    /// An error about `what`, caused by `source`.
    pub fn new(what: impl Into<String>, source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        TlsSetupError { what: what.into(), source: Some(source.into()) }
    }

    /// An error about `what`, with no cause beyond it.
    pub fn plain(what: impl Into<String>) -> Self {
        TlsSetupError { what: what.into(), source: None }
    }
}

impl fmt::Display for TlsSetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            // The cause is part of the message: callers print one line.
            Some(source) => write!(f, "{}: {source}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl Error for TlsSetupError {}
