//! One client's session: the handshake that picks the wire mode, then one
//! reply per command line. TCP and Unix sessions share this code.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio::time::Instant;

use taskpool_protocol::{
    Command, ErrorKind, Hello, Line, LineReader, RemoteError, Request, Response, ServerHello, PROTOCOL_NAME,
    PROTOCOL_VERSION,
};

use crate::escaped::Escaped;
use crate::net::{Established, Incoming, Peer, Stream, TLS_HANDSHAKE_RECORD};
use crate::pool::execute;
use crate::server::{Access, HandshakeSlot, Shared};

/// How long a connection that missed the handshake deadline is given to
/// take the line that says so.
const HANDSHAKE_REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

/// The wire mode, chosen by the client's first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// asyncio-taskpool's: one command line in, one text reply out.
    Text,
    /// One JSON request in, one JSON response out.
    Json,
}

struct Session {
    shared: Arc<Shared>,
    peer: Peer,
    conn: LineReader<Stream>,
    /// What the session may do; read-only until its token says otherwise.
    access: Access,
}

/// How a handshake ended.
enum Handshake {
    /// The hello and its token were accepted.
    Accepted(Mode, Access),
    /// A wrong or missing token: the client is told after `delay`.
    Unauthorized(Mode, RemoteError, Duration),
    /// The session ends now (the client was told when useful).
    Ended,
}

/// Serves one connection until the client leaves, the session idles out, or
/// the task is aborted because the server stops. `slot` holds the
/// connection's place among the waiting handshakes until its hello is
/// accepted; it then takes a place among the sessions, or is refused.
pub(crate) async fn run(shared: Arc<Shared>, incoming: Incoming, peer: Peer, slot: HandshakeSlot) {
    let deadline = Instant::now() + shared.config.handshake_timeout;
    let established = tokio::select! {
        established = tokio::time::timeout_at(deadline, incoming.establish()) => established,
        () = slot.pushed_out() => {
            tracing::debug!("control connection of {peer} pushed out by newer ones before its hello");
            return;
        }
    };
    let stream = match established {
        Ok(Established::Ready(stream)) => stream,
        Ok(Established::PlainOnTls(stream)) => {
            tracing::debug!("control connection of {peer} refused: plain text on a TLS listener");
            let mut session = Session::new(shared, peer, stream);
            let e = RemoteError::new(
                ErrorKind::TlsRequired,
                "this control server's TCP listener speaks TLS only; connect with TLS (taskpool-ctl --tls)",
            );
            let _ = tokio::time::timeout(
                HANDSHAKE_REFUSAL_TIMEOUT,
                session.write(&reply(Mode::Json, None, Err(e))),
            )
            .await;
            return;
        }
        Ok(Established::Closed(why)) => {
            tracing::debug!("control connection of {peer} closed before its hello: {why}");
            return;
        }
        Err(_) => {
            tracing::debug!("control connection of {peer} did not complete its TLS handshake in time");
            return;
        }
    };
    let mut session = Session::new(shared, peer, stream);
    match session.serve(slot, deadline).await {
        Ok(()) => tracing::debug!("control session of {} ended", session.peer),
        Err(e) => tracing::debug!("control session of {} ended: {e}", session.peer),
    }
}

impl Session {
    fn new(shared: Arc<Shared>, peer: Peer, stream: Stream) -> Self {
        let conn = LineReader::new(stream, shared.config.max_line_len);
        Session { shared, peer, conn, access: Access::ReadOnly }
    }

