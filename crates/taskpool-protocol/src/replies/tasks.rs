use std::fmt;

use serde::{Deserialize, Serialize};

use super::table::table;
use super::TaskReply;

/// The result of `tasks`: the running tasks by ID, at most as many as the
/// server's row limit, with the number of running tasks in all; printable
/// as a table.
///
/// ```
/// use taskpool_protocol::{TaskReply, TasksReply};
///
/// let tasks: TasksReply =
///     serde_json::from_str(r#"{"tasks":[{"id":3,"group":"g","age_secs":1.5}],"total":1,"truncated":false}"#)
///         .unwrap();
/// assert_eq!(tasks.to_string(), "ID  GROUP  AGE\n3   g      1.5s");
///
/// // A reply cut at the server's row limit says so.
/// let cut = TasksReply::new(vec![TaskReply::new(3, "g", 1.5)], 5);
/// assert!(cut.truncated);
/// assert!(cut.to_string().ends_with("(truncated: 4 more not shown, 5 running tasks in all)"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TasksReply {
    /// The running tasks, by ID; the first ones only when `truncated`.
    pub tasks: Vec<TaskReply>,
    /// How many tasks were running in all.
    pub total: usize,
    /// Whether `tasks` is cut short at the server's row limit.
    pub truncated: bool,
}

impl TasksReply {
    /// `tasks`, the first of `total` running tasks; truncated when fewer
    /// than `total`.
    pub fn new(tasks: Vec<TaskReply>, total: usize) -> TasksReply {
        let truncated = tasks.len() < total;
        TasksReply { tasks, total, truncated }
    }
}

impl fmt::Display for TasksReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.tasks.is_empty() && !self.truncated {
            return f.write_str("no running tasks");
        }
        let rows: Vec<[String; 3]> = self
            .tasks
            .iter()
            .map(|t| [t.id.to_string(), t.group.clone(), format!("{:.1}s", t.age_secs)])
            .collect();
        f.write_str(&table(["ID", "GROUP", "AGE"], &rows))?;
        if self.truncated {
            let more = self.total.saturating_sub(self.tasks.len());
            write!(f, "\n(truncated: {more} more not shown, {} running tasks in all)", self.total)?;
        }
        Ok(())
    }
}
