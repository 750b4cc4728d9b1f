//! The life of one pooled task: registering it, running its future with
//! panics caught, and ending it — normally, or through cancellation — with
//! its callbacks run exactly once, outside every lock.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;

use crate::current::TaskContext;
use crate::group_core::{Callback, GroupCore};
use crate::inner::{PoolInner, RoomPermit};
use crate::report::{FailureStage, TaskFailure};
use crate::state::{Phase, TaskRecord};
use crate::task_output::payload_message;
use crate::{TaskError, TaskId, TaskOutput};

/// Where a group's results go: `None` when nobody asked for them.
pub(crate) type Sink<T> = Option<UnboundedSender<TaskOutput<T>>>;

/// Which rule admits a start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// apply and start: one of the group's remaining starts is used up.
    Counted,
    /// map: any start while the group is open.
    Open,
}

pub(crate) enum Started<M> {
    /// The task runs; `more` says whether a counted group wants more starts.
    Yes { more: bool },
    /// The group is closed (cancelled, stopped, or its starts withdrawn): the
    /// unused future-maker comes back so that it is dropped outside the lock.
    Refused(M),
}

/// Registers and spawns one task of `group`, unless the group was closed in
/// the meantime. The check and the registration happen under one lock, the
/// same lock that cancellation takes, so a cancelled group never starts
/// another task, even when its meta task already held room.
///
/// `make` runs inside the new task, so a panic while building the future is
/// caught and reported like a panic of the task.
pub(crate) fn start_task<T, Fut, M>(
    pool: &Arc<PoolInner>,
    group: &Arc<GroupCore>,
    room: RoomPermit<'_>,
    slot: Option<OwnedSemaphorePermit>,
    sink: &Sink<T>,
    admission: Admission,
    make: M,
) -> Started<M>
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    M: FnOnce() -> Fut + Send + 'static,
{
    // Read before taking the lock, to keep the critical section short.
    let now = Instant::now();
    let mut guard = pool.lock();
    let state = &mut *guard;
    let Some(record) = state.groups.get_mut(&group.key) else {
        drop(guard);
        return Started::Refused(make);
    };
    if record.closed || (admission == Admission::Counted && record.remaining == 0) {
        drop(guard);
        drop(room);
        return Started::Refused(make);
    }
    if admission == Admission::Counted {
        record.remaining -= 1;
        state.counted_remaining -= 1;
    }
    let more = record.remaining > 0;
    let id = TaskId::from(state.next_id);
    state.next_id += 1;
    record.live.insert(id);
    record.started += 1;
    room.hand_to_task(state);
    state.running += 1;
    state.tasks.insert(id, TaskRecord { group: group.key, phase: Phase::Running, abort: None, started: now });
    drop(guard);
    let task_guard =
        TaskGuard { pool: pool.clone(), group: group.clone(), id, slot, sink: sink.clone(), armed: true };
    let context = TaskContext { id, group: group.clone() };
    // Spawned outside the lock: a spawn can wake another worker thread with a
    // system call, which would lengthen the critical section that every task
    // end waits for (measured: most lock contention on the multi-thread
    // runtime came from it); and on a runtime that is shutting down, tokio
    // drops the future on the spot, and the guard's `Drop` takes the lock.
    let handle = tokio::spawn(task_future(task_guard, context, make));
    let mut state = pool.lock();
    if let Some(task) = state.tasks.get_mut(&id) {
        if task.phase == Phase::Cancelled {
            // Cancelled between the registration and now, when there was no
            // abort handle to use: abort it here.
            handle.abort();
        } else {
            task.abort = Some(handle.abort_handle());
        }
    }
    drop(state);
    tracing::debug!("Started {}_Task-{}", pool.display, id);
    Started::Yes { more }
}

