//! Deterministic reproductions of what the randomized model test found, on
//! the paused clock of a current-thread runtime.

use std::future::pending;

use tokio_taskpool::TaskPool;

use crate::support::settle;

/// Found by the model test (seed 0xe45175934e0da5c, base 1, step 39: a burst
/// of cancel_all, set_pool_size(1), set_pool_size(5) and a release).
///
/// Growing the limit hands a permit straight to a meta task waiting for room.
/// If the limit shrinks back before that meta task runs, the shrink cannot
/// forget the permit (it is no longer free) and records a debt instead. If
/// the meta task is then cancelled, tokio gives the handed-over permit back
/// to the semaphore as a free permit while the debt is still owed, and the
/// next start takes it: three tasks ran under a limit of 2 (and one under a
/// limit of 0 in the model test).
#[tokio::test(start_paused = true)]
async fn a_permit_handed_to_a_cancelled_waiter_does_not_outlive_a_shrink() {
    let pool = TaskPool::builder().pool_size(2).build();
    pool.apply(pending::<()>).num(2).start().unwrap();
    let waiting = pool.apply(pending::<()>).start().unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 1));
    // No await between these three: the waiting meta task is woken by the
    // grow but does not run before it is cancelled.
    pool.set_pool_size(Some(3));
    pool.set_pool_size(Some(2));
    pool.cancel_group(waiting.name()).unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 2);
    pool.apply(pending::<()>).start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 2, "a third task started under a limit of 2");
    assert_eq!(pool.num_waiting(), 1);
    // Once one of the two ends, exactly one more may start.
    let first = pool.running_tasks()[0].id;
    pool.cancel(&[first]).unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 0));
}
