use std::fmt;

use crate::TaskId;

/// What went wrong with one task, kept until the next `flush` or
/// `gather_and_close` reports it.
///
/// ```
/// # use tokio_taskpool::{FailureStage, TaskPool};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// pool.apply(|| async { panic!("disk full") }).group("writer").start().unwrap();
/// let report = pool.gather_and_close().await;
/// let failure = &report.failures()[0];
/// assert_eq!((failure.group.as_str(), failure.stage), ("writer", FailureStage::Task));
/// assert_eq!(failure.to_string(), "task 0 (group 'writer') panicked: disk full");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskFailure {
    /// The task, or `None` when the group's input (its iterator or stream)
    /// panicked rather than a task.
    pub id: Option<TaskId>,
    /// The group of the task.
    pub group: String,
    /// Which piece of user code panicked.
    pub stage: FailureStage,
    /// The panic message, when the payload was a string.
    pub message: String,
}

/// Which piece of user code a [`TaskFailure`] comes from.
///
/// ```
/// # use tokio_taskpool::{FailureStage, TaskPool};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// pool.apply(|| async { panic!("disk full") }).group("writer").start().unwrap();
/// let report = pool.gather_and_close().await;
/// assert_eq!(report.failures()[0].stage, FailureStage::Task);
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureStage {
    /// The task itself (or the factory that made its future).
    Task,
    /// The task's `on_end` callback.
    OnEnd,
    /// The task's `on_cancel` callback.
    OnCancel,
    /// The iterator or stream feeding a map group.
    Input,
}

impl fmt::Display for TaskFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match self.stage {
            FailureStage::Task => "task",
            FailureStage::OnEnd => "on_end callback of task",
            FailureStage::OnCancel => "on_cancel callback of task",
            FailureStage::Input => "input",
        };
        match self.id {
            Some(id) => write!(f, "{stage} {id} (group '{}') panicked: {}", self.group, self.message),
            None => write!(f, "{stage} of group '{}' panicked: {}", self.group, self.message),
        }
    }
}

/// What `flush` and `gather_and_close` report: the failures since the last
/// report.
///
/// The pool keeps the most recent [`PoolReport::KEPT_FAILURES`] failures in
/// detail and counts all of them, so a pool that fails often still uses
/// bounded memory.
///
/// ```
/// # use tokio_taskpool::{FailureStage, TaskPool};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// pool.apply(|| async { panic!("disk full") }).group("writer").start().unwrap();
/// let report = pool.gather_and_close().await;
/// assert!(!report.is_clean());
/// assert_eq!(report.num_failed(), 1);
/// assert_eq!(report.failures()[0].message, "disk full");
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolReport {
    pub(crate) failures: Vec<TaskFailure>,
    pub(crate) num_failed: u64,
    pub(crate) unstarted_inputs: u64,
}

impl PoolReport {
    /// How many failures a pool keeps in detail between two reports.
    ///
    /// ```
    /// # use tokio_taskpool::{PoolReport, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { panic!() }).num(100).start().unwrap();
    /// let report = pool.gather_and_close().await;
    /// assert_eq!((report.num_failed(), report.failures().len()), (100, PoolReport::KEPT_FAILURES));
    /// # }
    /// ```
    pub const KEPT_FAILURES: usize = 64;

    /// The most recent failures, oldest first.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { panic!("x") }).start().unwrap();
    /// let report = pool.gather_and_close().await;
    /// assert_eq!(report.failures()[0].message, "x");
    /// # }
    /// ```
    pub fn failures(&self) -> &[TaskFailure] {
        &self.failures
    }

    /// How many panics were caught since the last report (may exceed
    /// `failures().len()`).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { panic!("x") }).start().unwrap();
    /// let report = pool.gather_and_close().await;
    /// assert_eq!(report.num_failed(), 1);
    /// # }
    /// ```
    pub fn num_failed(&self) -> u64 {
        self.num_failed
    }

    /// How many inputs of map groups that were cancelled or stopped before
    /// their input ran out were never started, since the last report (only
    /// inputs that know their length, such as a `Vec` or a range, can be
    /// counted; a group's handle says so per group, see
    /// [`GroupHandle::unstarted_inputs`](crate::GroupHandle::unstarted_inputs)).
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let group = pool.map(|_: u32| std::future::pending::<()>(), 0..10).num_concurrent(3).start().unwrap();
    /// tokio::task::yield_now().await;
    /// group.cancel();
    /// assert_eq!(pool.flush().await.unstarted_inputs(), 7);
    /// # }
    /// ```
    pub fn unstarted_inputs(&self) -> u64 {
        self.unstarted_inputs
    }

    /// Whether nothing failed since the last report.
    ///
    /// ```
    /// # use tokio_taskpool::TaskPool;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(|| async { panic!("x") }).start().unwrap();
    /// let report = pool.gather_and_close().await;
    /// assert!(!report.is_clean());
    /// assert!(pool.flush().await.is_clean());
    /// # }
    /// ```
    pub fn is_clean(&self) -> bool {
        self.num_failed == 0
    }
}

/// What [`PoolHandle::stop_gracefully`](crate::PoolHandle::stop_gracefully) did.
///
/// See its methods for an example.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GracefulStop {
    pub(crate) stopped_in_time: usize,
    pub(crate) dropped: Vec<TaskId>,
}

impl GracefulStop {
    /// How many running tasks ended by themselves before the deadline.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool::{current, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(current::stop_requested).start().unwrap(); // stops when asked
    /// pool.apply(std::future::pending::<()>).start().unwrap(); // never does
    /// tokio::task::yield_now().await;
    /// let stop = pool.stop_gracefully(Duration::from_secs(1)).await;
    /// assert_eq!(stop.stopped_in_time(), 1);
    /// # }
    /// ```
    pub fn stopped_in_time(&self) -> usize {
        self.stopped_in_time
    }

    /// The tasks still running at the deadline, which were cancelled.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tokio_taskpool::{current, TaskPool};
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// pool.apply(current::stop_requested).start().unwrap(); // stops when asked
    /// pool.apply(std::future::pending::<()>).start().unwrap(); // never does
    /// tokio::task::yield_now().await;
    /// let stop = pool.stop_gracefully(Duration::from_secs(1)).await;
    /// assert_eq!(stop.dropped(), [1.into()]);
    /// # }
    /// ```
    pub fn dropped(&self) -> &[TaskId] {
        &self.dropped
    }
}
