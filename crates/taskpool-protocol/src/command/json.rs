use serde_json::{json, Map, Value};

use super::args::Args;
use super::spec::find_spec;
use super::variants::{json_type, unknown_command};
use super::Command;
use crate::RemoteError;

impl Command {
    /// The JSON-mode form: the request's `command` name and its `args`
    /// object (see `docs/PROTOCOL.md`).
    ///
    /// ```
    /// use serde_json::json;
    /// use taskpool_protocol::Command;
    ///
    /// let (name, args) = Command::Start { n: 5 }.to_json();
    /// assert_eq!((name, args), ("start", json!({"n": 5})));
    /// ```
    pub fn to_json(&self) -> (&'static str, Value) {
        let args = match self {
            Command::Help { command: Some(command) } => json!({ "command": command }),
            Command::SetPoolSize { size } => json!({ "size": size }),
            Command::GroupIds { groups } => json!({ "groups": groups }),
            Command::Cancel { ids } => {
                json!({ "ids": ids })
            }
            Command::CancelGroup { group } => json!({ "group": group }),
            Command::Start { n } | Command::Stop { n } => json!({ "n": n }),
            Command::Retire { n, timeout_secs } => json!({ "n": n, "timeout_secs": timeout_secs }),
            Command::Apply { function, argument, num, group } => {
                let mut args = json!({ "function": function, "num": num });
                // `null`, the default, is left out, as the text form leaves it.
                if !argument.is_null() {
                    args["argument"] = argument.clone();
                }
                if let Some(group) = group {
                    args["group"] = json!(group);
                }
                args
            }
            Command::Map { function, items, num_concurrent, group, .. } => {
                let mut args =
                    json!({ "function": function, "items": items, "num_concurrent": num_concurrent });
                if let Some(group) = group {
                    args["group"] = json!(group);
                }
                args
            }
            _ => json!({}),
        };
        (self.name(), args)
    }

    /// Reads the JSON-mode form: a command name and its `args` (`null` or an
    /// object; unknown fields are refused, so that a typo is not ignored).
    ///
    /// # Errors
    ///
    /// A [`RemoteError`] of kind `unknown_command` or `bad_argument`.
    ///
    /// ```
    /// use serde_json::json;
    /// use taskpool_protocol::Command;
    ///
    /// let cmd = Command::from_json("pool-size", &json!({"size": null})).unwrap();
    /// assert_eq!(cmd, Command::SetPoolSize { size: None });
    /// assert_eq!(Command::from_json("pool-size", &json!(null)).unwrap(), Command::PoolSize);
    /// let err = Command::from_json("start", &json!({"num": 5})).unwrap_err();
    /// assert_eq!(err.to_string(), "start: unknown argument 'num'");
    /// ```
    pub fn from_json(name: &str, args: &Value) -> Result<Command, RemoteError> {
        let spec = find_spec(name).ok_or_else(|| unknown_command(name))?;
        let empty = Map::new();
        let fields = match args {
            Value::Null => &empty,
            Value::Object(fields) => fields,
            other => {
                return Err(RemoteError::bad_argument(format!(
                    "{name}: args must be an object, not {}",
                    json_type(other)
                )))
            }
        };
        Command::parse(&Args::from_json(spec, fields)?)
    }
}
