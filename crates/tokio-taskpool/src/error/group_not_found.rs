use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// No group of this name is alive in the pool: returned by `cancel_group`
/// and `group_ids`.
///
/// A group is alive while its meta task may still start tasks or any of its
/// tasks is alive; then the pool forgets it, so that a long-lived pool
/// keeps nothing per finished group. A [`GroupHandle`](crate::GroupHandle)
/// can cancel its own group at any time, forgotten or not.
///
/// ```
/// use tokio_taskpool::{GroupNotFound, TaskPool};
///
/// let pool = TaskPool::builder().name("docs").build();
/// let err = pool.cancel_group("nope").unwrap_err();
/// assert_eq!(err.group(), "nope");
/// assert_eq!(err.to_string(), "TaskPool-docs has no group named 'nope'");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupNotFound {
    pub(crate) pool: Arc<str>,
    pub(crate) group: String,
}

impl GroupNotFound {
    /// The display name of the pool.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::builder().name("docs").build();
    /// assert_eq!(pool.cancel_group("x").unwrap_err().pool(), "TaskPool-docs");
    /// ```
    pub fn pool(&self) -> &str {
        &self.pool
    }

    /// The name that was asked for.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// assert_eq!(TaskPool::new().group_ids(&["x"]).unwrap_err().group(), "x");
    /// ```
    pub fn group(&self) -> &str {
        &self.group
    }

    /// `group_not_found`, for machine-readable replies.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// assert_eq!(TaskPool::new().cancel_group("x").unwrap_err().kind(), "group_not_found");
    /// ```
    pub fn kind(&self) -> &'static str {
        "group_not_found"
    }
}

impl fmt::Display for GroupNotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} has no group named '{}'", self.pool, self.group)
    }
}

impl Error for GroupNotFound {}
