use std::error::Error;
use std::fmt;
use std::io;

use crate::RemoteError;

/// Why a [`ControlClient`](crate::ControlClient) call failed.
///
/// Its `Display` does not repeat its [`source`](Error::source): print the
/// chain (as `anyhow`'s `{:#}` does) to see the server's or the system's
/// words for [`Io`](ClientError::Io) and [`Handshake`](ClientError::Handshake).
///
/// ```
/// use taskpool_protocol::{ClientError, ErrorKind, RemoteError};
///
/// let err = ClientError::Remote(RemoteError::new(ErrorKind::ReadOnly, "read-only server"));
/// assert_eq!(err.remote().unwrap().kind(), "read_only");
/// assert_eq!(err.to_string(), "read-only server");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// Connecting, reading or writing failed.
    Io(io::Error),
    /// The TLS handshake failed: the server's certificate is not trusted
    /// or names another server, or the server does not speak TLS. The
    /// source says which.
    Tls(io::Error),
    /// The server closed the connection.
    Closed,
    /// The server refused the session: `unauthorized`,
    /// `too_many_sessions`, `unsupported_version`, ...
    Handshake(RemoteError),
    /// The server refused or failed the command; the session goes on.
    Remote(RemoteError),
    /// The server sent something that is not a valid response.
    Protocol(String),
    /// An earlier call was cancelled while its request was half written,
    /// so the connection cannot be trusted any more; connect again.
    Broken,
}

impl ClientError {
    /// The server's error, for [`Handshake`](ClientError::Handshake) and
    /// [`Remote`](ClientError::Remote).
    pub fn remote(&self) -> Option<&RemoteError> {
        match self {
            ClientError::Handshake(e) | ClientError::Remote(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(_) => f.write_str("connection error"),
            ClientError::Tls(_) => f.write_str("the TLS handshake failed"),
            ClientError::Closed => f.write_str("the server closed the connection"),
            ClientError::Handshake(_) => f.write_str("the server refused the session"),
            ClientError::Remote(e) => write!(f, "{e}"),
            ClientError::Protocol(what) => write!(f, "bad response from the server: {what}"),
            ClientError::Broken => {
                f.write_str("the connection is unusable after a cancelled request; connect again")
            }
        }
    }
}

impl Error for ClientError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ClientError::Io(e) | ClientError::Tls(e) => Some(e),
            ClientError::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        ClientError::Io(e)
    }
}
