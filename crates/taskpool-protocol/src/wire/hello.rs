use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
// `remote = "Self"`: the derived code becomes `Hello::serialize` and
// `Hello::deserialize`, which the impls below wrap, so that a hello must be
// a JSON object (serde would read a struct from an array too).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
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

impl Serialize for Hello {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Hello::serialize(self, serializer)
    }
}

/// Reads a hello from a JSON object only, as `docs/PROTOCOL.md` says; the
/// fuzz target `hello` found that an array such as `["taskpool-control",1]`
/// was accepted.
impl<'de> Deserialize<'de> for Hello {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Object;

        impl<'de> Visitor<'de> for Object {
            type Value = Hello;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Hello, A::Error> {
                Hello::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer.deserialize_map(Object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_is_an_object_only() {
        let hello: Hello = serde_json::from_str(r#"{"protocol":"taskpool-control","version":1}"#).unwrap();
        assert_eq!(hello, Hello::json(None));
        let text: Hello = serde_json::from_str(r#"{"terminal_width":80,"unknown":[1]}"#).unwrap();
        assert_eq!(text, Hello::text(80, None));
        for line in [r#"["taskpool-control",1]"#, "[]", "null", "80", r#""taskpool-control""#] {
            let e = serde_json::from_str::<Hello>(line).unwrap_err();
            assert!(e.to_string().contains("expected a JSON object"), "{line}: {e}");
        }
        assert!(serde_json::from_str::<Hello>(r#"{"token":"a","token":"b"}"#).is_err());
    }
}
