use serde::{Deserialize, Serialize};

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
/// use taskpool_protocol::Hello;
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
    /// # use taskpool_protocol::{Hello, PROTOCOL_VERSION};
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
    /// # use taskpool_protocol::Hello;
    /// let line = serde_json::to_string(&Hello::text(80, None)).unwrap();
    /// assert_eq!(line, r#"{"terminal_width":80}"#);
    /// ```
    pub fn text(terminal_width: u64, token: Option<String>) -> Hello {
        Hello { protocol: None, version: None, token, terminal_width: Some(terminal_width) }
    }
}
