use std::error::Error;
use std::fmt;

use crate::TaskId;

/// Why a pool refused a request.
///
/// Each variant names the pool (in its display form, such as
/// `TaskPool-ingest`) and the task or group concerned, and so does the
/// message. Nothing has changed in the pool when one of these is returned.
///
/// ```
/// use tokio_taskpool::{PoolError, TaskPool};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("docs").build();
/// let err = pool.cancel_group("nope").unwrap_err();
/// assert_eq!(
///     err,
///     PoolError::GroupNotFound { pool: "TaskPool-docs".into(), group: "nope".into() }
/// );
/// assert_eq!(err.to_string(), "TaskPool-docs has no group named 'nope'");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoolError {
    /// The pool was closed by `gather_and_close` and starts nothing new.
    PoolIsClosed {
        /// The pool, e.g. `TaskPool-ingest`.
        pool: String,
    },
    /// The pool is locked (see `lock`) and starts no new groups.
    PoolIsLocked {
        /// The pool.
        pool: String,
    },
    /// A group of this name is still alive in the pool.
    GroupExists {
        /// The pool.
        pool: String,
        /// The name that was asked for.
        group: String,
    },
    /// No group of this name is alive in the pool.
    GroupNotFound {
        /// The pool.
        pool: String,
        /// The name that was asked for.
        group: String,
    },
    /// The pool never spawned a task with this ID.
    TaskNotFound {
        /// The pool.
        pool: String,
        /// The ID that was asked for.
        id: TaskId,
    },
    /// The task was cancelled before.
    AlreadyCancelled {
        /// The pool.
        pool: String,
        /// The task.
        id: TaskId,
    },
    /// The task has ended already.
    AlreadyEnded {
        /// The pool.
        pool: String,
        /// The task.
        id: TaskId,
    },
}

impl PoolError {
    /// The display name of the pool that refused, e.g. `TaskPool-ingest`.
    ///
    /// ```
    /// # use tokio_taskpool::PoolError;
    /// let err = PoolError::PoolIsClosed { pool: "TaskPool-0".into() };
    /// assert_eq!(err.pool(), "TaskPool-0");
    /// ```
    pub fn pool(&self) -> &str {
        match self {
            PoolError::PoolIsClosed { pool }
            | PoolError::PoolIsLocked { pool }
            | PoolError::GroupExists { pool, .. }
            | PoolError::GroupNotFound { pool, .. }
            | PoolError::TaskNotFound { pool, .. }
            | PoolError::AlreadyCancelled { pool, .. }
            | PoolError::AlreadyEnded { pool, .. } => pool,
        }
    }

    /// A short stable name of the kind of error, e.g. `group_not_found`,
    /// for machine-readable replies.
    ///
    /// ```
    /// # use tokio_taskpool::PoolError;
    /// let err = PoolError::PoolIsLocked { pool: "TaskPool-0".into() };
    /// assert_eq!(err.kind(), "pool_is_locked");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            PoolError::PoolIsClosed { .. } => "pool_is_closed",
            PoolError::PoolIsLocked { .. } => "pool_is_locked",
            PoolError::GroupExists { .. } => "group_exists",
            PoolError::GroupNotFound { .. } => "group_not_found",
            PoolError::TaskNotFound { .. } => "task_not_found",
            PoolError::AlreadyCancelled { .. } => "already_cancelled",
            PoolError::AlreadyEnded { .. } => "already_ended",
        }
    }
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::PoolIsClosed { pool } => write!(f, "{pool} is closed"),
            PoolError::PoolIsLocked { pool } => write!(f, "{pool} is locked"),
            PoolError::GroupExists { pool, group } => {
                write!(f, "{pool} already has a group named '{group}'")
            }
            PoolError::GroupNotFound { pool, group } => {
                write!(f, "{pool} has no group named '{group}'")
            }
            PoolError::TaskNotFound { pool, id } => write!(f, "{pool} has no task {id}"),
            PoolError::AlreadyCancelled { pool, id } => {
                write!(f, "task {id} of {pool} is already cancelled")
            }
            PoolError::AlreadyEnded { pool, id } => {
                write!(f, "task {id} of {pool} has already ended")
            }
        }
    }
}

impl Error for PoolError {}
