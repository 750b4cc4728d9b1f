use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::TaskId;

/// Why `cancel` cancelled nothing: the first of its task IDs that it
/// refused (it is all or nothing).
///
/// ```
/// use tokio_taskpool::{CancelError, TaskId, TaskPool};
///
/// let pool = TaskPool::builder().name("docs").build();
/// let err = pool.cancel(&[TaskId::from(7)]).unwrap_err();
/// assert!(matches!(err, CancelError::TaskNotFound { id, .. } if id == TaskId::from(7)));
/// assert_eq!(err.to_string(), "TaskPool-docs has no task 7");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelError {
    /// The pool never spawned a task with this ID.
    TaskNotFound {
        /// The pool, e.g. `TaskPool-ingest`.
        pool: Arc<str>,
        /// The ID that was asked for.
        id: TaskId,
    },
    /// The task was cancelled before and its cancellation is still under
    /// way (its callbacks run).
    AlreadyCancelled {
        /// The pool.
        pool: Arc<str>,
        /// The task.
        id: TaskId,
    },
    /// The task has ended already, however it ended.
    AlreadyEnded {
        /// The pool.
        pool: Arc<str>,
        /// The task.
        id: TaskId,
    },
}

impl CancelError {
    /// The display name of the pool that refused.
    ///
    /// ```
    /// # use tokio_taskpool::{CancelError, TaskId};
    /// let err = CancelError::AlreadyEnded { pool: "TaskPool-0".into(), id: TaskId::from(1) };
    /// assert_eq!(err.pool(), "TaskPool-0");
    /// ```
    pub fn pool(&self) -> &str {
        match self {
            CancelError::TaskNotFound { pool, .. }
            | CancelError::AlreadyCancelled { pool, .. }
            | CancelError::AlreadyEnded { pool, .. } => pool,
        }
    }

    /// The task that was refused.
    ///
    /// ```
    /// # use tokio_taskpool::{CancelError, TaskId};
    /// let err = CancelError::AlreadyEnded { pool: "TaskPool-0".into(), id: TaskId::from(1) };
    /// assert_eq!(err.id(), TaskId::from(1));
    /// ```
    pub fn id(&self) -> TaskId {
        match self {
            CancelError::TaskNotFound { id, .. }
            | CancelError::AlreadyCancelled { id, .. }
            | CancelError::AlreadyEnded { id, .. } => *id,
        }
    }

    /// A short stable name of the kind of error, e.g. `task_not_found`.
    ///
    /// ```
    /// # use tokio_taskpool::{CancelError, TaskId};
    /// let err = CancelError::TaskNotFound { pool: "TaskPool-0".into(), id: TaskId::from(1) };
    /// assert_eq!(err.kind(), "task_not_found");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            CancelError::TaskNotFound { .. } => "task_not_found",
            CancelError::AlreadyCancelled { .. } => "already_cancelled",
            CancelError::AlreadyEnded { .. } => "already_ended",
        }
    }
}

impl fmt::Display for CancelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelError::TaskNotFound { pool, id } => write!(f, "{pool} has no task {id}"),
            CancelError::AlreadyCancelled { pool, id } => {
                write!(f, "task {id} of {pool} is already cancelled")
            }
            CancelError::AlreadyEnded { pool, id } => write!(f, "task {id} of {pool} has already ended"),
        }
    }
}

impl Error for CancelError {}
