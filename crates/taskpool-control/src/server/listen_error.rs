use std::error::Error;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Why a control server could not start listening.
///
/// ```
/// use taskpool_control::{ControlServer, ListenError};
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = ControlServer::builder(TaskPool::new()).allow_unauthenticated_loopback(true).build();
/// // Without an access token, only loopback addresses are allowed, and only when allowed.
/// let err = server.listen_tcp("0.0.0.0:0").await.unwrap_err();
/// assert!(matches!(err, ListenError::RemoteWithoutToken { .. }));
/// assert_eq!(
///     err.to_string(),
///     "refusing to listen on 0.0.0.0:0 without an access token: only loopback addresses \
///      are allowed without one (set ControlServerBuilder::token)"
/// );
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ListenError {
    /// No access token is configured, and listening on loopback TCP
    /// without one was not allowed
    /// ([`ControlServerBuilder::allow_unauthenticated_loopback`](crate::ControlServerBuilder::allow_unauthenticated_loopback)).
    TokenRequired {
        /// The address that was refused.
        addr: SocketAddr,
    },
    /// The TCP address is not a loopback address and no access token is
    /// configured.
    RemoteWithoutToken {
        /// The address that was refused.
        addr: SocketAddr,
    },
    /// The TCP address is not a loopback address and TLS is not set up
    /// ([`ControlServerBuilder::tls`](crate::ControlServerBuilder::tls)):
    /// the token, and every command, would cross the network in clear
    /// text.
    RemoteWithoutTls {
        /// The address that was refused.
        addr: SocketAddr,
    },
    /// A server already listens on the Unix socket path.
    SocketInUse {
        /// The path.
        path: PathBuf,
    },
    /// Something other than a socket exists at the Unix socket path; it is
    /// left alone.
    NotASocket {
        /// The path.
        path: PathBuf,
    },
    /// An I/O error while resolving, binding or preparing the socket.
    Io {
        /// What was being done, e.g. `binding 127.0.0.1:4000`.
        action: String,
        /// The error.
        source: io::Error,
    },
}

impl ListenError {
    pub(crate) fn io(action: impl Into<String>, source: io::Error) -> Self {
        ListenError::Io { action: action.into(), source }
    }
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenError::TokenRequired { addr } => write!(
                f,
                "refusing to listen on {addr} without an access token: every local user could control \
                 the pool (set ControlServerBuilder::token, or allow_unauthenticated_loopback(true))"
            ),
            ListenError::RemoteWithoutToken { addr } => write!(
                f,
                "refusing to listen on {addr} without an access token: only loopback addresses are \
                 allowed without one (set ControlServerBuilder::token)"
            ),
            ListenError::RemoteWithoutTls { addr } => write!(
                f,
                "refusing to listen on {addr} without TLS: beyond loopback, the token and every command \
                 would travel in clear text (set ControlServerBuilder::tls)"
            ),
            ListenError::SocketInUse { path } => {
                write!(f, "a server already listens on {}", path.display())
            }
            ListenError::NotASocket { path } => {
                write!(f, "{} exists and is not a socket; not replacing it", path.display())
            }
            ListenError::Io { action, source } => write!(f, "{action}: {source}"),
        }
    }
}

impl Error for ListenError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ListenError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
