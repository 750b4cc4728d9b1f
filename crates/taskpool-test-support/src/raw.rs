use std::net::SocketAddr;
use std::path::Path;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UnixStream};

use crate::within;

/// A connection to a control server that sends and reads raw lines, for
/// what a well-behaved client never sends. Every wait is bounded by
/// [`WAIT`](crate::WAIT).
pub struct Raw {
    reader: BufReader<Box<dyn AsyncReadWrite>>,
}

trait AsyncReadWrite: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncReadWrite for T {}

impl std::fmt::Debug for Raw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Raw").finish_non_exhaustive()
    }
}

impl Raw {
    /// Connects over TCP to `addr`, sending nothing.
    ///
    /// # Panics
    ///
    /// When connecting fails or takes too long.
    pub async fn tcp(addr: SocketAddr) -> Raw {
        let stream = within("connecting", TcpStream::connect(addr)).await.unwrap();
        Raw { reader: BufReader::new(Box::new(stream)) }
    }

    /// Connects to the Unix socket at `path`, sending nothing.
    ///
    /// # Panics
    ///
    /// When connecting fails or takes too long.
    pub async fn unix(path: &Path) -> Raw {
        let stream = within("connecting", UnixStream::connect(path)).await.unwrap();
        Raw { reader: BufReader::new(Box::new(stream)) }
    }

    /// Connects over TCP to `addr`, opens a JSON-mode session and checks
    /// the server's hello.
    ///
    /// # Panics
    ///
    /// When connecting fails or the server refuses the hello.
    pub async fn json(addr: SocketAddr) -> Raw {
        let mut raw = Raw::tcp(addr).await;
        let hello = raw.ask_json(&json!({"protocol": "taskpool-control", "version": 1})).await;
        assert_eq!(hello["ok"], json!(true), "hello refused: {hello}");
        raw
    }

    /// Sends `bytes` as they are.
    ///
    /// # Panics
    ///
    /// When writing fails or takes too long.
    pub async fn send(&mut self, bytes: &[u8]) {
        within("sending", self.reader.get_mut().write_all(bytes)).await.unwrap();
    }

    /// Sends `line` and a newline.
    ///
    /// # Panics
    ///
    /// As [`Raw::send`].
    pub async fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\n").as_bytes()).await;
    }

    /// The next line, without its newline; `None` at the end of the stream
    /// (or when reading fails).
    ///
    /// # Panics
    ///
    /// When no line and no end comes in time.
    pub async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        let n = within("a reply line", self.reader.read_line(&mut line)).await.unwrap_or(0);
        (n > 0).then(|| line.trim_end_matches('\n').to_owned())
    }

    /// The next line, which must come.
    ///
    /// # Panics
    ///
    /// At the end of the stream, or when no line comes in time.
    pub async fn expect_line(&mut self) -> String {
        self.line().await.expect("a reply, not the end of the stream")
    }

    /// Reads `n` lines (a multi-line text reply).
    ///
    /// # Panics
    ///
    /// As [`Raw::expect_line`].
    pub async fn lines(&mut self, n: usize) -> Vec<String> {
        let mut lines = Vec::new();
        for _ in 0..n {
            lines.push(self.expect_line().await);
        }
        lines
    }

    /// Sends `line` and returns the line that answers it.
    ///
    /// # Panics
    ///
    /// As [`Raw::send`] and [`Raw::expect_line`].
    pub async fn ask(&mut self, line: &str) -> String {
        self.send_line(line).await;
        self.expect_line().await
    }

    /// Sends `request` as one JSON line and returns the JSON answer.
    ///
    /// # Panics
    ///
    /// As [`Raw::ask`], and when the answer is not JSON.
    pub async fn ask_json(&mut self, request: &Value) -> Value {
        let reply = self.ask(&request.to_string()).await;
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("reply {reply:?} is not JSON: {e}"))
    }

    /// Asserts that the server closes the connection.
    ///
    /// # Panics
    ///
    /// When a line comes instead.
    pub async fn expect_closed(&mut self) {
        if let Some(line) = self.line().await {
            panic!("expected the server to close the connection, got {line:?}");
        }
    }
}

/// The `error` of a JSON response, as (kind, message).
///
/// # Panics
///
/// When `response` is not a failure with a kind and a message.
///
/// ```
/// use serde_json::json;
///
/// let response = json!({"ok": false, "error": {"kind": "read_only", "message": "no"}});
/// assert_eq!(taskpool_test_support::error_of(&response), ("read_only".to_owned(), "no".to_owned()));
/// ```
pub fn error_of(response: &Value) -> (String, String) {
    assert_eq!(response["ok"], json!(false), "expected an error response: {response}");
    let error = &response["error"];
    (error["kind"].as_str().unwrap().to_owned(), error["message"].as_str().unwrap().to_owned())
}
