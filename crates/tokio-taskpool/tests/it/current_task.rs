use tokio_taskpool::{current, TaskPool};

#[tokio::test(start_paused = true)]
async fn a_task_knows_its_id_and_group() {
    let pool = TaskPool::new();
    let group = pool
        .map(|_: u8| async { (current::id().unwrap().as_u64(), current::group().unwrap()) }, [1, 2])
        .group("crawl")
        .num_concurrent(2)
        .start()
        .unwrap();
    let mut seen: Vec<(u64, String)> =
        group.collect_all().await.into_iter().map(|o| o.result.unwrap()).collect();
    seen.sort();
    assert_eq!(seen, [(0, "crawl".to_string()), (1, "crawl".to_string())]);
}

#[tokio::test(start_paused = true)]
async fn outside_a_pooled_task_there_is_no_context() {
    assert_eq!(current::id(), None);
    assert_eq!(current::group(), None);
    assert!(current::stop_token().is_none());
    let plain = tokio::spawn(async { current::id() }).await.unwrap();
    assert_eq!(plain, None);
}

/// A worker can be unit-tested under a plain `tokio::spawn`: there nothing
/// asks it to stop, so `stop_requested` never resolves (it used to panic).
#[tokio::test(start_paused = true)]
async fn stop_requested_outside_a_pooled_task_never_resolves() {
    let worker = tokio::spawn(async {
        tokio::select! {
            _ = current::stop_requested() => "stop requested",
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => "worked an hour",
        }
    });
    assert_eq!(worker.await.unwrap(), "worked an hour");
    assert!(current::stop_token().is_none());
}
