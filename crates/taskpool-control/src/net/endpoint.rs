use std::fmt;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::PathBuf;

/// Where a control server listens, as its [`ControlHandle`](crate::ControlHandle)
/// reports it.
///
/// Its `Display` form is the arguments `taskpool-ctl` takes to connect:
///
/// ```
/// use taskpool_control::Endpoint;
///
/// let tcp = Endpoint::Tcp("127.0.0.1:4000".parse().unwrap());
/// assert_eq!(tcp.to_string(), "tcp 127.0.0.1 4000");
/// # #[cfg(unix)]
/// assert_eq!(Endpoint::Unix("/run/app.sock".into()).to_string(), "unix /run/app.sock");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Endpoint {
    /// A TCP address; with its actual port when port 0 was asked for.
    Tcp(SocketAddr),
    /// The path of a Unix socket.
    #[cfg(unix)]
    Unix(PathBuf),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Tcp(addr) => write!(f, "tcp {} {}", addr.ip(), addr.port()),
            #[cfg(unix)]
            Endpoint::Unix(path) => write!(f, "unix {}", path.display()),
        }
    }
}
