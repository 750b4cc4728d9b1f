//! The servers under test, on one pool, and how a client reaches each
//! transport.
//!
//! TLS is a setting of a whole server (every TCP listener of a server with
//! [`ServerTls`] speaks TLS only), so there are two servers on the same
//! pool: a plain one on loopback TCP and a Unix socket, and a TLS one on
//! loopback TCP. Both are built the same way otherwise:
//!
//! - no access token, with `allow_unauthenticated_loopback(true)`, so that
//!   the three transports do the same work per session apart from the
//!   transport itself;
//! - `max_sessions(128)`: the default is 16 sessions, and the bench opens
//!   100 at once.

use std::net::SocketAddr;
use std::path::PathBuf;

use taskpool_control::{ControlHandle, ControlServer, ServerTls};
use taskpool_protocol::tls::ClientTls;
use taskpool_protocol::ControlClient;
use taskpool_test_support::TestCertificates;
use tokio_taskpool::SimpleTaskPool;

/// The sessions each server admits at once; the default (16) is less than
/// the 100 clients of the bench.
pub(crate) const MAX_SESSIONS: usize = 128;

/// How a client reaches the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transport {
    Unix,
    Tcp,
    Tls,
}

impl Transport {
    pub(crate) const ALL: [Transport; 3] = [Transport::Unix, Transport::Tcp, Transport::Tls];

    /// The name in the tables and in `control_plane.jsonl`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Transport::Unix => "unix",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// A pool of idle workers with a plain and a TLS control server on it,
/// listening until [`shutdown`](Servers::shutdown).
pub(crate) struct Servers {
    pool: SimpleTaskPool,
    tcp: ControlHandle,
    unix: ControlHandle,
    tls: ControlHandle,
    tcp_addr: SocketAddr,
    tls_addr: SocketAddr,
    unix_path: PathBuf,
    /// Kept for its CA, and because its files are removed on drop.
    certificates: TestCertificates,
    /// One client configuration shared by every TLS client but the
    /// handshake bench's fresh ones.
    client_tls: ClientTls,
}

impl Servers {
    /// # Panics
    ///
    /// Outside a tokio runtime, or when a listener cannot be set up.
    pub(crate) async fn start() -> Servers {
        let pool = SimpleTaskPool::new(std::future::pending::<()>);
        let plain = ControlServer::builder(&pool)
            .allow_unauthenticated_loopback(true)
            .max_sessions(MAX_SESSIONS)
            .build();
        let tcp = plain.listen_tcp("127.0.0.1:0").await.expect("a loopback port");
        let unix_path = taskpool_test_support::socket_path("control-bench");
        let unix = plain.listen_unix(&unix_path).await.expect("a Unix socket in the temp dir");

        let certificates = TestCertificates::new();
        let server_tls = ServerTls::from_pem(
            certificates.server_cert_pem.as_bytes(),
            certificates.server_key_pem.as_bytes(),
        )
        .expect("the test certificate and key make a TLS identity");
        let secure = ControlServer::builder(&pool)
            .allow_unauthenticated_loopback(true)
            .max_sessions(MAX_SESSIONS)
            .tls(server_tls)
            .build();
        let tls = secure.listen_tcp("127.0.0.1:0").await.expect("a loopback port for TLS");

        let tcp_addr = tcp.local_addr().expect("a TCP listener has an address");
        let tls_addr = tls.local_addr().expect("a TCP listener has an address");
        let client_tls = fresh_client_tls(&certificates);
        Servers { pool, tcp, unix, tls, tcp_addr, tls_addr, unix_path, certificates, client_tls }
    }

    /// Opens a session over `transport` (TLS with the shared client
    /// configuration).
    ///
    /// # Panics
    ///
    /// When the session cannot be opened.
    pub(crate) async fn connect(&self, transport: Transport) -> ControlClient {
        match transport {
            Transport::Unix => ControlClient::connect_unix(&self.unix_path, None).await,
            Transport::Tcp => ControlClient::connect_tcp(self.tcp_addr, None).await,
            Transport::Tls => {
                ControlClient::connect_tls(self.tls_addr, "localhost", &self.client_tls, None).await
            }
        }
        .expect("the client opens a session")
    }

    /// Opens a TLS session with the client configuration `tls`.
    ///
    /// # Panics
    ///
    /// When the session cannot be opened.
    pub(crate) async fn connect_tls_with(&self, tls: &ClientTls) -> ControlClient {
        ControlClient::connect_tls(self.tls_addr, "localhost", tls, None)
            .await
            .expect("the client opens a TLS session")
    }

    /// A client configuration of its own, which has never met the server
    /// and so holds no session to resume: its first connection makes a
    /// full TLS handshake.
    pub(crate) fn fresh_client_tls(&self) -> ClientTls {
        fresh_client_tls(&self.certificates)
    }

    /// Stops every worker that `start 1` has started and waits until they
    /// are gone, so that every case begins with an empty pool rather than
    /// with the workers of the cases before it.
    pub(crate) async fn empty_pool(&self) {
        self.pool.stop_all();
        self.pool.flush().await;
    }

    pub(crate) async fn shutdown(self) {
        self.tcp.shutdown().await;
        self.unix.shutdown().await;
        self.tls.shutdown().await;
        self.pool.cancel_all();
    }
}

fn fresh_client_tls(certificates: &TestCertificates) -> ClientTls {
    ClientTls::from_ca_pem(certificates.ca_pem.as_bytes(), "the test CA")
        .expect("the test CA is a trust anchor")
}
