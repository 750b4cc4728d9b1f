//! How to open a session with the server, kept as a value: the one-shot
//! and interactive modes connect once with it, `top` again each time the
//! server comes back.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use taskpool_protocol::tls::ClientTls;
use taskpool_protocol::{ClientError, ControlClient};

/// Where the server listens, and how to speak to it.
#[derive(Clone)]
pub(crate) enum Endpoint {
    /// TCP, plain or TLS.
    Tcp {
        host: String,
        port: u16,
        /// The client's TLS settings and the name the server's certificate
        /// must carry; `None` for plain TCP.
        tls: Option<(ClientTls, String)>,
    },
    /// A Unix socket.
    Unix(PathBuf),
}

/// Everything needed to open a session, again and again.
#[derive(Clone)]
pub(crate) struct Connector {
    pub(crate) endpoint: Endpoint,
    pub(crate) token: Option<String>,
    /// How long to wait for the server to connect and for each answer.
    pub(crate) timeout: Duration,
}

impl Connector {
    /// Opens a session, with the context and hints the CLI prints on failure.
    pub(crate) async fn connect(&self) -> anyhow::Result<ControlClient> {
        let token = self.token.as_deref();
        match &self.endpoint {
            Endpoint::Tcp { host, port, tls } => {
                let client = match tls {
                    Some((tls, name)) => {
                        let connect = ControlClient::connect_tls((host.as_str(), *port), name, tls, token);
                        bounded(self.timeout, connect).await.map_err(tls_hint)
                    }
                    None => bounded(self.timeout, ControlClient::connect_tcp((host.as_str(), *port), token))
                        .await
                        .map_err(anyhow::Error::new),
                };
                client.with_context(|| format!("cannot open a session with {host}:{port}"))
            }
            Endpoint::Unix(path) => bounded(self.timeout, connect_unix(path, token))
                .await
                .with_context(|| format!("cannot open a session with {}", path.display())),
        }
    }

    /// The server's address as the user gave it, for titles.
    pub(crate) fn describe(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, port, tls: Some(_) } => format!("tls {host}:{port}"),
            Endpoint::Tcp { host, port, tls: None } => format!("tcp {host}:{port}"),
            Endpoint::Unix(path) => format!("unix {}", path.display()),
        }
    }
}

/// `fut`, failing with a timeout when the server takes longer than `timeout`.
pub(crate) async fn bounded<T>(
    timeout: Duration,
    fut: impl std::future::Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(result) => result,
        Err(_) => Err(ClientError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("no answer from the server within {}s (see --timeout)", timeout.as_secs()),
        ))),
    }
}

/// Adds what to do about the usual TLS failures to the error.
fn tls_hint(e: ClientError) -> anyhow::Error {
    let hint = match &e {
        ClientError::Tls(io) => {
            let what = io.to_string();
            if what.contains("UnknownIssuer") {
                Some("the server's certificate is not signed by a CA this client trusts: pass its CA with --ca FILE")
            } else if what.contains("not valid for name") {
                Some("the server's certificate does not name this host: pass the name it carries with --server-name")
            } else if what.contains("eof") || what.contains("InvalidContentType") || what.contains("corrupt")
            {
                Some("the server did not answer in TLS: is its listener plain TCP? then leave out --tls")
            } else {
                None
            }
        }
        _ => None,
    };
    match hint {
        Some(hint) => anyhow::Error::new(e).context(hint),
        None => anyhow::Error::new(e),
    }
}

#[cfg(unix)]
async fn connect_unix(path: &std::path::Path, token: Option<&str>) -> Result<ControlClient, ClientError> {
    ControlClient::connect_unix(path, token).await
}

#[cfg(not(unix))]
async fn connect_unix(_: &std::path::Path, _: Option<&str>) -> Result<ControlClient, ClientError> {
    Err(ClientError::Io(io::Error::new(io::ErrorKind::Unsupported, "Unix sockets are not supported here")))
}
