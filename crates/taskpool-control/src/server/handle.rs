use std::fmt;
use std::net::SocketAddr;
#[cfg(unix)]
use std::path::Path;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::net::Endpoint;

/// A listening control server, as [`ControlServer::listen_tcp`](crate::ControlServer::listen_tcp)
/// and [`listen_unix`](crate::ControlServer::listen_unix) return it.
///
/// Dropping it stops the listener, closes every session it accepted and
/// removes its Unix socket file, in the background;
/// [`shutdown`](ControlHandle::shutdown) does the same and waits until it is
/// done. The pool is not affected either way.
///
/// ```
/// use taskpool_control::ControlServer;
/// use taskpool_protocol::ControlClient;
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let server = ControlServer::builder(TaskPool::new()).allow_unauthenticated_loopback(true).build();
/// let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
/// let addr = handle.local_addr().unwrap();
/// handle.shutdown().await;
/// assert!(ControlClient::connect_tcp(addr, None).await.is_err());
/// # }
/// ```
pub struct ControlHandle {
    endpoint: Endpoint,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl ControlHandle {
    pub(crate) fn new(endpoint: Endpoint, stop: CancellationToken, task: JoinHandle<()>) -> Self {
        ControlHandle { endpoint, stop, task: Some(task) }
    }

    /// Where the server listens.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The TCP address the server listens on, with the actual port when
    /// port 0 was asked for; `None` for a Unix socket.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        match &self.endpoint {
            Endpoint::Tcp(addr) => Some(*addr),
            #[cfg(unix)]
            Endpoint::Unix(_) => None,
        }
    }

    /// The path of the Unix socket the server listens on; `None` for TCP.
    #[cfg(unix)]
    pub fn unix_path(&self) -> Option<&Path> {
        match &self.endpoint {
            Endpoint::Unix(path) => Some(path),
            Endpoint::Tcp(_) => None,
        }
    }

    /// Stops the listener, closes every session and removes the Unix socket
    /// file, and waits until all that is done.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the server stops anyway; dropping the future only stops
    /// the wait.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            if let Err(e) = task.await {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
    }
}

impl Drop for ControlHandle {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl fmt::Debug for ControlHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlHandle").field("endpoint", &self.endpoint).finish_non_exhaustive()
    }
}
