use std::fmt;
use std::io;
#[cfg(unix)]
use std::path::Path;

use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, ToSocketAddrs};

use crate::tls::ClientTls;
use crate::{
    ClientError, Command, Hello, Line, LineReader, Request, Response, ServerHello, StatusReply, TasksReply,
};

/// The longest response line the client accepts. A server cuts `tasks`
/// and `status` at its row limit, so a real reply is far shorter; a longer
/// line is refused in bounded memory (`ClientError::Protocol`).
const MAX_RESPONSE_LEN: usize = 16 * 1024 * 1024;

/// A connected stream of either kind, TCP or Unix.
trait Connection: AsyncRead + AsyncWrite + Send + Sync + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Sync + Unpin> Connection for T {}

/// A client of a control server (`ControlServer` in the `taskpool-control`
/// crate) in JSON mode, for
/// programs that drive a pool from outside its process; `taskpool-ctl` is
/// built on it.
///
/// One request at a time: each call sends one request and waits for its
/// response. Responses carry the request's ID, so a response left behind by
/// a cancelled call is skipped by the next one.
///
/// ```no_run
/// use taskpool_protocol::{Command, ControlClient};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), taskpool_protocol::ClientError> {
/// let mut client = ControlClient::connect_tcp("127.0.0.1:7878", None).await?;
/// client.call(&Command::SetPoolSize { size: Some(3) }).await?;
/// let status = client.status().await?;
/// assert_eq!(status.pool_size, Some(3));
/// let err = client.call(&Command::CancelGroup { group: "nope".into() }).await.unwrap_err();
/// assert_eq!(err.remote().unwrap().kind(), "group_not_found");
/// # Ok(())
/// # }
/// ```
///
/// The crate docs have an example that runs against a server in the same
/// process.
pub struct ControlClient {
    conn: LineReader<Box<dyn Connection>>,
    server: ServerHello,
    next_id: u64,
    /// Set while a request is being written: if the call is dropped then,
    /// half a line may have gone out.
    writing: bool,
}

impl ControlClient {
    /// Connects to a server's TCP address and opens a JSON-mode session,
    /// presenting `token` when given.
    ///
    /// # Errors
    ///
    /// [`ClientError::Io`] when connecting fails; [`ClientError::Handshake`]
    /// when the server refuses the session (wrong token, too many sessions).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future drops the connection.
    pub async fn connect_tcp(addr: impl ToSocketAddrs, token: Option<&str>) -> Result<Self, ClientError> {
        let stream = TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        ControlClient::handshake(Box::new(stream), token).await
    }

