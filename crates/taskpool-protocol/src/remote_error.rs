use std::error::Error;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A refusal by the control server: the `error` object of a JSON-mode
/// response, and what the text parser of [`Command`](crate::Command) returns.
///
/// The [`kind`](RemoteError::kind) is a short stable word for programs to
/// match on (the full list is in `docs/PROTOCOL.md`): `bad_request`,
/// `line_too_long`, `unknown_command`, `bad_argument`, `unknown_function`,
/// `unsupported`, `read_only`, `unauthorized`, `unsupported_version`,
/// `too_many_connections`, `handshake_timeout`, `too_many_sessions`,
/// `idle_timeout`, `too_many_tasks`, `command_timeout`, or one of the
/// pool's own refusals
/// such as `pool_is_locked` or `group_not_found` (the `kind` of the pool's
/// `SpawnError`, `CancelError` and `GroupNotFound`). The
/// [`message`](RemoteError::message) is for people.
///
/// ```
/// use taskpool_protocol::RemoteError;
///
/// let err = RemoteError::new("read_only", "this control server is read-only");
/// assert_eq!(err.kind(), "read_only");
/// assert_eq!(err.to_string(), "this control server is read-only");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteError {
    kind: String,
    message: String,
}

impl RemoteError {
    /// An error of the given kind with a message for people.
    ///
    /// ```
    /// # use taskpool_protocol::RemoteError;
    /// let err = RemoteError::new("bad_argument", "expected a number");
    /// assert_eq!(err.message(), "expected a number");
    /// ```
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        RemoteError { kind: kind.into(), message: message.into() }
    }

    /// The kind of error, a short stable word such as `unknown_command`.
    ///
    /// ```
    /// # use taskpool_protocol::RemoteError;
    /// assert_eq!(RemoteError::new("unauthorized", "wrong token").kind(), "unauthorized");
    /// ```
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The message for people: lowercase, no trailing period.
    ///
    /// ```
    /// # use taskpool_protocol::RemoteError;
    /// assert_eq!(RemoteError::new("unauthorized", "wrong token").message(), "wrong token");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn bad_argument(message: impl Into<String>) -> Self {
        RemoteError::new("bad_argument", message)
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for RemoteError {}
