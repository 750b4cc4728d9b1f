use serde_json::{json, Map, Value};

use super::spec::find_spec;
use super::variants::{json_type, unknown_command};
use super::{Command, MapStyle};
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
                let mut args = json!({ "function": function, "argument": argument, "num": num });
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
        let allowed: &[&str] = match spec.name {
            "help" => &["command"],
            "pool-size" => &["size"],
            "group-ids" => &["groups"],
            "cancel" => &["ids"],
            "cancel-group" => &["group"],
            "start" | "stop" => &["n"],
            "retire" => &["n", "timeout_secs"],
            "apply" => &["function", "argument", "num", "group"],
            "map" | "starmap" | "doublestarmap" => &["function", "items", "num_concurrent", "group"],
            _ => &[],
        };
        // A typo is named as such, before any "missing argument".
        if let Some(key) = fields.keys().find(|key| !allowed.contains(&key.as_str())) {
            return Err(RemoteError::bad_argument(format!("{name}: unknown argument '{key}'")));
        }
        let fields = JsonArgs { command: spec.name, fields };
        let command = match spec.name {
            "help" => Command::Help { command: fields.opt_string("command")? },
            "pool-size" => match fields.get("size") {
                None => Command::PoolSize,
                Some(Value::Null) => Command::SetPoolSize { size: None },
                Some(size) => Command::SetPoolSize { size: Some(fields.usize_of("size", size)?) },
            },
            "group-ids" => Command::GroupIds { groups: fields.strings("groups")? },
            "cancel" => {
                let ids = fields.req("ids")?;
                let ids: Vec<u64> = serde_json::from_value(ids.clone()).map_err(|_| {
                    RemoteError::bad_argument("cancel: 'ids' must be an array of task IDs (numbers)")
                })?;
                if ids.is_empty() {
                    return Err(RemoteError::bad_argument("cancel: expected at least one task ID"));
                }
                Command::Cancel { ids }
            }
            "cancel-group" => Command::CancelGroup { group: fields.string("group")? },
            "start" => Command::Start { n: fields.count("n")? },
            "stop" => {
                let n = fields.req("n")?;
                Command::Stop { n: fields.usize_of("n", n)? }
            }
            "retire" => {
                let n = fields.req("n")?;
                let timeout_secs = match fields.get("timeout_secs") {
                    None => Command::DEFAULT_RETIRE_SECS,
                    Some(secs) => fields.usize_of("timeout_secs", secs)? as u64,
                };
                Command::Retire { n: fields.usize_of("n", n)?, timeout_secs }
            }
            "apply" => Command::Apply {
                function: fields.string("function")?,
                argument: fields.get("argument").cloned().unwrap_or(Value::Null),
                num: if fields.get("num").is_some() { fields.count("num")? } else { 1 },
                group: fields.opt_string("group")?,
            },
            "map" | "starmap" | "doublestarmap" => {
                let style = match spec.name {
                    "map" => MapStyle::Map,
                    "starmap" => MapStyle::Starmap,
                    _ => MapStyle::DoubleStarmap,
                };
                let items = match fields.req("items")? {
                    Value::Array(items) => items.clone(),
                    other => {
                        return Err(RemoteError::bad_argument(format!(
                            "{name}: 'items' must be an array, not {}",
                            json_type(other)
                        )))
                    }
                };
                Command::Map {
                    style,
                    function: fields.string("function")?,
                    items,
                    num_concurrent: if fields.get("num_concurrent").is_some() {
                        fields.count("num_concurrent")?
                    } else {
                        1
                    },
                    group: fields.opt_string("group")?,
                }
            }
            other => Command::without_arguments(other)
                .unwrap_or_else(|| unreachable!("command {other} is in SPECS but has no JSON reader")),
        };
        command.check_limits()
    }
}

/// The `args` object of a JSON request.
struct JsonArgs<'a> {
    command: &'static str,
    fields: &'a Map<String, Value>,
}

impl<'a> JsonArgs<'a> {
    fn get(&self, key: &'static str) -> Option<&'a Value> {
        self.fields.get(key)
    }

    fn req(&self, key: &'static str) -> Result<&'a Value, RemoteError> {
        let command = self.command;
        self.get(key).ok_or_else(|| RemoteError::bad_argument(format!("{command}: missing argument '{key}'")))
    }

    fn usize_of(&self, key: &str, value: &Value) -> Result<usize, RemoteError> {
        value.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or_else(|| {
            RemoteError::bad_argument(format!(
                "{}: '{key}' must be a whole number, not {value}",
                self.command
            ))
        })
    }

    fn count(&self, key: &'static str) -> Result<usize, RemoteError> {
        let value = self.req(key)?;
        match self.usize_of(key, value)? {
            0 => Err(RemoteError::bad_argument(format!("{}: '{key}' must be at least 1", self.command))),
            n => Ok(n),
        }
    }

    fn string(&self, key: &'static str) -> Result<String, RemoteError> {
        let command = self.command;
        match self.req(key)? {
            Value::String(s) => Ok(s.clone()),
            other => Err(RemoteError::bad_argument(format!(
                "{command}: '{key}' must be a string, not {}",
                json_type(other)
            ))),
        }
    }

    fn opt_string(&self, key: &'static str) -> Result<Option<String>, RemoteError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.string(key).map(Some),
        }
    }

    fn strings(&self, key: &'static str) -> Result<Vec<String>, RemoteError> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
                RemoteError::bad_argument(format!("{}: '{key}' must be an array of strings", self.command))
            }),
        }
    }
}
