//! What a group's handle tells and does: which input each output came
//! from, what a cut-short group never started, and cancelling its group
//! without the race of cancelling by name.

use std::future::pending;
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::{SimpleTaskPool, TaskPool};

use crate::support::settle;

#[tokio::test(start_paused = true)]
async fn map_outputs_say_which_input_they_came_from() {
    let pool = TaskPool::new();
    // Later items finish first, so completion order differs from input order.
    let mut group = pool
        .map(
            |x: u64| async move {
                sleep(Duration::from_secs(10 - x)).await;
                x * 10
            },
            0..10,
        )
        .num_concurrent(10)
        .start()
        .unwrap();
    let mut seen = Vec::new();
    while let Some(output) = group.next().await {
        assert_eq!(output.result.unwrap(), output.index * 10, "task {} has the wrong index", output.id);
        seen.push(output.index);
    }
    assert_eq!(seen, (0..10).rev().collect::<Vec<_>>());
}

#[tokio::test(start_paused = true)]
async fn starmap_and_apply_outputs_carry_their_position_too() {
    let pool = TaskPool::new();
    let pairs = vec![(1, 2), (3, 4), (5, 6)];
    let outputs =
        pool.starmap(|a: u32, b: u32| async move { a * b }, pairs).start().unwrap().collect_all().await;
    let by_index: Vec<(u64, u32)> = outputs.iter().map(|o| (o.index, *o.result.as_ref().unwrap())).collect();
    assert_eq!(by_index, [(0, 2), (1, 12), (2, 30)]);
    let applied = pool.apply(|| async {}).num(3).start().unwrap().collect_all().await;
    let mut indexes: Vec<u64> = applied.iter().map(|o| o.index).collect();
    indexes.sort();
    assert_eq!(indexes, [0, 1, 2]);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_map_group_reports_the_inputs_it_never_started() {
    let pool = TaskPool::builder().pool_size(3).build();
    let mut group = pool.map(|_: u32| pending::<()>(), vec![0; 500]).num_concurrent(5).start().unwrap();
    settle().await;
    // Three run (pool size), one more is taken and waits for room.
    assert_eq!(group.cancel(), 3);
    while group.next().await.is_some() {}
    assert_eq!(group.unstarted_inputs(), Some(497));
    assert_eq!(pool.flush().await.unstarted_inputs(), 497);
    assert_eq!(pool.flush().await.unstarted_inputs(), 0, "reported once");
}

#[tokio::test(start_paused = true)]
async fn a_group_that_ran_out_of_input_left_nothing_unstarted() {
    let pool = TaskPool::new();
    let mut group = pool.map(|x: u32| async move { x }, 0..5).start().unwrap();
    while group.next().await.is_some() {}
    assert_eq!(group.unstarted_inputs(), Some(0));
    let (tx, rx) = futures::channel::mpsc::unbounded::<u32>();
    let mut streamed = pool.map_stream(|_| pending::<()>(), rx).start().unwrap();
    tx.unbounded_send(1).unwrap();
    tx.unbounded_send(2).unwrap();
    settle().await;
    streamed.cancel();
    while streamed.next().await.is_some() {}
    assert_eq!(streamed.unstarted_inputs(), None, "a channel cannot tell how much is left");
}

#[tokio::test(start_paused = true)]
async fn a_handle_cancels_its_group_even_after_the_pool_forgot_it() {
    let pool = TaskPool::builder().name("h").build();
    let group = pool.apply(|| async {}).num(2).start().unwrap();
    settle().await;
    // Both tasks ended; their results are still unread in the handle.
    assert!(pool.cancel_group(group.name()).is_err(), "the pool forgot the group");
    assert_eq!(group.cancel(), 0, "nothing left to cancel, and no error");
    assert_eq!(group.collect_all().await.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn cancel_group_of_a_group_that_is_not_forgotten_yet_is_not_an_error() {
    let pool = TaskPool::new();
    let group = pool.apply(|| async {}).on_end(|_| sleep(Duration::from_secs(1))).start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 0, "the task ended; its on_end still runs");
    assert_eq!(pool.cancel_group(group.name()), Ok(0));
}

#[tokio::test(start_paused = true)]
async fn simple_pool_start_returns_a_handle_like_task_pool_calls() {
    let pool = SimpleTaskPool::new(|| sleep(Duration::from_secs(1)));
    let mut workers = pool.start(2).unwrap();
    assert_eq!(workers.name(), "start-group-0");
    let first = workers.next().await.unwrap();
    assert!(first.result.is_ok());
    let stuck = SimpleTaskPool::new(pending::<()>);
    let group = stuck.start(3).unwrap();
    settle().await;
    assert_eq!(group.cancel(), 3);
    assert_eq!(stuck.num_running(), 0);
}