/// The future of a pooled task, built from combinators rather than an async
/// block, because every byte of it is paid by every alive task: the maker and
/// the future it makes share one slot (`lazy(..).flatten()`), and the guard
/// lives only in the final `map`. Panics of both are caught; the task-local
/// context is set around them.
fn task_future<T, Fut, M>(
    guard: TaskGuard<T>,
    context: TaskContext,
    make: M,
) -> impl Future<Output = ()> + Send + 'static
where
    T: Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    M: FnOnce() -> Fut + Send + 'static,
{
    let future = futures::future::lazy(move |_| make()).flatten();
    AssertUnwindSafe(context.scope(future)).catch_unwind().map(move |result| {
        let mut guard = guard;
        guard.finish(result);
    })
}

/// Owns what a task gives back when it ends. Its normal end is
/// [`TaskGuard::finish`]; if the future is dropped first (cancellation through
/// the pool, or tokio shutting down), `Drop` takes the cancellation path.
struct TaskGuard<T: Send + 'static> {
    pool: Arc<PoolInner>,
    group: Arc<GroupCore>,
    id: TaskId,
    /// A map group's concurrency slot, freed when the task's future is gone.
    slot: Option<OwnedSemaphorePermit>,
    sink: Sink<T>,
    /// True until the task's future completed and `finish` took over.
    armed: bool,
}

impl<T: Send + 'static> TaskGuard<T> {
    /// Ends the task after its future completed (or panicked): updates the
    /// state, gives the room back, and sends the result; when the group has
    /// an `on_end` callback, the callback and then the result go to a task of
    /// their own (as on the cancel path), which keeps the callback's future
    /// out of every task's future.
    fn finish(&mut self, result: Result<T, Box<dyn Any + Send>>) {
        let id = self.id;
        let has_on_end = self.group.callbacks.on_end.is_some();
        let notify;
        {
            let mut guard = self.pool.lock();
            let state = &mut *guard;
            let task = state.tasks.get_mut(&id).expect("an alive task has a record");
            if task.phase == Phase::Cancelled {
                // A cancel won the race with the future's completion: the task
                // counts as cancelled already, so it ends as cancelled. The
                // value is dropped (after the lock) and `Drop` does the rest.
                return;
            }
            task.phase = Phase::Ending;
            state.running -= 1;
            state.room.occupied -= 1;
            self.pool.give_back_room(state);
            if let Err(payload) = &result {
                state.record_failure(TaskFailure {
                    id: Some(id),
                    group: self.group.name.to_string(),
                    stage: FailureStage::Task,
                    message: payload_message(payload.as_ref()).unwrap_or("<non-string payload>").to_owned(),
                });
            }
            // From here on the task counts as ended, also while `on_end` runs.
            state.ended += 1;
            if !has_on_end {
                state.remove_task(id);
            }
            notify = state.waiters > 0;
        }
        self.armed = false;
        // Frees the group's concurrency slot: its meta task may start the next item.
        drop(self.slot.take());
        if notify {
            self.pool.notify_changed();
        }
        let result = result.map_err(|payload| {
            tracing::error!(
                "{}_Task-{} panicked: {}",
                self.pool.display,
                id,
                payload_message(payload.as_ref()).unwrap_or("<non-string payload>")
            );
            TaskError::panic(id, payload)
        });
        tracing::debug!("Ended {}_Task-{}", self.pool.display, id);
        if !has_on_end {
            send(&self.sink, id, result);
            return;
        }
        let (pool, group, sink) = (self.pool.clone(), self.group.clone(), self.sink.take());
        // Called from the task's own poll, so a runtime is there. The task's
        // record stays until the callback is done, for `flush` and `gather_and_close`.
        tokio::spawn(async move {
            let on_end = group.callbacks.on_end.as_ref().expect("checked above");
            run_callback(&pool, &group, id, on_end, FailureStage::OnEnd).await;
            remove_task(&pool, id);
            send(&sink, id, result);
        });
    }
}

