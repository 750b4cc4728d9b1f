use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ErrorKind, RemoteError};

/// One JSON-mode response line: `{"ok": true, "result": ...}` or
/// `{"ok": false, "error": {"kind": ..., "message": ...}}`, with the
/// request's `id` when it had one.
///
/// ```
/// use serde_json::json;
/// use taskpool_protocol::{ErrorKind, RemoteError, Response};
///
/// let ok = Response::success(Some(json!(1)), json!(3));
/// assert_eq!(serde_json::to_string(&ok).unwrap(), r#"{"id":1,"ok":true,"result":3}"#);
/// let err = Response::failure(None, RemoteError::new(ErrorKind::ReadOnly, "read-only server"));
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
            (false, None) => {
                Err(RemoteError::new(ErrorKind::BadResponse, "the server failed without saying why"))
            }
        }
    }
}
