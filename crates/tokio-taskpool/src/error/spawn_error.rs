use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// Why a spawning call (`apply`, `map`, `map_stream`, `starmap`,
/// `SimpleTaskPool::start`) made no group.
///
/// ```
/// use tokio_taskpool::{SpawnError, TaskPool};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("docs").build();
/// pool.lock();
/// let err = pool.apply(|| async {}).start().unwrap_err();
/// assert!(matches!(err, SpawnError::PoolIsLocked { .. }));
/// assert_eq!(err.to_string(), "TaskPool-docs is locked");
/// assert_eq!(err.pool(), "TaskPool-docs");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpawnError {
    /// The pool was closed (`close` or `gather_and_close`) and starts
    /// nothing new.
    PoolIsClosed {
        /// The pool, e.g. `TaskPool-ingest`.
        pool: Arc<str>,
    },
    /// The pool is locked (see `lock`) and starts no new groups.
    PoolIsLocked {
        /// The pool.
        pool: Arc<str>,
    },
    /// A group of this name is still alive in the pool.
    GroupExists {
        /// The pool.
        pool: Arc<str>,
        /// The name that was asked for.
        group: String,
    },
}

impl SpawnError {
    /// The display name of the pool that refused, e.g. `TaskPool-ingest`.
    ///
    /// ```
    /// # use tokio_taskpool::SpawnError;
    /// let err = SpawnError::PoolIsClosed { pool: "TaskPool-0".into() };
    /// assert_eq!(err.pool(), "TaskPool-0");
    /// ```
    pub fn pool(&self) -> &str {
        match self {
            SpawnError::PoolIsClosed { pool }
            | SpawnError::PoolIsLocked { pool }
            | SpawnError::GroupExists { pool, .. } => pool,
        }
    }

    /// A short stable name of the kind of error, e.g. `pool_is_locked`,
    /// for machine-readable replies.
    ///
    /// ```
    /// # use tokio_taskpool::SpawnError;
    /// let err = SpawnError::PoolIsLocked { pool: "TaskPool-0".into() };
    /// assert_eq!(err.kind(), "pool_is_locked");
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            SpawnError::PoolIsClosed { .. } => "pool_is_closed",
            SpawnError::PoolIsLocked { .. } => "pool_is_locked",
            SpawnError::GroupExists { .. } => "group_exists",
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::PoolIsClosed { pool } => write!(f, "{pool} is closed"),
            SpawnError::PoolIsLocked { pool } => write!(f, "{pool} is locked"),
            SpawnError::GroupExists { pool, group } => {
                write!(f, "{pool} already has a group named '{group}'")
            }
        }
    }
}

impl Error for SpawnError {}