    async fn serve(&mut self, slot: HandshakeSlot, deadline: Instant) -> io::Result<()> {
        let handshake = tokio::select! {
            handshake = tokio::time::timeout_at(deadline, self.handshake()) => handshake,
            () = slot.pushed_out() => {
                tracing::debug!("control connection of {} pushed out by newer ones before its hello", self.peer);
                let e = RemoteError::new(
                    ErrorKind::TooManyConnections,
                    "too many connections are waiting for their hello; this one, among the oldest, was closed; try again",
                );
                let _ = tokio::time::timeout(HANDSHAKE_REFUSAL_TIMEOUT, self.write(&reply(Mode::Json, None, Err(e))))
                    .await;
                return Ok(());
            }
        };
        let (mode, access) = match handshake {
            Ok(handshake) => match handshake? {
                Handshake::Accepted(mode, access) => (mode, access),
                Handshake::Ended => return Ok(()),
                Handshake::Unauthorized(mode, e, delay) => {
                    // The delay is waited out holding the handshake's place,
                    // so a flood of guesses is bounded by that cap too.
                    tokio::select! {
                        () = tokio::time::sleep(delay) => self.write(&reply(mode, None, Err(e))).await?,
                        () = slot.pushed_out() => {}
                    }
                    return Ok(());
                }
            },
            Err(_) => {
                let timeout = self.shared.config.handshake_timeout;
                tracing::debug!("control connection of {} did not complete its hello in time", self.peer);
                let e = RemoteError::new(
                    ErrorKind::HandshakeTimeout,
                    format!("no complete hello within {timeout:?}; closing the connection"),
                );
                // A client that does not take even this line is not waited for.
                let _ = tokio::time::timeout(
                    HANDSHAKE_REFUSAL_TIMEOUT,
                    self.write(&reply(Mode::Json, None, Err(e))),
                )
                .await;
                return Ok(());
            }
        };
        let Ok(_session) = Arc::clone(&self.shared.sessions).try_acquire_owned() else {
            tracing::warn!("refused a control session of {}: too many sessions", self.peer);
            let e = RemoteError::new(
                ErrorKind::TooManySessions,
                "too many control sessions are open; try again later",
            );
            self.write(&reply(mode, None, Err(e))).await?;
            return Ok(());
        };
        drop(slot);
        self.access = access;
        self.answer_hello(mode).await?;
        tracing::debug!("control session of {} started in {mode:?} mode ({access:?})", self.peer);
        loop {
            let Some(line) = self.next_line(mode).await? else { return Ok(()) };
            let reply = match line {
                Line::Eof => return Ok(()),
                Line::TooLong => reply(mode, None, Err(self.line_too_long())),
                Line::Bytes(bytes) => match String::from_utf8(bytes) {
                    Err(_) => reply(
                        mode,
                        None,
                        Err(RemoteError::new(ErrorKind::BadRequest, "the line is not valid UTF-8")),
                    ),
                    // Blank lines get no reply, as at a shell prompt.
                    Ok(text) if text.trim().is_empty() => continue,
                    Ok(text) => {
                        let reply = match mode {
                            Mode::Text => self.text_command(&text).await,
                            Mode::Json => self.json_request(&text).await,
                        };
                        let Some(reply) = reply else {
                            tracing::debug!("control client {} left while its command ran", self.peer);
                            return Ok(());
                        };
                        reply
                    }
                },
            };
            self.write(&reply).await?;
        }
    }

    /// Reads the hello and checks it and the token.
    async fn handshake(&mut self) -> io::Result<Handshake> {
        // Until the mode is known, errors go out in JSON form.
        let Some(line) = self.read_line(Mode::Json, true).await? else { return Ok(Handshake::Ended) };
        let bytes = match line {
            Line::Eof => return Ok(Handshake::Ended),
            Line::TooLong => {
                self.write(&reply(Mode::Json, None, Err(self.line_too_long()))).await?;
                return Ok(Handshake::Ended);
            }
            Line::Bytes(bytes) => bytes,
        };
        let mode = match serde_json::from_slice::<Hello>(&bytes) {
            Err(e) => Err(RemoteError::new(
                ErrorKind::BadHandshake,
                format!("the first line must be a JSON hello object such as {{\"protocol\": \"{PROTOCOL_NAME}\", \"version\": {PROTOCOL_VERSION}}}: {e}"),
            )),
            Ok(hello) => self.check_hello(&hello).map(|mode| (mode, hello)),
        };
        let (mode, hello) = match mode {
            Ok(accepted) => accepted,
            Err(e) => {
                // The hello is the client's text, before any token: escaped.
                tracing::debug!("control handshake of {} refused: {}", self.peer, Escaped(e.message()));
                self.write(&reply(Mode::Json, None, Err(e))).await?;
                return Ok(Handshake::Ended);
            }
        };
        let config = &self.shared.config;
        match config.tokens.access_for(hello.token.as_deref(), config.read_only) {
            Some(access) => Ok(Handshake::Accepted(mode, access)),
            None => {
                let delay = self.shared.failed_logins.record(self.peer.origin());
                let what = if hello.token.is_some() { "wrong" } else { "missing" };
                tracing::warn!(peer = %self.peer, pool = %self.shared.pool.handle(), ?delay, "control session refused: {what} access token");
                let e = RemoteError::new(ErrorKind::Unauthorized, format!("{what} access token"));
                Ok(Handshake::Unauthorized(mode, e, delay))
            }
        }
    }

