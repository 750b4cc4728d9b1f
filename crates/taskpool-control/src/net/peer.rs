use std::fmt;
use std::net::{IpAddr, SocketAddr};

#[cfg(unix)]
use tokio::net::UnixStream;

/// Who is on the other side of a session, for the audit log.
#[derive(Clone, Debug)]
pub(crate) enum Peer {
    Tcp(SocketAddr),
    /// The peer's credentials, when the platform tells them.
    Unix {
        uid: Option<u32>,
        pid: Option<i32>,
    },
}

/// Where a peer comes from, as far as failed logins are counted: its IP
/// address (not the port, which a client picks anew for each connection),
/// or the local user of a Unix socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Origin {
    Ip(IpAddr),
    LocalUser(Option<u32>),
}

impl Peer {
    pub(crate) fn origin(&self) -> Origin {
        match self {
            Peer::Tcp(addr) => Origin::Ip(addr.ip()),
            Peer::Unix { uid, .. } => Origin::LocalUser(*uid),
        }
    }

    #[cfg(unix)]
    pub(crate) fn of_unix(stream: &UnixStream) -> Peer {
        match stream.peer_cred() {
            Ok(cred) => Peer::Unix { uid: Some(cred.uid()), pid: cred.pid() },
            Err(_) => Peer::Unix { uid: None, pid: None },
        }
    }
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Peer::Tcp(addr) => write!(f, "tcp:{addr}"),
            Peer::Unix { uid: Some(uid), pid: Some(pid) } => write!(f, "unix:uid={uid},pid={pid}"),
            Peer::Unix { uid: Some(uid), pid: None } => write!(f, "unix:uid={uid}"),
            Peer::Unix { uid: None, .. } => f.write_str("unix:unknown"),
        }
    }
}