    /// Connects to a server's TCP address over TLS, checking its
    /// certificate against `tls` for the name `server_name` (a DNS name or
    /// an IP address, as the certificate names the server), and opens a
    /// JSON-mode session, presenting `token` when given.
    ///
    /// # Errors
    ///
    /// As [`ControlClient::connect_tcp`], and [`ClientError::Tls`] when the
    /// TLS handshake fails: the certificate is not trusted or does not name
    /// `server_name`, or the server does not speak TLS.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future drops the connection.
    pub async fn connect_tls(
        addr: impl ToSocketAddrs,
        server_name: &str,
        tls: &ClientTls,
        token: Option<&str>,
    ) -> Result<Self, ClientError> {
        let name = rustls::pki_types::ServerName::try_from(server_name.to_owned()).map_err(|_| {
            ClientError::Tls(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("'{server_name}' is neither a DNS name nor an IP address"),
            ))
        })?;
        let stream = TcpStream::connect(addr).await?;
        let _ = stream.set_nodelay(true);
        let stream = tls.connector().connect(name, stream).await.map_err(ClientError::Tls)?;
        ControlClient::handshake(Box::new(stream), token).await
    }

    /// Connects to a server's Unix socket and opens a JSON-mode session,
    /// presenting `token` when given.
    ///
    /// # Errors
    ///
    /// As [`ControlClient::connect_tcp`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: dropping the future drops the connection.
    #[cfg(unix)]
    pub async fn connect_unix(path: impl AsRef<Path>, token: Option<&str>) -> Result<Self, ClientError> {
        let stream = tokio::net::UnixStream::connect(path).await?;
        ControlClient::handshake(Box::new(stream), token).await
    }

    async fn handshake(stream: Box<dyn Connection>, token: Option<&str>) -> Result<Self, ClientError> {
        let mut client = ControlClient {
            conn: LineReader::new(stream, MAX_RESPONSE_LEN),
            // Replaced by the server's own hello below.
            server: ServerHello::new("", "", false),
            next_id: 0,
            writing: false,
        };
        let hello = serde_json::to_value(Hello::json(token.map(str::to_owned))).expect("a hello serializes");
        client.write_line(&hello).await?;
        let response = client.read_response().await?;
        let result = response.into_result().map_err(ClientError::Handshake)?;
        client.server = serde_json::from_value(result)
            .map_err(|e| ClientError::Protocol(format!("the server's hello is not valid: {e}")))?;
        Ok(client)
    }

    /// What the server said about itself and its pool in the handshake.
    pub fn server(&self) -> &ServerHello {
        &self.server
    }

    /// Sends `command` and returns the server's whole response, whether the
    /// command succeeded or not, as `taskpool-ctl --json` prints it.
    ///
    /// # Errors
    ///
    /// [`ClientError::Io`], [`ClientError::Closed`], [`ClientError::Protocol`]
    /// or [`ClientError::Broken`]; a refused command is an `Ok` response
    /// with `ok: false`.
    ///
    /// # Cancel safety
    ///
    /// If the future is dropped while the request is being written, the
    /// connection becomes unusable ([`ClientError::Broken`] from then on);
    /// if it is dropped while awaiting the response, the command may or may
    /// not have run, and its response is skipped by the next call.
    pub async fn request(&mut self, command: &Command) -> Result<Response, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let request = Request::new(Some(json!(id)), command);
        self.write_line(&serde_json::to_value(request).expect("a request serializes")).await?;
        loop {
            let response = self.read_response().await?;
            match &response.id {
                Some(got) if *got == json!(id) => return Ok(response),
                // An error without ID (such as idle_timeout) concerns the session.
                None if !response.ok => return Ok(response),
                // Left behind by a cancelled call.
                _ => continue,
            }
        }
    }

    /// Sends `command` and returns its result (`null` for commands that only
    /// act).
    ///
    /// # Errors
    ///
    /// [`ClientError::Remote`] when the server refuses or fails the command;
    /// otherwise as [`ControlClient::request`].
    ///
    /// # Cancel safety
    ///
    /// As [`ControlClient::request`].
    pub async fn call(&mut self, command: &Command) -> Result<Value, ClientError> {
        self.request(command).await?.into_result().map_err(ClientError::Remote)
    }

    /// The pool's `status`.
    ///
    /// # Errors
    ///
    /// As [`ControlClient::call`].
    ///
    /// # Cancel safety
    ///
    /// As [`ControlClient::request`].
    pub async fn status(&mut self) -> Result<StatusReply, ClientError> {
        let result = self.call(&Command::Status).await?;
        serde_json::from_value(result).map_err(|e| ClientError::Protocol(format!("bad status: {e}")))
    }

    /// The pool's running `tasks`.
    ///
    /// # Errors
    ///
    /// As [`ControlClient::call`].
    ///
    /// # Cancel safety
    ///
    /// As [`ControlClient::request`].
    pub async fn tasks(&mut self) -> Result<TasksReply, ClientError> {
        let result = self.call(&Command::Tasks).await?;
        serde_json::from_value(result).map_err(|e| ClientError::Protocol(format!("bad tasks: {e}")))
    }

    async fn write_line(&mut self, value: &Value) -> Result<(), ClientError> {
        if self.writing {
            return Err(ClientError::Broken);
        }
        let mut line = serde_json::to_vec(value).expect("a JSON value serializes");
        line.push(b'\n');
        self.writing = true;
        let stream = self.conn.stream_mut();
        stream.write_all(&line).await?;
        stream.flush().await?;
        self.writing = false;
        Ok(())
    }

    async fn read_response(&mut self) -> Result<Response, ClientError> {
        match self.conn.next_line().await? {
            Line::Eof => Err(ClientError::Closed),
            Line::TooLong => Err(ClientError::Protocol("a response line is too long".into())),
            Line::Bytes(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                ClientError::Protocol(format!(
                    "{e}: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ))
            }),
        }
    }
}

impl fmt::Debug for ControlClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ControlClient").field("server", &self.server).finish_non_exhaustive()
    }
}
