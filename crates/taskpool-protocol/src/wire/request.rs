use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Command, RemoteError};

/// One JSON-mode request line.
///
/// ```
/// use serde_json::json;
/// use taskpool_protocol::{Command, Request};
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
    pub fn new(id: Option<Value>, command: &Command) -> Request {
        let (name, args) = command.to_json();
        Request { id, command: name.to_owned(), args }
    }

    /// The command this request carries.
    ///
    /// # Errors
    ///
    /// As [`Command::from_json`](Command::from_json).
    pub fn command(&self) -> Result<Command, RemoteError> {
        Command::from_json(&self.command, &self.args)
    }
}
