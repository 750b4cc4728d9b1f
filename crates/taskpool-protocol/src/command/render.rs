use serde_json::Value;

use super::Command;
use crate::{FlushReply, FunctionInfo, RetireReply, StatusReply, TasksReply};

impl Command {
    /// Prints a successful result of this command for people: what the text
    /// mode answers and what `taskpool-ctl` prints. `null` (a command that
    /// only acts) is `ok`, a string is itself, `status` and `tasks` are
    /// tables, and anything else is compact JSON.
    ///
    /// ```
    /// use serde_json::json;
    /// use taskpool_protocol::Command;
    ///
    /// assert_eq!(Command::Lock.render(&json!(null)), "ok");
    /// assert_eq!(Command::PoolSize.render(&json!(null)), "none");
    /// assert_eq!(Command::NumRunning.render(&json!(4)), "4");
    /// assert_eq!(Command::GroupIds { groups: vec![] }.render(&json!([0, 2])), "[0,2]");
    /// ```
    pub fn render(&self, result: &Value) -> String {
        let special = match self {
            Command::PoolSize if result.is_null() => Some("none".to_owned()),
            Command::Status => from::<StatusReply>(result).map(|r| r.to_string()),
            Command::Tasks => from::<TasksReply>(result).map(|r| r.to_string()),
            Command::Flush => from::<FlushReply>(result).map(|r| r.to_string()),
            Command::Retire { .. } => from::<RetireReply>(result).map(|r| r.to_string()),
            Command::Registered => from::<Vec<FunctionInfo>>(result).map(|functions| {
                if functions.is_empty() {
                    return "no registered functions".to_owned();
                }
                let lines: Vec<String> =
                    functions.iter().map(|f| format!("{}({})", f.name, f.argument)).collect();
                lines.join("\n")
            }),
            _ => None,
        };
        special.unwrap_or_else(|| match result {
            Value::Null => "ok".to_owned(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    }
}

fn from<T: serde::de::DeserializeOwned>(value: &Value) -> Option<T> {
    T::deserialize(value).ok()
}
