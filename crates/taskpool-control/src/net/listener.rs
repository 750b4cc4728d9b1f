//! Binding the listening sockets, securely, and accepting connections.

use std::io;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::{Path, PathBuf};

#[cfg(unix)]
use tokio::net::UnixListener;
use tokio::net::{lookup_host, TcpListener, ToSocketAddrs};

use super::{Endpoint, Peer, Stream};
use crate::ListenError;

/// A bound listener of either kind.
#[derive(Debug)]
pub(crate) enum Listener {
    Tcp(TcpListener),
    /// The socket file guard removes the file when the listener goes away.
    #[cfg(unix)]
    Unix {
        listener: UnixListener,
        _file: SocketFile,
    },
}

impl Listener {
    /// Binds a TCP listener. Without an access token, it must be allowed
    /// (`unauthenticated_loopback`), and every address `addr` resolves to
    /// must be a loopback address.
    pub(crate) async fn bind_tcp(
        addr: impl ToSocketAddrs,
        has_token: bool,
        unauthenticated_loopback: bool,
    ) -> Result<(Listener, Endpoint), ListenError> {
        let addrs: Vec<SocketAddr> =
            lookup_host(addr).await.map_err(|e| ListenError::io("resolving the address", e))?.collect();
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
                    return Ok((Listener::Tcp(listener), Endpoint::Tcp(local)));
                }
                Err(e) => last_error = e,
            }
        }
        Err(ListenError::io("binding the TCP address", last_error))
    }

    /// Binds a Unix socket at `path`, readable and writable by its owner only.
    ///
    /// The socket is bound inside a fresh private directory (mode 0700) next
    /// to `path`, set to mode 0600 there, and only then linked to `path`, so
    /// it is never reachable with looser permissions, whatever the umask.
    /// A socket file already at `path` is replaced only when nothing listens
    /// on it (connecting is refused); anything that is not a socket is left
    /// alone. `link` refuses to replace a file, so a server that appears
    /// between the check and the link is not clobbered either.
    #[cfg(unix)]
    pub(crate) fn bind_unix(path: &Path) -> Result<(Listener, Endpoint), ListenError> {
        use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
        use std::sync::atomic::{AtomicU64, Ordering};

        let display = path.display();
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

        // Only uniqueness within the process matters: Relaxed is enough.
        static NEXT_DIR: AtomicU64 = AtomicU64::new(0);
        let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let dir = parent.join(format!(
            ".taskpool-control-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| ListenError::io(format!("creating the private directory {}", dir.display()), e))?;
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
    pub(crate) async fn accept(&self) -> io::Result<(Stream, Peer)> {
        match self {
            Listener::Tcp(listener) => {
                let (stream, addr) = listener.accept().await?;
                // Replies are single writes; do not hold them back.
                let _ = stream.set_nodelay(true);
                Ok((Stream::Tcp(stream), Peer::Tcp(addr)))
            }
            #[cfg(unix)]
            Listener::Unix { listener, .. } => {
                let (stream, _) = listener.accept().await?;
                let peer = Peer::of_unix(&stream);
                Ok((Stream::Unix(stream), peer))
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
