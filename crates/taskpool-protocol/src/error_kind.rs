use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares every kind once: its variant, its documentation and its word on
/// the wire, from which both directions of the mapping are made.
macro_rules! error_kinds {
    ($($(#[doc = $doc:literal])* $variant:ident => $word:literal,)*) => {
        /// What a [`RemoteError`](crate::RemoteError) is about, for programs to
        /// match on. On the wire each kind is a short stable word
        /// ([`as_str`](ErrorKind::as_str)), listed in `docs/PROTOCOL.md`; a
        /// word this version does not know is kept as
        /// [`Other`](ErrorKind::Other), so that a newer server's new kinds
        /// reach an older client intact.
        ///
        /// ```
        /// use taskpool_protocol::ErrorKind;
        ///
        /// assert_eq!(ErrorKind::from_word("read_only"), ErrorKind::ReadOnly);
        /// assert_eq!(ErrorKind::ReadOnly.as_str(), "read_only");
        /// assert_eq!(ErrorKind::from_word("new_kind"), ErrorKind::Other("new_kind".into()));
        /// assert!(ErrorKind::ReadOnly == *"read_only");
        /// ```
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorKind {
            $($(#[doc = $doc])* $variant,)*
            /// A word this version does not know.
            Other(String),
        }

        impl ErrorKind {
            /// The word on the wire, such as `unknown_command`.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorKind::$variant => $word,)*
                    ErrorKind::Other(word) => word,
                }
            }

            /// The kind a word on the wire stands for.
            pub fn from_word(word: &str) -> ErrorKind {
                match word {
                    $($word => ErrorKind::$variant,)*
                    other => ErrorKind::Other(other.to_owned()),
                }
            }
        }
    };
}

error_kinds! {
    /// The line is not a valid request (not JSON, not an object, a field of
    /// the wrong type, not UTF-8, bad quoting, empty).
    BadRequest => "bad_request",
    /// The first line is not a valid hello.
    BadHandshake => "bad_handshake",
    /// The client speaks a version of the protocol this server does not.
    UnsupportedVersion => "unsupported_version",
    /// A wrong or missing access token.
    Unauthorized => "unauthorized",
    /// A plain connection to a TCP listener that speaks TLS only.
    TlsRequired => "tls_required",
    /// The connection was pushed out by newer ones before its hello.
    TooManyConnections => "too_many_connections",
    /// The hello did not come, complete, within the handshake deadline.
    HandshakeTimeout => "handshake_timeout",
    /// Every session place is taken.
    TooManySessions => "too_many_sessions",
    /// Nothing was received for the idle timeout.
    IdleTimeout => "idle_timeout",
    /// The line is longer than the server takes.
    LineTooLong => "line_too_long",
    /// No command has this name.
    UnknownCommand => "unknown_command",
    /// An argument is missing, extra, or of the wrong form.
    BadArgument => "bad_argument",
    /// No function is registered under this name.
    UnknownFunction => "unknown_function",
    /// The command does not apply to this kind of pool.
    Unsupported => "unsupported",
    /// The session may only run queries.
    ReadOnly => "read_only",
    /// The command asks for more tasks than one command may start.
    TooManyTasks => "too_many_tasks",
    /// The command did not finish within the command timeout.
    CommandTimeout => "command_timeout",
    /// Made by the client, not sent: the server's response says it failed
    /// without saying why.
    BadResponse => "bad_response",
    /// The pool is closed: it starts nothing new.
    PoolIsClosed => "pool_is_closed",
    /// The pool is locked: it starts no new group.
    PoolIsLocked => "pool_is_locked",
    /// A group of this name is alive already.
    GroupExists => "group_exists",
    /// The group name is empty, too long or holds control characters.
    BadGroupName => "bad_group_name",
    /// No alive group has this name.
    GroupNotFound => "group_not_found",
    /// No task has this ID.
    TaskNotFound => "task_not_found",
    /// The task is being cancelled already.
    AlreadyCancelled => "already_cancelled",
    /// The task has ended already.
    AlreadyEnded => "already_ended",
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests and programs compare with the word, as `kind == *"read_only"`
/// or `assert_eq!(err.kind(), "read_only")`.
impl PartialEq<str> for ErrorKind {
    fn eq(&self, word: &str) -> bool {
        self.as_str() == word
    }
}

impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ErrorKind::from_word(&word))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_maps_back_to_its_kind() {
        for word in ["bad_request", "tls_required", "group_not_found", "already_ended", "command_timeout"] {
            let kind = ErrorKind::from_word(word);
            assert!(!matches!(kind, ErrorKind::Other(_)), "{word} is known");
            assert_eq!(kind.as_str(), word);
        }
    }

    #[test]
    fn kinds_travel_as_their_words() {
        let json = serde_json::to_string(&ErrorKind::TooManySessions).unwrap();
        assert_eq!(json, "\"too_many_sessions\"");
        assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), ErrorKind::TooManySessions);
        assert_eq!(serde_json::from_str::<ErrorKind>("\"later\"").unwrap(), ErrorKind::Other("later".into()));
    }
}
