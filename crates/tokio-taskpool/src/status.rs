use std::fmt;
use std::time::Duration;

use crate::TaskId;

/// A snapshot of a pool, as [`PoolHandle::status`](crate::PoolHandle::status)
/// returns it.
///
/// Taking it costs the same however many tasks are alive: it lists groups,
/// not tasks (see [`PoolHandle::running_tasks`](crate::PoolHandle::running_tasks)).
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let pool = TaskPool::builder().name("s").pool_size(1).build();
/// pool.apply(std::future::pending::<()>).num(3).group("idle").start().unwrap();
/// tokio::task::yield_now().await;
/// let status = pool.status();
/// assert_eq!((status.running, status.waiting, status.groups[0].name.as_str()), (1, 2, "idle"));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStatus {
    /// The pool's display name, e.g. `TaskPool-ingest`.
    pub name: String,
    /// The configured size limit; `None` means unlimited.
    pub pool_size: Option<usize>,
    /// Tasks running now.
    pub running: usize,
    /// Tasks that meta tasks want to start but have not started yet, for lack of room.
    pub waiting: usize,
    /// Tasks cancelled since the pool was made.
    pub cancelled: u64,
    /// Tasks ended since the pool was made, however they ended.
    pub ended: u64,
    /// Panics caught since the pool was made, in tasks, callbacks and inputs.
    pub failed: u64,
    /// Whether the pool refuses new groups (see `lock`).
    pub locked: bool,
    /// Whether the pool has been closed by `gather_and_close`.
    pub closed: bool,
    /// The groups alive now, oldest first.
    pub groups: Vec<GroupStatus>,
}

/// One group in a [`PoolStatus`].
///
/// ```
/// # use tokio_taskpool::{GroupKind, TaskPool};
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let pool = TaskPool::new();
/// pool.map(|_: u8| std::future::pending::<()>(), [1, 2, 3]).num_concurrent(2).start().unwrap();
/// tokio::task::yield_now().await;
/// let group = &pool.status().groups[0];
/// assert_eq!((group.kind, group.tasks, group.started, group.spawning), (GroupKind::Map, 2, 2, true));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupStatus {
    /// The group's name.
    pub name: String,
    /// How the group was made.
    pub kind: GroupKind,
    /// Tasks of the group that are alive now (running, or ending).
    pub tasks: usize,
    /// Tasks of the group started so far.
    pub started: u64,
    /// Whether the group's meta task is still starting tasks.
    pub spawning: bool,
}

/// How a group was made.
///
/// ```
/// use tokio_taskpool::GroupKind;
/// assert_eq!(GroupKind::MapStream.to_string(), "map_stream");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GroupKind {
    /// `TaskPool::apply`.
    Apply,
    /// `TaskPool::map` over an iterator.
    Map,
    /// `TaskPool::map_stream`.
    MapStream,
    /// `TaskPool::starmap`.
    Starmap,
    /// `SimpleTaskPool::start`.
    Start,
}

impl GroupKind {
    /// The word used in status output.
    ///
    /// ```
    /// # use tokio_taskpool::GroupKind;
    /// assert_eq!(GroupKind::Starmap.as_str(), "starmap");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Apply => "apply",
            GroupKind::Map => "map",
            GroupKind::MapStream => "map_stream",
            GroupKind::Starmap => "starmap",
            GroupKind::Start => "start",
        }
    }

    /// The prefix of default group names: `map_stream` groups are `map-group-N`
    /// like the guide's map groups.
    pub(crate) fn default_prefix(self) -> &'static str {
        match self {
            GroupKind::Apply => "apply",
            GroupKind::Map | GroupKind::MapStream => "map",
            GroupKind::Starmap => "starmap",
            GroupKind::Start => "start",
        }
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A running task, as [`PoolHandle::running_tasks`](crate::PoolHandle::running_tasks)
/// lists it.
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let pool = TaskPool::new();
/// pool.apply(std::future::pending::<()>).start().unwrap();
/// tokio::task::yield_now().await;
/// let info = &pool.running_tasks()[0];
/// assert_eq!((info.id.as_u64(), info.group.as_str()), (0, "apply-group-0"));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskInfo {
    /// The task's ID.
    pub id: TaskId,
    /// The task's group.
    pub group: String,
    /// How long ago it started (on tokio's clock, so paused time applies).
    pub age: Duration,
}
