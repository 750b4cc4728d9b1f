use std::fmt;

use serde::{Deserialize, Serialize};

use super::table::table;
use super::TaskReply;

/// The result of `tasks`, printable as a table.
///
/// ```
/// use taskpool_protocol::TasksReply;
///
/// let tasks: TasksReply = serde_json::from_str(r#"[{"id":3,"group":"g","age_secs":1.5}]"#).unwrap();
/// assert_eq!(tasks.to_string(), "ID  GROUP  AGE\n3   g      1.5s");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TasksReply(pub Vec<TaskReply>);

impl fmt::Display for TasksReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no running tasks");
        }
        let rows: Vec<[String; 3]> = self
            .0
            .iter()
            .map(|t| [t.id.to_string(), t.group.clone(), format!("{:.1}s", t.age_secs)])
            .collect();
        f.write_str(&table(["ID", "GROUP", "AGE"], &rows))
    }
}
