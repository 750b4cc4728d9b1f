use crate::{PoolHandle, SimpleTaskPool, TaskPool};

/// The pool a control server drives: either kind. Made with `From` from a
/// pool or a reference to one, so [`ControlServer::builder`](super::ControlServer::builder)
/// takes either.
///
/// ```
/// use tokio_taskpool::control::ControlledPool;
/// use tokio_taskpool::SimpleTaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = SimpleTaskPool::new(|| async {});
/// let controlled = ControlledPool::from(&pool);
/// assert_eq!(controlled.kind(), "SimpleTaskPool");
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ControlledPool {
    /// A [`TaskPool`]: `apply` and the map commands run registered functions.
    TaskPool(TaskPool),
    /// A [`SimpleTaskPool`]: `start`, `stop` and `stop-all` apply.
    SimpleTaskPool(SimpleTaskPool),
}

impl ControlledPool {
    /// The controls both kinds share.
    ///
    /// ```
    /// # use tokio_taskpool::control::ControlledPool;
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

    /// `TaskPool` or `SimpleTaskPool`.
    pub fn kind(&self) -> &'static str {
        match self {
            ControlledPool::TaskPool(_) => "TaskPool",
            ControlledPool::SimpleTaskPool(_) => "SimpleTaskPool",
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
