use super::ControlledPool;

/// A pool a [`ControlServer`](crate::ControlServer) can drive: a
/// [`TaskPool`](tokio_taskpool::TaskPool) or a
/// [`SimpleTaskPool`](tokio_taskpool::SimpleTaskPool), given or borrowed
/// (the server keeps a clone, which shares the pool). Its
/// [`Kind`](Controllable::Kind) makes
/// [`register`](crate::ControlServerBuilder::register) exist only on the
/// builder of a `TaskPool`'s server: a `SimpleTaskPool` runs only its own
/// worker, so registering a function for it does not compile.
///
/// ```compile_fail
/// use taskpool_control::ControlServer;
/// use tokio_taskpool::SimpleTaskPool;
///
/// let pool = SimpleTaskPool::builder(|| async {}).build();
/// let server = ControlServer::builder(&pool).register("tick", |(): ()| async {});
/// ```
pub trait Controllable: Into<ControlledPool> + sealed::Sealed {
    /// [`ForTaskPool`] or [`ForSimpleTaskPool`].
    type Kind;
}

/// The kind of a builder of a `TaskPool`'s control server: functions can be
/// registered.
#[derive(Debug)]
pub enum ForTaskPool {}

/// The kind of a builder of a `SimpleTaskPool`'s control server.
#[derive(Debug)]
pub enum ForSimpleTaskPool {}

impl Controllable for tokio_taskpool::TaskPool {
    type Kind = ForTaskPool;
}

impl Controllable for &tokio_taskpool::TaskPool {
    type Kind = ForTaskPool;
}

impl Controllable for tokio_taskpool::SimpleTaskPool {
    type Kind = ForSimpleTaskPool;
}

impl Controllable for &tokio_taskpool::SimpleTaskPool {
    type Kind = ForSimpleTaskPool;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for tokio_taskpool::TaskPool {}
    impl Sealed for &tokio_taskpool::TaskPool {}
    impl Sealed for tokio_taskpool::SimpleTaskPool {}
    impl Sealed for &tokio_taskpool::SimpleTaskPool {}
}
