use std::fmt;

/// The ID of a task in a pool: 0, 1, 2, … in the order the pool spawned them.
///
/// IDs are unique within one pool and never reused, also after the task has
/// ended and the pool has forgotten it. Two pools hand out the same IDs.
///
/// ```
/// use tokio_taskpool::TaskId;
///
/// let id = TaskId::from(3);
/// assert_eq!(id.as_u64(), 3);
/// assert_eq!(id.to_string(), "3");
/// assert!(TaskId::from(2) < id);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct TaskId(u64);

impl TaskId {
    /// The ID as a number.
    ///
    /// ```
    /// # use tokio_taskpool::TaskId;
    /// assert_eq!(TaskId::from(7).as_u64(), 7);
    /// ```
    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

impl From<u64> for TaskId {
    /// Names the task with this number, e.g. one an operator typed.
    fn from(id: u64) -> Self {
        TaskId(id)
    }
}

impl fmt::Display for TaskId {
    /// The bare number, so that `Task-{id}` reads naturally in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}
