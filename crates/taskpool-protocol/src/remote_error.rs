use std::error::Error;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ErrorKind;

/// A refusal by the control server: the `error` object of a JSON-mode
/// response, and what the text parser of [`Command`](crate::Command) returns.
///
/// The [`kind`](RemoteError::kind) is for programs to match on: an
/// [`ErrorKind`], a short stable word on the wire (the full list is in
/// `docs/PROTOCOL.md`), among them the pool's own refusals such as
/// `pool_is_locked` or `group_not_found` (the `kind` of the pool's
/// `SpawnError`, `CancelError` and `GroupNotFound`). The
/// [`message`](RemoteError::message) is for people.
///
/// ```
/// use taskpool_protocol::{ErrorKind, RemoteError};
///
/// let err = RemoteError::new(ErrorKind::ReadOnly, "this control server is read-only");
/// assert_eq!(err.kind(), &ErrorKind::ReadOnly);
/// assert_eq!(err.kind(), "read_only");
/// assert_eq!(err.to_string(), "this control server is read-only");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteError {
    kind: ErrorKind,
    message: String,
}

impl RemoteError {
    /// An error of the given kind with a message for people.
    ///
    /// ```
    /// # use taskpool_protocol::{ErrorKind, RemoteError};
    /// let err = RemoteError::new(ErrorKind::BadArgument, "expected a number");
    /// assert_eq!(err.message(), "expected a number");
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        RemoteError { kind, message: message.into() }
    }

    /// The kind of error, such as [`ErrorKind::UnknownCommand`]
    /// (`unknown_command` on the wire).
    ///
    /// ```
    /// # use taskpool_protocol::{ErrorKind, RemoteError};
    /// assert_eq!(RemoteError::new(ErrorKind::Unauthorized, "wrong token").kind(), &ErrorKind::Unauthorized);
    /// ```
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The message for people: lowercase, no trailing period.
    ///
    /// ```
    /// # use taskpool_protocol::{ErrorKind, RemoteError};
    /// assert_eq!(RemoteError::new(ErrorKind::Unauthorized, "wrong token").message(), "wrong token");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    pub(crate) fn bad_argument(message: impl Into<String>) -> Self {
        RemoteError::new(ErrorKind::BadArgument, message)
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for RemoteError {}
