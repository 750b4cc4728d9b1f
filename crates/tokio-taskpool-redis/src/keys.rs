//! The names of the Redis keys one queue uses (see `docs/REDIS.md`).

use std::fmt;

/// The keys and the consumer group of one queue, all derived from its name
/// so that every process that names the queue alike meets on the same keys.
///
/// The keys share a hash tag (`{name}`), so that in a Redis Cluster they
/// live in one slot and the Lua scripts may touch all of them.
///
/// ```
/// use tokio_taskpool_redis::QueueKeys;
///
/// let keys = QueueKeys::new("thumbnails");
/// assert_eq!(keys.stream(), "taskpool:{thumbnails}:stream");
/// assert_eq!(keys.group(), "taskpool");
/// assert_eq!(keys.delayed(), "taskpool:{thumbnails}:delayed");
/// assert_eq!(keys.dead(), "taskpool:{thumbnails}:dead");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct QueueKeys {
    name: String,
    stream: String,
    delayed: String,
    dead: String,
}

/// The consumer group every worker of a queue joins.
const GROUP: &str = "taskpool";

impl QueueKeys {
    /// The keys of the queue named `name`.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueKeys;
    /// assert_eq!(QueueKeys::new("q").name(), "q");
    /// ```
    pub fn new(name: impl Into<String>) -> QueueKeys {
        let name = name.into();
        QueueKeys {
            stream: format!("taskpool:{{{name}}}:stream"),
            delayed: format!("taskpool:{{{name}}}:delayed"),
            dead: format!("taskpool:{{{name}}}:dead"),
            name,
        }
    }

    /// The queue's name.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueKeys;
    /// assert_eq!(QueueKeys::new("mail").name(), "mail");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stream that holds the entries waiting or running.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueKeys;
    /// assert_eq!(QueueKeys::new("mail").stream(), "taskpool:{mail}:stream");
    /// ```
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The consumer group on [`stream`](Self::stream) that the workers join.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueKeys;
    /// assert_eq!(QueueKeys::new("mail").group(), "taskpool");
    /// ```
    pub fn group(&self) -> &str {
        GROUP
    }

    /// The sorted set of failed entries waiting for their retry, scored by
    /// the Unix time in milliseconds when they are due.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueKeys;
    /// assert_eq!(QueueKeys::new("mail").delayed(), "taskpool:{mail}:delayed");
    /// ```
    pub fn delayed(&self) -> &str {
        &self.delayed
    }

    /// The dead-letter stream: entries that failed on every delivery allowed,
    /// or could not be read, with their last error.
    ///
    /// ```
    /// # use tokio_taskpool_redis::QueueKeys;
    /// assert_eq!(QueueKeys::new("mail").dead(), "taskpool:{mail}:dead");
    /// ```
    pub fn dead(&self) -> &str {
        &self.dead
    }
}

impl fmt::Debug for QueueKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueKeys").field("name", &self.name).finish_non_exhaustive()
    }
}
