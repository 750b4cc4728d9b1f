//! Binding the listening sockets, securely, and accepting connections.

use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::{Path, PathBuf};

#[cfg(unix)]
use tokio::net::UnixListener;
use tokio::net::{lookup_host, TcpListener, ToSocketAddrs};

use super::{Endpoint, Incoming, Peer, ServerTls, Stream};
use crate::ListenError;

/// A bound listener of either kind.
#[derive(Debug)]
pub(crate) enum Listener {
    /// With TLS when the server has a certificate.
    Tcp { listener: TcpListener, tls: Option<ServerTls> },
    /// The socket file guard removes the file when the listener goes away.
    #[cfg(unix)]
    Unix { listener: UnixListener, _file: SocketFile },
}

impl Listener {
    /// Binds a TCP listener, speaking TLS when `tls` is given. Without an
    /// access token, it must be allowed (`unauthenticated_loopback`), and
    /// every address `addr` resolves to must be a loopback address; beyond
    /// loopback, it needs TLS too.
    pub(crate) async fn bind_tcp(
        addr: impl ToSocketAddrs,
        tls: Option<&ServerTls>,
        has_token: bool,
        unauthenticated_loopback: bool,
    ) -> Result<(Listener, Endpoint), ListenError> {
        let addrs: Vec<SocketAddr> =
            lookup_host(addr).await.map_err(|e| ListenError::io("resolving the address", e))?.collect();
        if tls.is_none() {
            if let Some(&addr) = addrs.iter().find(|addr| !addr.ip().is_loopback()) {
                return Err(if has_token {
                    ListenError::RemoteWithoutTls { addr }
                } else {
                    ListenError::RemoteWithoutToken { addr }
                });
            }
        }
        if !has_token {
            if let Some(&addr) = addrs.iter().find(|addr| !addr.ip().is_loopback()) {
                return Err(ListenError::RemoteWithoutToken { addr });
            }
            if let (false, Some(&addr)) = (unauthenticated_loopback, addrs.first()) {
                return Err(ListenError::TokenRequired { addr });
            }
        }
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the address resolved to nothing");
        for addr in addrs {
            match TcpListener::bind(addr).await {
                Ok(listener) => {
                    let local =
                        listener.local_addr().map_err(|e| ListenError::io("reading the local address", e))?;
                    let tls = tls.cloned();
                    return Ok((Listener::Tcp { listener, tls }, Endpoint::Tcp(local)));
                }
                Err(e) => last_error = e,
            }
        }
        Err(ListenError::io("binding the TCP address", last_error))
    }

    /// Binds a Unix socket at `path`, readable and writable by its owner only.
    ///
    /// The socket is bound inside a fresh private directory (mode 0700,
    /// with a random name) next to `path`, set to mode 0600 there, and only then linked to `path`, so
    /// it is never reachable with looser permissions, whatever the umask.
    /// A socket file already at `path` is replaced only when nothing listens
    /// on it (connecting is refused); anything that is not a socket is left
    /// alone. `link` refuses to replace a file, so a server that appears
    /// between the check and the link is not clobbered either; and when a
    /// file is there, the check, the removal and the link are made under
    /// the lock beside it (`StaleLock`), so two servers replacing the same
    /// stale socket take turns.
    #[cfg(unix)]
    pub(crate) fn bind_unix(path: &Path) -> Result<(Listener, Endpoint), ListenError> {
        use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

        let display = path.display();
        // A file already there may be a stale socket to replace: the check,
        // the removal and the link happen under the lock beside it, so two
        // servers doing this at once take turns and the second finds the
        // first one's live socket.
        let _turn = match std::fs::symlink_metadata(path) {
            Ok(_) => {
                let lock = StaleLock::open(path)?;
                lock.take_turn()?;
                Some(lock)
            }
            Err(_) => None,
        };
        match std::fs::symlink_metadata(path) {
            Ok(meta) if !meta.file_type().is_socket() => {
                return Err(ListenError::NotASocket { path: path.to_owned() })
            }
            Ok(_) => match std::os::unix::net::UnixStream::connect(path) {
                Ok(_) => return Err(ListenError::SocketInUse { path: path.to_owned() }),
                Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => match std::fs::remove_file(path) {
                    Ok(()) => tracing::info!("replaced the stale control socket {}", path.display()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(ListenError::io(format!("removing the stale socket {display}"), e)),
                },
                Err(e) => {
                    return Err(ListenError::io(format!("checking whether a server listens on {display}"), e))
                }
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(ListenError::io(format!("inspecting {display}"), e)),
        }

        let dir = private_dir(path)?;
        let private = dir.join("s");
        let bound = (|| {
            let listener = std::os::unix::net::UnixListener::bind(&private)
                .map_err(|e| ListenError::io(format!("binding {}", private.display()), e))?;
            std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| ListenError::io(format!("setting the mode of {}", private.display()), e))?;
            std::fs::hard_link(&private, path).map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => ListenError::SocketInUse { path: path.to_owned() },
                _ => ListenError::io(format!("linking the socket to {display}"), e),
            })?;
            Ok(listener)
        })();
        // The private name is not needed any more, whatever happened.
        let _ = std::fs::remove_file(&private);
        let _ = std::fs::remove_dir(&dir);
        let listener = bound?;

