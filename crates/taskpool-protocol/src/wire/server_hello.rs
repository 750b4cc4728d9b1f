use serde::{Deserialize, Serialize};

use super::{PROTOCOL_NAME, PROTOCOL_VERSION};

/// The `result` of the server's answer to a JSON-mode hello.
///
/// ```
/// use taskpool_protocol::ServerHello;
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

impl ServerHello {
    /// The answer of a server of this crate's [`PROTOCOL_VERSION`] that
    /// serves the pool named `pool`, of kind `pool_kind` (`TaskPool` or
    /// `SimpleTaskPool`).
    ///
    /// ```
    /// use taskpool_protocol::{ServerHello, PROTOCOL_NAME};
    ///
    /// let hello = ServerHello::new("TaskPool-ingest", "TaskPool", true);
    /// assert_eq!((hello.protocol.as_str(), hello.read_only), (PROTOCOL_NAME, true));
    /// ```
    pub fn new(pool: impl Into<String>, pool_kind: impl Into<String>, read_only: bool) -> ServerHello {
        ServerHello {
            protocol: PROTOCOL_NAME.to_owned(),
            version: PROTOCOL_VERSION,
            pool: pool.into(),
            pool_kind: pool_kind.into(),
            read_only,
        }
    }
}
