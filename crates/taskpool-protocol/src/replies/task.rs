use serde::{Deserialize, Serialize};

/// One running task in the result of `tasks`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskReply {
    /// The task's ID.
    pub id: u64,
    /// Its group.
    pub group: String,
    /// Seconds since it started.
    pub age_secs: f64,
}

impl TaskReply {
    /// The task with this ID, in `group`, started `age_secs` seconds ago.
    ///
    /// ```
    /// use taskpool_protocol::TaskReply;
    ///
    /// let task = TaskReply::new(3, "g", 1.5);
    /// assert_eq!((task.id, task.group.as_str(), task.age_secs), (3, "g", 1.5));
    /// ```
    pub fn new(id: u64, group: impl Into<String>, age_secs: f64) -> TaskReply {
        TaskReply { id, group: group.into(), age_secs }
    }
}