    /// Answers an accepted hello: the pool's name in text mode, the
    /// [`ServerHello`] in JSON mode.
    async fn answer_hello(&mut self, mode: Mode) -> io::Result<()> {
        let pool = self.shared.pool.handle().to_string();
        let answer = match mode {
            Mode::Text => format!("{pool}\n").into_bytes(),
            Mode::Json => reply(
                Mode::Json,
                None,
                Ok(serde_json::to_value(ServerHello::new(
                    pool,
                    self.shared.pool.kind().as_str(),
                    self.access == Access::ReadOnly,
                ))
                .expect("a server hello always serializes")),
            ),
        };
        self.write(&answer).await
    }

    fn check_hello(&self, hello: &Hello) -> Result<Mode, RemoteError> {
        match (&hello.protocol, hello.version, hello.terminal_width) {
            (Some(protocol), _, _) if protocol != PROTOCOL_NAME => Err(RemoteError::new(
                ErrorKind::BadHandshake,
                format!("unknown protocol '{protocol}'; this server speaks '{PROTOCOL_NAME}'"),
            )),
            (Some(_), Some(PROTOCOL_VERSION), _) => Ok(Mode::Json),
            (Some(_), Some(version), _) => Err(RemoteError::new(
                ErrorKind::UnsupportedVersion,
                format!("this server speaks version {PROTOCOL_VERSION} of the protocol, not {version}"),
            )),
            (Some(_), None, _) => Err(RemoteError::new(ErrorKind::BadHandshake, "the hello has no version")),
            (None, _, Some(_)) => Ok(Mode::Text),
            (None, _, None) => Err(RemoteError::new(
                ErrorKind::BadHandshake,
                format!("the hello must name the protocol (\"protocol\": \"{PROTOCOL_NAME}\") or, for the text mode, carry \"terminal_width\""),
            )),
        }
    }

    /// The reply to a text-mode line; `None` when the client left while
    /// its command ran.
    async fn text_command(&mut self, text: &str) -> Option<Vec<u8>> {
        Some(match Command::parse_line(text) {
            Ok(command) => {
                let result = self.run_command(&command).await?;
                reply(Mode::Text, None, result.map(|value| Value::String(command.render(&value))))
            }
            Err(e) => reply(Mode::Text, None, Err(e)),
        })
    }

