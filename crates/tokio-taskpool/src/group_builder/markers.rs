//! Which options a [`GroupBuilder`](super::GroupBuilder) has besides the
//! shared ones.

/// Marks the builder of an `apply` group: it has
/// [`num`](super::GroupBuilder::num), the number of tasks to run.
///
/// ```
/// use tokio_taskpool::{Counted, GroupBuilder, TaskPool};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let builder: GroupBuilder<'_, (), Counted> = pool.apply(|| async {});
/// builder.num(3).start().unwrap();
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Counted(pub(crate) ());

/// Marks the builder of a `map`, `map_stream` or `starmap` group: it has
/// [`num_concurrent`](super::GroupBuilder::num_concurrent), the number of
/// its tasks that run at a time.
///
/// ```
/// use tokio_taskpool::{GroupBuilder, Mapped, TaskPool};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let builder: GroupBuilder<'_, u32, Mapped> = pool.map(|x: u32| async move { x }, [1, 2]);
/// builder.num_concurrent(2).start().unwrap();
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Mapped(pub(crate) ());
