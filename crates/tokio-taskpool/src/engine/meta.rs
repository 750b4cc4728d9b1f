//! Meta tasks: the background task behind each spawning call, which starts
//! the group's tasks as room allows. Spawning calls return at once because
//! all waiting happens here.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::{FutureExt, Stream, StreamExt};

use super::group_core::GroupCore;
use super::inner::PoolInner;
use super::input::Input;
use super::measured::StartWait;
use super::state::Admission;
use super::task::{start_task, GroupShared, Sink, Started};
use super::task_table::GroupKey;
use super::unarmed::UnarmedTask;
use crate::group_builder::ItemWorker;
use crate::report::{FailureStage, TaskFailure};
use crate::task_output::payload_message;

/// Starts the remaining tasks of a counted group (apply, start), one per
/// place that frees up, until none remain or the group is closed.
pub(crate) async fn run_counted<F, Fut>(
    alive: MetaGuard,
    group: Arc<GroupCore>,
    factory: Arc<F>,
    sink: Sink<Fut::Output>,
) where
    F: Fn() -> Fut + Send + Sync + ?Sized + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let _alive = alive;
    let pool = &group.pool;
    let shared = Arc::new(GroupShared { core: group.clone(), sink });
    let mut unarmed = UnarmedTask::new(pool);
    loop {
        // A start is wanted from here on (for `taskpool_start_wait_seconds`).
        let wait = StartWait::begin();
        let room = unarmed.unless_waiting(pool.acquire_room(None)).await;
        let factory = factory.clone();
        match start_task(&shared, room, wait, Admission::Counted, move || factory(), &mut unarmed) {
            Started::Yes { more: true } => {}
            Started::Yes { more: false } | Started::Refused(_) => break,
        }
        // Without this, a meta task with room for a million tasks would spawn
        // them all before anything else on its worker thread ran.
        unarmed.unless_waiting(tokio::task::consume_budget()).await;
    }
}

/// Keeps `num_concurrent` tasks of a map group running over the items of a
/// stream: takes an item only when the group has a free slot, then waits for
/// room in the pool, then starts the task, which frees the slot when its
/// future is gone.
pub(crate) async fn run_stream<S, W>(
    alive: MetaGuard,
    group: Arc<GroupCore>,
    items: S,
    worker: Arc<W>,
    sink: Sink<W::Output>,
) where
    S: Stream + Send + 'static,
    S::Item: Send + 'static,
    W: ItemWorker<S::Item>,
{
    let _alive = alive;
    let pool = &group.pool;
    let slots = group.slots.as_ref().expect("a map group has concurrency slots");
    let mut input = Input::new(items, group.clone());
    let shared = Arc::new(GroupShared { core: group.clone(), sink });
    let mut unarmed = UnarmedTask::new(pool);
    loop {
        // The permit is forgotten: the task gives the slot back when its
        // future is gone (see `GroupCore::free_slot`); if no task starts,
        // the meta task ends and the slots with it.
        unarmed.unless_waiting(slots.acquire()).await.expect("the slot semaphore is never closed").forget();
        let next = AssertUnwindSafe(input.stream.next()).catch_unwind();
        let item = match unarmed.unless_waiting(next).await {
            Ok(Some(item)) => item,
            Ok(None) => {
                input.ended = true;
                break;
            }
            Err(payload) => {
                input.ended = true;
                let message = payload_message(payload.as_ref()).unwrap_or("<non-string payload>").to_owned();
                drop(payload);
                tracing::error!(
                    "the input of group '{}' of {} panicked: {message}",
                    group.name,
                    pool.display
                );
                pool.lock().record_failure(TaskFailure {
                    id: None,
                    group: group.name.to_string(),
                    stage: FailureStage::Input,
                    message,
                });
                break;
            }
        };
        input.holding = true;
        // The item is here and a slot free: a start is wanted from here on.
        let wait = StartWait::begin();
        let room = unarmed.unless_waiting(pool.acquire_room(Some(group.key))).await;
        let worker = worker.clone();
        match start_task(&shared, room, wait, Admission::Open, move || worker.call(item), &mut unarmed) {
            Started::Yes { .. } => input.holding = false,
            Started::Refused(_) => break,
        }
        unarmed.unless_waiting(tokio::task::consume_budget()).await;
    }
}

/// Marks the meta task gone, however it ends (done, or aborted by a cancel),
/// and withdraws whatever it had not started. It is made before the meta
/// task's future and moved into it, so that it also runs when the future is
/// aborted before its first poll.
#[derive(Debug)]
pub(crate) struct MetaGuard {
    pub(crate) pool: Arc<PoolInner>,
    pub(crate) key: GroupKey,
}

impl Drop for MetaGuard {
    fn drop(&mut self) {
        self.pool.transition(|state| ((), state.meta_gone(self.key)));
    }
}