    /// The reply to a JSON-mode line; `None` when the client left while
    /// its command ran.
    async fn json_request(&mut self, text: &str) -> Option<Vec<u8>> {
        let value: Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => return Some(reply(Mode::Json, None, Err(bad_request(e)))),
        };
        if !value.is_object() {
            let e = RemoteError::new(
                ErrorKind::BadRequest,
                format!("a request must be a JSON object, not {value}"),
            );
            return Some(reply(Mode::Json, None, Err(e)));
        }
        let id = value.get("id").cloned();
        let request: Request = match serde_json::from_value(value) {
            Ok(request) => request,
            Err(e) => return Some(reply(Mode::Json, id, Err(bad_request(e)))),
        };
        let result = match request.command() {
            Ok(command) => self.run_command(&command).await?,
            Err(e) => Err(e),
        };
        Some(reply(Mode::Json, id, result))
    }

    /// Runs `command` under the command deadline, watching the connection:
    /// `None` when the client closed it meanwhile, and the command was
    /// dropped (every command is cancel safe; see `execute`).
    async fn run_command(&mut self, command: &Command) -> Option<Result<Value, RemoteError>> {
        let Session { shared, peer, conn, access } = self;
        let deadline = shared.config.command_timeout;
        if let Command::Retire { timeout_secs, .. } = command {
            if Duration::from_secs(*timeout_secs) >= deadline {
                return Some(Err(RemoteError::new(
                    ErrorKind::BadArgument,
                    format!(
                        "retire: SECONDS must be shorter than this server's command timeout of {deadline:?}"
                    ),
                )));
            }
        }
        tokio::select! {
            result = tokio::time::timeout(deadline, execute(shared, command, peer, *access)) => {
                Some(result.unwrap_or_else(|_| {
                    tracing::info!(%peer, command = command.name(), "control command stopped at its deadline");
                    Err(RemoteError::new(
                        ErrorKind::CommandTimeout,
                        format!("'{}' did not finish within {deadline:?} and was stopped", command.name()),
                    ))
                }))
            }
            () = client_gone(conn) => None,
        }
    }

    fn line_too_long(&self) -> RemoteError {
        RemoteError::new(
            ErrorKind::LineTooLong,
            format!(
                "the line is longer than the limit of {} bytes and was dropped",
                self.shared.config.max_line_len
            ),
        )
    }

    /// The next line, or `None` when the session idled out (the client was
    /// told).
    async fn next_line(&mut self, mode: Mode) -> io::Result<Option<Line>> {
        self.read_line(mode, false).await
    }

    /// The next line, as [`next_line`](Self::next_line); for the `hello`,
    /// a client whose first byte starts a TLS handshake (on a plain TCP
    /// listener) ends the connection at once, as no hello starts so and a
    /// TLS client sends no line: closing is all it can take.
    async fn read_line(&mut self, mode: Mode, hello: bool) -> io::Result<Option<Line>> {
        let idle = self.shared.config.idle_timeout;
        let Session { conn, peer, .. } = self;
        let read = async {
            // Cancel safe: what `fill_buf` reads stays in the reader's buffer.
            if hello && matches!(conn.stream_mut().fill_buf().await, Ok([TLS_HANDSHAKE_RECORD, ..])) {
                tracing::debug!("control connection of {peer} closed: a TLS client on a plain TCP listener");
                return Ok(Line::Eof);
            }
            conn.next_line().await
        };
        match tokio::time::timeout(idle, read).await {
            Ok(line) => line.map(Some),
            Err(_) => {
                tracing::debug!("control session of {} idled out", self.peer);
                let e = RemoteError::new(
                    ErrorKind::IdleTimeout,
                    format!("nothing received for {idle:?}; closing the session"),
                );
                self.write(&reply(mode, None, Err(e))).await?;
                Ok(None)
            }
        }
    }

    /// Writes one reply; a client that does not take it within the write
    /// timeout loses its session, so it never holds anything up.
    async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        let stream = self.conn.stream_mut();
        let written = async {
            stream.write_all(bytes).await?;
            stream.flush().await
        };
        match tokio::time::timeout(self.shared.config.reply_timeout(), written).await {
            Ok(result) => result,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "the client does not read its replies")),
        }
    }
}

/// Resolves when the client has closed the connection (or it failed).
/// Once the client has sent more bytes, which stay buffered for the next
/// line, it cannot tell and never resolves.
///
/// Cancel safe: what `fill_buf` reads stays in the reader's buffer.
async fn client_gone(conn: &mut LineReader<Stream>) {
    match conn.stream_mut().fill_buf().await {
        Ok([]) | Err(_) => {}
        Ok(_) => std::future::pending().await,
    }
}

fn bad_request(e: serde_json::Error) -> RemoteError {
    RemoteError::new(ErrorKind::BadRequest, format!("not a valid request: {e}"))
}

/// One reply line in the session's mode, with its newline.
///
/// Text mode: the result as is, or `error: MESSAGE`. In text mode `result`
/// is already the rendered text (a JSON string).
fn reply(mode: Mode, id: Option<Value>, result: Result<Value, RemoteError>) -> Vec<u8> {
    let mut line = match (mode, result) {
        (Mode::Text, Ok(Value::String(text))) => text.into_bytes(),
        (Mode::Text, Ok(other)) => other.to_string().into_bytes(),
        (Mode::Text, Err(e)) => format!("error: {e}").into_bytes(),
        (Mode::Json, Ok(result)) => to_line(&Response::success(id, result)),
        (Mode::Json, Err(e)) => to_line(&Response::failure(id, e)),
    };
    line.push(b'\n');
    line
}

fn to_line(response: &Response) -> Vec<u8> {
    serde_json::to_vec(response).expect("a response always serializes")
}
