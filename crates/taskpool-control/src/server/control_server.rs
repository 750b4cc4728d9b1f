use std::fmt;
#[cfg(unix)]
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::ToSocketAddrs;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::{ControlHandle, ControlServerBuilder, ListenError, Shared};
use crate::net::{Endpoint, Listener};
use crate::pool::{Controllable, ControlledPool};
use crate::session;

/// A control server for one pool: lets an operator or a program change the
/// pool while it runs, from outside the process, over TCP or a Unix socket.
///
/// Build it with [`ControlServer::builder`], then start listeners with
/// [`listen_tcp`](ControlServer::listen_tcp) and
/// [`listen_unix`](ControlServer::listen_unix); each returns a
/// [`ControlHandle`] that stops its listener and closes its sessions when
/// dropped or shut down. A server may listen in several places at once, and
/// several servers (say, one read-only) may serve the same pool. It is a
/// cheap `Clone` handle.
///
/// Clients speak one of two modes, chosen by their first line: the text mode
/// of asyncio-taskpool's control client, or a versioned JSON-lines mode for
/// programs (see `ControlClient` (in `taskpool-protocol`) and
/// `docs/PROTOCOL.md`).
///
/// # Security
///
/// Secure by default: a Unix socket is created with mode 0600 (owner
/// only); TCP needs an access token, which every client must then present
/// (or, by an explicit and logged opt-in, loopback addresses only without
/// one); only functions
/// registered with [`ControlServerBuilder::register`] can ever be started;
/// a [`read_only`](ControlServerBuilder::read_only) server runs queries
/// only. Lines, sessions and silence are limited; a connection must complete
/// its hello within a deadline, and connections before their hello have a
/// cap of their own, so they never hold a session's place. Every command that changes
/// the pool is logged with `tracing` at info level, with the client's
/// address or Unix user ID.
///
/// # Comparison with the reference library
///
/// asyncio-taskpool's control server has no access control, lets a client
/// name any importable function as a callback, splits commands on single
/// spaces, and crashes on the handshake in release 1.2.0. Its own client
/// can still drive this server: see the text mode in `docs/PROTOCOL.md`.
///
/// ```
/// use taskpool_control::ControlServer;
/// use taskpool_protocol::{Command, ControlClient};
/// use tokio_taskpool::SimpleTaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("workers").build();
/// let server = ControlServer::builder(&pool).token("correct-horse-battery-staple").build();
/// let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
///
/// let addr = handle.local_addr().unwrap();
/// let mut client = ControlClient::connect_tcp(addr, Some("correct-horse-battery-staple")).await.unwrap();
/// assert_eq!(client.server().pool, "SimpleTaskPool-workers");
/// client.call(&Command::Start { n: 3 }).await.unwrap();
/// assert_eq!(pool.num_running() + pool.num_waiting(), 3);
/// handle.shutdown().await;
/// # }
/// ```
#[derive(Clone)]
pub struct ControlServer {
    pub(crate) shared: Arc<Shared>,
}

impl ControlServer {
    /// Starts setting up a server for `pool`, a [`TaskPool`](tokio_taskpool::TaskPool)
    /// or a [`SimpleTaskPool`](tokio_taskpool::SimpleTaskPool) (or a reference to one).
    ///
    /// ```
    /// use taskpool_control::ControlServer;
    /// use tokio_taskpool::TaskPool;
    ///
    /// let pool = TaskPool::new();
    /// let server = ControlServer::builder(&pool).read_only(true).build();
    /// # drop(server);
    /// ```
    pub fn builder<P: Controllable>(pool: P) -> ControlServerBuilder<P::Kind> {
        ControlServerBuilder::new(pool.into())
    }

    /// The pool this server drives.
    pub fn pool(&self) -> &ControlledPool {
        &self.shared.pool
    }

