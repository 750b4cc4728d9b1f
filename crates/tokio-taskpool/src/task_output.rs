use std::any::Any;
use std::fmt;

use crate::TaskId;

/// How one task of a group ended: its value, or why there is none.
///
/// A [`GroupHandle`](crate::GroupHandle) yields one of these per task, in the
/// order the tasks end.
///
/// ```
/// # use tokio_taskpool::TaskPool;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let outputs = pool.apply(|| async { "hi" }).start().unwrap().collect_all().await;
/// assert_eq!(outputs[0].id.as_u64(), 0);
/// assert_eq!(outputs[0].result.as_ref().unwrap(), &"hi");
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct TaskOutput<T> {
    /// The task.
    pub id: TaskId,
    /// The task's position in its group, from 0: for `map`, `map_stream`
    /// and `starmap`, the position of its input in the group's input (item
    /// 37 of the input comes back with index 37); for `apply` and
    /// `SimpleTaskPool::start`, the order in which the group started it.
    pub index: u64,
    /// The task's value, or a [`TaskError`] when it was cancelled or panicked.
    pub result: Result<T, TaskError>,
}

/// Why a task has no value: it was cancelled, or it panicked.
///
/// Like tokio's `JoinError`, it is opaque and answers questions.
///
/// ```
/// use futures::StreamExt;
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::new();
/// let mut group = pool.apply(|| async { panic!("boom") }).start().unwrap();
/// let output = group.next().await.unwrap();
/// let err = output.result.unwrap_err();
/// assert!(err.is_panic());
/// assert_eq!(err.panic_message(), Some("boom"));
/// # }
/// ```
pub struct TaskError {
    id: TaskId,
    repr: Repr,
}

enum Repr {
    Cancelled,
    Panic(Box<dyn Any + Send + 'static>),
}

impl TaskError {
    pub(crate) fn cancelled(id: TaskId) -> Self {
        TaskError { id, repr: Repr::Cancelled }
    }

    pub(crate) fn panic(id: TaskId, payload: Box<dyn Any + Send + 'static>) -> Self {
        TaskError { id, repr: Repr::Panic(payload) }
    }

    /// The task this error is about.
    ///
    /// ```
    /// # use tokio_taskpool::{TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut outputs = pool.apply(|| async { panic!("no") }).start().unwrap().collect_all().await;
    /// let err = outputs.pop().unwrap().result.unwrap_err();
    /// assert_eq!(err.id(), TaskId::from(0));
    /// # }
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// Whether the task was cancelled (its future dropped before it finished).
    ///
    /// ```
    /// # use tokio_taskpool::{TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut outputs = pool.apply(|| async { panic!("no") }).start().unwrap().collect_all().await;
    /// let err = outputs.pop().unwrap().result.unwrap_err();
    /// assert!(!err.is_cancelled());
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Repr::Cancelled)
    }

    /// Whether the task panicked.
    ///
    /// ```
    /// # use tokio_taskpool::{TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut outputs = pool.apply(|| async { panic!("no") }).start().unwrap().collect_all().await;
    /// let err = outputs.pop().unwrap().result.unwrap_err();
    /// assert!(err.is_panic());
    /// # }
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Repr::Panic(_))
    }

    /// The panic message, when the task panicked with a string.
    ///
    /// ```
    /// # use tokio_taskpool::{TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut outputs = pool.apply(|| async { panic!("no") }).start().unwrap().collect_all().await;
    /// let err = outputs.pop().unwrap().result.unwrap_err();
    /// assert_eq!(err.panic_message(), Some("no"));
    /// # }
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match &self.repr {
            Repr::Panic(payload) => payload_message(payload.as_ref()),
            Repr::Cancelled => None,
        }
    }

    /// The panic payload, to resume the panic with `std::panic::resume_unwind`.
    ///
    /// ```
    /// # use tokio_taskpool::{TaskId, TaskPool};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let pool = TaskPool::new();
    /// let mut outputs = pool.apply(|| async { panic!("no") }).start().unwrap().collect_all().await;
    /// let err = outputs.pop().unwrap().result.unwrap_err();
    /// let payload = err.try_into_panic().unwrap();
    /// assert_eq!(payload.downcast_ref::<&str>(), Some(&"no"));
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// Gives the error back when the task was cancelled rather than panicking.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, TaskError> {
        match self.repr {
            Repr::Panic(payload) => Ok(payload),
            Repr::Cancelled => Err(self),
        }
    }
}

/// The message of a panic payload, when it is a string.
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

impl fmt::Debug for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "TaskError::Cancelled({})", self.id),
            Repr::Panic(payload) => write!(
                f,
                "TaskError::Panic({}, {:?})",
                self.id,
                payload_message(payload.as_ref()).unwrap_or("<non-string payload>")
            ),
        }
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Repr::Cancelled => write!(f, "task {} was cancelled", self.id),
            Repr::Panic(payload) => match payload_message(payload.as_ref()) {
                Some(message) => write!(f, "task {} panicked: {message}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl std::error::Error for TaskError {}