impl<T: Send + 'static> Drop for TaskGuard<T> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let id = self.id;
        let callbacks = &self.group.callbacks;
        let has_callbacks = callbacks.on_cancel.is_some() || callbacks.on_end.is_some();
        let notify;
        {
            let mut guard = self.pool.lock();
            let state = &mut *guard;
            if let Some(task) = state.tasks.get_mut(&id) {
                if task.phase == Phase::Running {
                    // Dropped without a cancel through the pool: tokio is
                    // shutting down. It still counts as a cancellation.
                    task.phase = Phase::Cancelled;
                    state.running -= 1;
                    state.cancelled += 1;
                }
            }
            state.room.occupied -= 1;
            self.pool.give_back_room(state);
            if !has_callbacks {
                state.ended += 1;
                state.remove_task(id);
            }
            notify = state.waiters > 0;
        }
        drop(self.slot.take());
        if notify {
            self.pool.notify_changed();
        }
        tracing::debug!("Cancelled {}_Task-{}", self.pool.display, id);
        if !has_callbacks {
            send(&self.sink, id, Err(TaskError::cancelled(id)));
            return;
        }
        // The callbacks are async and this is a destructor: they run in a task
        // of their own. The task's record stays until they are done, so that
        // `flush` and `gather_and_close` wait for them.
        let ending = run_cancel_callbacks(self.pool.clone(), self.group.clone(), id, self.sink.take());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(ending);
            }
            Err(_) => {
                // No runtime left to run them on: count the end and forget the task.
                drop(ending);
                let mut state = self.pool.lock();
                state.ended += 1;
                state.remove_task(id);
            }
        }
    }
}

async fn run_cancel_callbacks<T: Send + 'static>(
    pool: Arc<PoolInner>,
    group: Arc<GroupCore>,
    id: TaskId,
    sink: Sink<T>,
) {
    if let Some(on_cancel) = &group.callbacks.on_cancel {
        run_callback(&pool, &group, id, on_cancel, FailureStage::OnCancel).await;
    }
    match &group.callbacks.on_end {
        Some(on_end) => {
            pool.lock().ended += 1;
            run_callback(&pool, &group, id, on_end, FailureStage::OnEnd).await;
            remove_task(&pool, id);
        }
        None => {
            let mut state = pool.lock();
            state.ended += 1;
            state.remove_task(id);
            let notify = state.waiters > 0;
            drop(state);
            if notify {
                pool.notify_changed();
            }
        }
    }
    send(&sink, id, Err(TaskError::cancelled(id)));
}

/// Runs a callback with its panic caught, logged and counted.
async fn run_callback(
    pool: &PoolInner,
    group: &GroupCore,
    id: TaskId,
    callback: &Callback,
    stage: FailureStage,
) {
    let outcome = AssertUnwindSafe(async { callback(id).await }).catch_unwind().await;
    if let Err(payload) = outcome {
        let message = payload_message(payload.as_ref()).unwrap_or("<non-string payload>").to_owned();
        // The payload is user data: dropped before taking the lock.
        drop(payload);
        let which = if stage == FailureStage::OnEnd { "on_end" } else { "on_cancel" };
        tracing::error!("{which} callback of {}_Task-{} panicked: {message}", pool.display, id);
        pool.lock().record_failure(TaskFailure {
            id: Some(id),
            group: group.name.to_string(),
            stage,
            message,
        });
    }
}

/// Forgets a task whose callbacks are done, and wakes whoever waits for that.
fn remove_task(pool: &PoolInner, id: TaskId) {
    let mut state = pool.lock();
    state.remove_task(id);
    let notify = state.waiters > 0;
    drop(state);
    if notify {
        pool.notify_changed();
    }
}

/// Hands a result to the group's handle; if the handle is gone, the result is
/// dropped here and nothing accumulates.
fn send<T>(sink: &Sink<T>, id: TaskId, result: Result<T, TaskError>) {
    if let Some(sink) = sink {
        let _ = sink.send(TaskOutput { id, result });
    }
}