        let meta = std::fs::symlink_metadata(path)
            .map_err(|e| ListenError::io(format!("inspecting {display}"), e))?;
        let file = SocketFile { path: path.to_owned(), dev: meta.dev(), ino: meta.ino() };
        listener.set_nonblocking(true).map_err(|e| ListenError::io("making the socket non-blocking", e))?;
        let listener = UnixListener::from_std(listener)
            .map_err(|e| ListenError::io("registering the socket with tokio", e))?;
        Ok((Listener::Unix { listener, _file: file }, Endpoint::Unix(path.to_owned())))
    }

    /// Accepts one connection.
    ///
    /// Cancel safe, as tokio's `accept`.
    pub(crate) async fn accept(&self) -> io::Result<(Incoming, Peer)> {
        match self {
            Listener::Tcp { listener, tls } => {
                let (stream, addr) = listener.accept().await?;
                // Replies are single writes; do not hold them back.
                let _ = stream.set_nodelay(true);
                let incoming = match tls {
                    Some(tls) => Incoming::Tls(stream, tls.acceptor().clone()),
                    None => Incoming::Tcp(stream),
                };
                Ok((incoming, Peer::Tcp(addr)))
            }
            #[cfg(unix)]
            Listener::Unix { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                let peer = Peer::of_unix(&stream);
                Ok((Incoming::Unix(Stream::Unix(stream)), peer))
            }
        }
    }
}

/// Makes the private directory to bind in, next to `path`, under a name
/// nobody can guess (so nobody can make it first to stop the server), and
/// tries another name if one is taken anyway.
#[cfg(unix)]
fn private_dir(path: &Path) -> Result<PathBuf, ListenError> {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::os::unix::fs::DirBuilderExt;

    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut last_error = None;
    for _ in 0..16 {
        // The standard library's hasher keys come from the system's random
        // source: 64 unpredictable bits, without a dependency. The name stays
        // short, as the socket's path inside it must fit in `sun_path`.
        let random = RandomState::new().build_hasher().finish();
        let dir = parent.join(format!(".taskpool-control-{random:016x}"));
        match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last_error = Some(e),
            Err(e) => {
                return Err(ListenError::io(format!("creating the private directory {}", dir.display()), e))
            }
        }
    }
    let e = last_error.expect("the loop ran");
    Err(ListenError::io(format!("creating a private directory in {}", parent.display()), e))
}

/// The advisory lock (`flock`) on `PATH.lock`, beside a socket file that
/// may be replaced, held from [`take_turn`](StaleLock::take_turn) until the
/// value is dropped: a `flock` belongs to the open file and ends when it is
/// closed. The lock file stays: removing it would let a third server lock a
/// new file while a second still holds the old one.
#[cfg(unix)]
struct StaleLock {
    path: PathBuf,
    file: std::fs::File,
}

#[cfg(unix)]
impl StaleLock {
    /// How long a server waits for another one replacing the same socket;
    /// that takes milliseconds, so a longer hold is someone else's lock.
    const WAIT: std::time::Duration = std::time::Duration::from_secs(2);

    fn open(socket: &Path) -> Result<StaleLock, ListenError> {
        use std::os::unix::fs::OpenOptionsExt;

        let mut name = socket.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        // Never truncated or written: a lock file someone put there in
        // advance, even as a link, only has a lock taken on it.
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| ListenError::io(format!("opening the lock file {}", path.display()), e))?;
        Ok(StaleLock { path, file })
    }

    /// Takes the lock, waiting at most [`StaleLock::WAIT`] (a blocking
    /// wait: the other holder does no more than check, remove and link).
    fn take_turn(&self) -> Result<(), ListenError> {
        let mut lock = fd_lock::RwLock::new(&self.file);
        let started = std::time::Instant::now();
        loop {
            match lock.try_write() {
                Ok(guard) => {
                    // Kept until the file is closed, not until the guard goes.
                    std::mem::forget(guard);
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock && started.elapsed() < Self::WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(ListenError::io(format!("locking {}", self.path.display()), e)),
            }
        }
    }
}

/// Removes the socket file when dropped, if it is still the one this server
/// made (another server may have replaced a file it found stale).
#[cfg(unix)]
#[derive(Debug)]
pub(crate) struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

#[cfg(unix)]
impl Drop for SocketFile {
    fn drop(&mut self) {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::symlink_metadata(&self.path) {
            if (meta.dev(), meta.ino()) == (self.dev, self.ino) {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}