    /// Listens on a TCP address, such as `"127.0.0.1:4000"` (port 0 picks a
    /// free port; see [`ControlHandle::local_addr`]), until the returned
    /// handle is dropped or shut down.
    ///
    /// # Errors
    ///
    /// Without an access token ([`ControlServerBuilder::token`]),
    /// [`ListenError::TokenRequired`] unless
    /// [`ControlServerBuilder::allow_unauthenticated_loopback`] was set, and
    /// [`ListenError::RemoteWithoutToken`] when the address is not a
    /// loopback address;
    /// [`ListenError::Io`] when resolving or binding fails.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped, nothing listens.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    pub async fn listen_tcp(&self, addr: impl ToSocketAddrs) -> Result<ControlHandle, ListenError> {
        let config = &self.shared.config;
        let (listener, endpoint) = Listener::bind_tcp(
            addr,
            config.tls.as_ref(),
            config.tokens.required(),
            config.unauthenticated_loopback,
        )
        .await?;
        if !config.tokens.required() {
            tracing::warn!(
                "control server for {} listens on {endpoint} without an access token \
                 (allow_unauthenticated_loopback): every local user can control the pool",
                self.shared.pool.handle()
            );
        }
        Ok(self.serve(listener, endpoint))
    }

    /// Listens on a Unix socket at `path`, created with mode 0600, until the
    /// returned handle is dropped or shut down; the socket file is removed
    /// then. A socket file already at `path` is replaced only if nothing
    /// listens on it, under an advisory lock on `PATH.lock` (which stays),
    /// so that two servers replacing it at once take turns.
    ///
    /// # Errors
    ///
    /// [`ListenError::SocketInUse`] when a server listens on `path`;
    /// [`ListenError::NotASocket`] when something else is there;
    /// [`ListenError::Io`] when binding fails.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it does not await anything. When a stale socket is
    /// being replaced by another server, it blocks the thread until that
    /// one is done (milliseconds), at most 2 seconds.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime.
    ///
    /// ```
    /// use taskpool_control::ControlServer;
    /// use tokio_taskpool::TaskPool;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use std::os::unix::fs::PermissionsExt;
    ///
    /// let path = std::env::temp_dir().join(format!("taskpool-doc-{}.sock", std::process::id()));
    /// let server = ControlServer::builder(TaskPool::new()).build();
    /// let handle = server.listen_unix(&path).await.unwrap();
    /// assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    /// handle.shutdown().await;
    /// assert!(!path.exists());
    /// # }
    /// ```
    #[cfg(unix)]
    pub async fn listen_unix(&self, path: impl AsRef<Path>) -> Result<ControlHandle, ListenError> {
        let (listener, endpoint) = Listener::bind_unix(path.as_ref())?;
        Ok(self.serve(listener, endpoint))
    }

    fn serve(&self, listener: Listener, endpoint: Endpoint) -> ControlHandle {
        let token = CancellationToken::new();
        tracing::info!("control server for {} listening on {endpoint}", self.shared.pool.handle());
        let task = tokio::spawn(accept_loop(Arc::clone(&self.shared), listener, token.clone()));
        ControlHandle::new(endpoint, token, task)
    }
}

/// Accepts connections until `stop` is cancelled, then ends every session.
/// The listener (and with it a Unix socket file) is dropped when this future
/// ends or is dropped.
async fn accept_loop(shared: Arc<Shared>, listener: Listener, stop: CancellationToken) {
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            () = stop.cancelled() => break,
            Some(ended) = sessions.join_next(), if !sessions.is_empty() => {
                if let Err(e) = ended {
                    if e.is_panic() {
                        tracing::error!("a control session panicked: {e}");
                    }
                }
            }
            accepted = listener.accept() => match accepted {
                // A connection holds a place among the waiting handshakes
                // until its hello is accepted, and only then one among the
                // sessions: connections that never say hello never hold a
                // session's. At the cap, the oldest waiting one is pushed
                // out; the accept loop never waits.
                Ok((incoming, peer)) => {
                    tracing::debug!("control connection opened by {peer}");
                    let slot = shared.handshakes.admit();
                    sessions.spawn(session::run(Arc::clone(&shared), incoming, peer, slot));
                }
                Err(e) => {
                    // Such as running out of file descriptors: back off
                    // rather than spin, and try again.
                    tracing::warn!("control server could not accept a connection: {e}");
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(Duration::from_millis(100)) => {}
                    }
                }
            },
        }
    }
    // Sessions hold no lock of the pool across an await; ending them at any
    // point leaves the pool consistent.
    sessions.shutdown().await;
    tracing::info!("control server for {} stopped", shared.pool.handle());
}

impl fmt::Debug for ControlServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlServer")
            .field("pool", &self.shared.pool.handle().to_string())
            .field("registered", &self.shared.registry)
            .field("config", &self.shared.config)
            .finish()
    }
}
