use taskpool_protocol::PoolKind;
use tokio_taskpool::{PoolHandle, SimpleTaskPool, TaskPool};

/// The pool a control server drives: either kind. Made with `From` from a
/// pool or a reference to one, so [`ControlServer::builder`](crate::ControlServer::builder)
/// takes either.
///
/// ```
/// use taskpool_control::ControlledPool;
/// use tokio_taskpool::SimpleTaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = SimpleTaskPool::new(|| async {});
/// let controlled = ControlledPool::from(&pool);
/// assert_eq!(controlled.kind(), taskpool_protocol::PoolKind::SimpleTaskPool);
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ControlledPool {
    /// A [`TaskPool`](tokio_taskpool::TaskPool): `apply` and the map commands run registered functions.
    TaskPool(TaskPool),
    /// A [`SimpleTaskPool`](tokio_taskpool::SimpleTaskPool): `start`, `stop` and `stop-all` apply.
    SimpleTaskPool(SimpleTaskPool),
}

impl ControlledPool {
    /// The controls both kinds share.
    ///
    /// ```
    /// # use taskpool_control::ControlledPool;
    /// # use tokio_taskpool::TaskPool;
    /// let pool = TaskPool::builder().name("ingest").build();
    /// assert_eq!(ControlledPool::from(&pool).handle().to_string(), "TaskPool-ingest");
    /// ```
    pub fn handle(&self) -> PoolHandle {
        match self {
            ControlledPool::TaskPool(pool) => pool.handle(),
            ControlledPool::SimpleTaskPool(pool) => pool.handle(),
        }
    }

    /// Which kind of pool it is; some commands apply to one kind only.
    pub fn kind(&self) -> PoolKind {
        match self {
            ControlledPool::TaskPool(_) => PoolKind::TaskPool,
            ControlledPool::SimpleTaskPool(_) => PoolKind::SimpleTaskPool,
        }
    }
}

impl From<TaskPool> for ControlledPool {
    fn from(pool: TaskPool) -> Self {
        ControlledPool::TaskPool(pool)
    }
}

impl From<&TaskPool> for ControlledPool {
    fn from(pool: &TaskPool) -> Self {
        ControlledPool::TaskPool(pool.clone())
    }
}

impl From<SimpleTaskPool> for ControlledPool {
    fn from(pool: SimpleTaskPool) -> Self {
        ControlledPool::SimpleTaskPool(pool)
    }
}

impl From<&SimpleTaskPool> for ControlledPool {
    fn from(pool: &SimpleTaskPool) -> Self {
        ControlledPool::SimpleTaskPool(pool.clone())
    }
}
