//! The JSON-mode messages: the hello, requests and responses. Each is one
//! line of JSON; `docs/PROTOCOL.md` describes them with examples.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RemoteError;

/// The value of the `protocol` field of a JSON-mode hello.
pub const PROTOCOL_NAME: &str = "taskpool-control";

/// The version of the JSON mode this crate speaks. A server answers a hello
/// of a version it does not know with `unsupported_version`; a server of a
/// later version keeps answering version-1 hellos in version-1 form.
pub const PROTOCOL_VERSION: u32 = 1;

/// The first line a client sends: it chooses the wire mode and carries the
/// access token.
///
/// With `protocol` set to [`PROTOCOL_NAME`] the session is in JSON mode;
/// with `terminal_width` set instead (what asyncio-taskpool's client sends)
/// it is in text mode.
///
/// ```
/// use tokio_taskpool::control::Hello;
///
/// let hello = Hello::json(Some("s3cret".into()));
/// let line = serde_json::to_string(&hello).unwrap();
/// assert_eq!(line, r#"{"protocol":"taskpool-control","version":1,"token":"s3cret"}"#);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Hello {
    /// [`PROTOCOL_NAME`] for JSON mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The JSON-mode version the client speaks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    /// The access token, when the server requires one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The client's terminal width: text mode, as asyncio-taskpool's client
    /// sends it. Used only to wrap help text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminal_width: Option<u64>,
}

impl Hello {
    /// A JSON-mode hello of this crate's [`PROTOCOL_VERSION`].
    ///
    /// ```
    /// # use tokio_taskpool::control::{Hello, PROTOCOL_VERSION};
    /// assert_eq!(Hello::json(None).version, Some(PROTOCOL_VERSION));
    /// ```
    pub fn json(token: Option<String>) -> Hello {
        Hello {
            protocol: Some(PROTOCOL_NAME.to_owned()),
            version: Some(PROTOCOL_VERSION),
            token,
            terminal_width: None,
        }
    }

    /// A text-mode hello, as asyncio-taskpool's client sends it (plus a token).
    ///
    /// ```
    /// # use tokio_taskpool::control::Hello;
    /// let line = serde_json::to_string(&Hello::text(80, None)).unwrap();
    /// assert_eq!(line, r#"{"terminal_width":80}"#);
    /// ```
    pub fn text(terminal_width: u64, token: Option<String>) -> Hello {
        Hello { protocol: None, version: None, token, terminal_width: Some(terminal_width) }
    }
}

/// The `result` of the server's answer to a JSON-mode hello.
///
/// ```
/// use tokio_taskpool::control::ServerHello;
///
/// let hello: ServerHello = serde_json::from_str(
///     r#"{"protocol":"taskpool-control","version":1,"pool":"TaskPool-0","pool_kind":"TaskPool","read_only":false}"#,
/// ).unwrap();
/// assert_eq!(hello.pool, "TaskPool-0");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerHello {
    /// Always [`PROTOCOL_NAME`].
    pub protocol: String,
    /// The version the session speaks from now on.
    pub version: u32,
    /// The pool's display name, e.g. `TaskPool-ingest`.
    pub pool: String,
    /// `TaskPool` or `SimpleTaskPool`: which commands apply.
    pub pool_kind: String,
    /// Whether the server refuses every command but queries.
    pub read_only: bool,
}

/// One JSON-mode request line.
///
/// ```
/// use serde_json::json;
/// use tokio_taskpool::control::{Command, Request};
///
/// let request = Request::new(Some(json!(7)), &Command::Start { n: 5 });
/// let line = serde_json::to_string(&request).unwrap();
/// assert_eq!(line, r#"{"id":7,"command":"start","args":{"n":5}}"#);
/// assert_eq!(request.command().unwrap(), Command::Start { n: 5 });
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Request {
    /// Any JSON value; the response carries it back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// The command's name, such as `pool-size`.
    pub command: String,
    /// The command's arguments, an object; may be left out when there are none.
    #[serde(default, skip_serializing_if = "is_empty_args")]
    pub args: Value,
}

fn is_empty_args(args: &Value) -> bool {
    args.is_null() || args.as_object().is_some_and(|fields| fields.is_empty())
}

impl Request {
    /// The request for `command`, with an optional `id`.
    pub fn new(id: Option<Value>, command: &super::Command) -> Request {
        let (name, args) = command.to_json();
        Request { id, command: name.to_owned(), args }
    }

    /// The command this request carries.
    ///
    /// # Errors
    ///
    /// As [`Command::from_json`](super::Command::from_json).
    pub fn command(&self) -> Result<super::Command, RemoteError> {
        super::Command::from_json(&self.command, &self.args)
    }
}

/// One JSON-mode response line: `{"ok": true, "result": ...}` or
/// `{"ok": false, "error": {"kind": ..., "message": ...}}`, with the
/// request's `id` when it had one.
///
/// ```
/// use serde_json::json;
/// use tokio_taskpool::control::{RemoteError, Response};
///
/// let ok = Response::success(Some(json!(1)), json!(3));
/// assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"id":1,"ok":true,"result":3}"#);
/// let err = Response::failure(None, RemoteError::new("read_only", "read-only server"));
/// assert_eq!(
///     serde_json::to_string(&err).unwrap(),
///     r#"{"ok":false,"error":{"kind":"read_only","message":"read-only server"}}"#
/// );
/// assert_eq!(err.into_result().unwrap_err().kind(), "read_only");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Response {
    /// The request's `id`, when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    /// Whether the command succeeded.
    pub ok: bool,
    /// The command's result when `ok` (`null` for commands that only act).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Why the command failed, when not `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<RemoteError>,
}

impl Response {
    /// A success carrying `result`.
    pub fn success(id: Option<Value>, result: Value) -> Response {
        Response { id, ok: true, result: Some(result), error: None }
    }

    /// A failure carrying `error`.
    pub fn failure(id: Option<Value>, error: RemoteError) -> Response {
        Response { id, ok: false, result: None, error: Some(error) }
    }

    /// The result, or the error.
    ///
    /// # Errors
    ///
    /// The response's error when it is not `ok`; a `bad_response` error when
    /// it says not `ok` but carries no error.
    pub fn into_result(self) -> Result<Value, RemoteError> {
        match (self.ok, self.error) {
            (true, _) => Ok(self.result.unwrap_or(Value::Null)),
            (false, Some(error)) => Err(error),
            (false, None) => Err(RemoteError::new("bad_response", "the server failed without saying why")),
        }
    }
}
