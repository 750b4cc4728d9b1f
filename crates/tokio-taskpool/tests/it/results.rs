use std::future::pending;
use std::time::Duration;

use futures::StreamExt;
use tokio::time::sleep;
use tokio_taskpool::TaskPool;

use crate::support::{ids, settle};

#[tokio::test(start_paused = true)]
async fn results_arrive_in_completion_order_with_ids() {
    let pool = TaskPool::new();
    let group = pool
        .map(
            |secs: u64| async move {
                sleep(Duration::from_secs(secs)).await;
                secs * 10
            },
            [3, 1, 2],
        )
        .num_concurrent(3)
        .start()
        .unwrap();
    let outputs: Vec<(u64, u64)> = group.map(|o| (o.id.as_u64(), o.result.unwrap())).collect().await;
    assert_eq!(outputs, [(1, 10), (2, 20), (0, 30)]);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_task_reports_cancellation() {
    let pool = TaskPool::new();
    let mut group = pool.apply(pending::<u32>).start().unwrap();
    settle().await;
    pool.cancel(&ids(&[0])).unwrap();
    let output = group.next().await.unwrap();
    let err = output.result.unwrap_err();
    assert!(err.is_cancelled() && !err.is_panic());
    assert_eq!(err.id().as_u64(), 0);
    assert_eq!(err.to_string(), "task 0 was cancelled");
    assert!(group.next().await.is_none(), "the group is done");
}

#[tokio::test(start_paused = true)]
async fn a_panicking_task_reports_the_panic_and_the_pool_goes_on() {
    let pool = TaskPool::new();
    let group = pool
        .map(
            |i: u32| async move {
                if i == 1 {
                    panic!("item {i} is bad");
                }
                i
            },
            0..3,
        )
        .start()
        .unwrap();
    let outputs = group.collect_all().await;
    assert_eq!(outputs.len(), 3);
    let err = outputs[1].result.as_ref().unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("item 1 is bad"));
    assert_eq!(*outputs[2].result.as_ref().unwrap(), 2, "the map went on after the panic");
    assert_eq!(pool.num_failed(), 1);
    let report = pool.flush().await;
    assert_eq!(report.failures()[0].id.unwrap().as_u64(), 1);
    assert_eq!(report.failures()[0].to_string(), "task 1 (group 'map-group-0') panicked: item 1 is bad");
}

#[tokio::test(start_paused = true)]
async fn a_panic_while_making_the_future_reaches_the_caller() {
    let pool = TaskPool::new();
    let group = pool
        .apply(|| -> std::future::Ready<()> { panic!("could not build the future") })
        .num(2)
        .start()
        .unwrap();
    let outputs = group.collect_all().await;
    assert_eq!(outputs.len(), 2);
    assert!(outputs
        .iter()
        .all(|o| o.result.as_ref().unwrap_err().panic_message() == Some("could not build the future")));
    assert_eq!(pool.num_ended(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_panicking_input_is_reported_and_ends_the_group() {
    let pool = TaskPool::new();
    let items = (0..5).map(|i| if i == 2 { panic!("input broke") } else { i });
    let group = pool.map(|i: u32| async move { i }, items).start().unwrap();
    let outputs = group.collect_all().await;
    assert_eq!(outputs.len(), 2);
    let report = pool.gather_and_close().await;
    assert_eq!(report.num_failed(), 1);
    assert_eq!(report.failures()[0].id, None);
    assert_eq!(report.failures()[0].to_string(), "input of group 'map-group-0' panicked: input broke");
}

#[tokio::test(start_paused = true)]
async fn dropping_the_handle_drops_results_as_they_come() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicUsize::new(0));
    let pool = TaskPool::new();
    let d = dropped.clone();
    let group = pool
        .map(
            move |_: u32| {
                let d = d.clone();
                async move {
                    sleep(Duration::from_secs(1)).await;
                    Counted(d)
                }
            },
            0..10,
        )
        .num_concurrent(2)
        .start()
        .unwrap();
    sleep(Duration::from_millis(2500)).await;
    assert_eq!(dropped.load(Ordering::SeqCst), 0, "results wait in the handle while it lives");
    drop(group);
    assert_eq!(dropped.load(Ordering::SeqCst), 4, "dropping the handle dropped what had piled up");
    pool.gather_and_close().await;
    assert_eq!(dropped.load(Ordering::SeqCst), 10, "later results were dropped as they came");
}
