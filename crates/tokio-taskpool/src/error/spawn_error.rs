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
    /// The name given to [`GroupBuilder::group`](crate::GroupBuilder::group)
    /// is longer than [`MAX_GROUP_NAME_LEN`](crate::MAX_GROUP_NAME_LEN)
    /// bytes or holds a control or invisible formatting character: names
    /// are shown to operators (in the control server's replies and logs) and
    /// must not drive their terminal or look like another name.
    BadGroupName {
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
            | SpawnError::GroupExists { pool, .. }
            | SpawnError::BadGroupName { pool, .. } => pool,
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
            SpawnError::BadGroupName { .. } => "bad_group_name",
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
            SpawnError::BadGroupName { pool, group } => {
                // The name itself may be what is wrong: shown escaped, and cut.
                let shown: String = group.chars().take(64).flat_map(char::escape_debug).collect();
                let cut = if group.chars().count() > 64 { "..." } else { "" };
                write!(
                    f,
                    "{pool} refuses the group name '{shown}{cut}': at most {} bytes of printable characters",
                    crate::MAX_GROUP_NAME_LEN
                )
            }
        }
    }
}

impl Error for SpawnError {}
