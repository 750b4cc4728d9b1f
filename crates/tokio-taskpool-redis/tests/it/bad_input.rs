//! An entry whose item does not deserialize goes to the dead-letter stream
//! with the error, without crashing or blocking the consumer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::RedisQueue;

use crate::redis_server::RedisServer;
use crate::support::{init_logging, wait_for, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_that_do_not_deserialize_are_dead_lettered_and_the_rest_runs() {
    init_logging();
    let server = RedisServer::start();
    let queue = RedisQueue::connect(&server.url(), "bad").await.unwrap();
    let stream = queue.keys().stream().to_owned();
    let garbage = server.cli(&["XADD", &stream, "*", "item", "{not json"]);
    let wrong_shape = server.cli(&["XADD", &stream, "*", "item", "{\"name\":\"x\"}"]);
    let no_item = server.cli(&["XADD", &stream, "*", "other", "field"]);
    queue.push(&Job { n: 7, ms: 0 }).await.unwrap();

    let handled = Arc::new(Mutex::new(Vec::new()));
    let h = handled.clone();
    let pool = TaskPool::builder().name("bad").build();
    let consumer = queue
        .consume(&pool, move |job: Job| {
            let handled = h.clone();
            async move {
                handled.lock().unwrap().push(job.n);
                Ok::<_, String>(())
            }
        })
        .num_concurrent(1)
        .start()
        .await
        .unwrap();
    wait_for("the good job handled and the stream empty", Duration::from_secs(10), || {
        let queue = queue.clone();
        async move { queue.is_empty().await.unwrap() }
    })
    .await;
    assert_eq!(*handled.lock().unwrap(), [7]);
    let dead = queue.dead_letters(10).await.unwrap();
    let by_origin =
        |id: &str| dead.iter().find(|d| d.origin == id).unwrap_or_else(|| panic!("{id} is dead-lettered"));
    assert_eq!(dead.len(), 3);
    assert!(by_origin(&garbage).error.contains("does not deserialize"), "{}", by_origin(&garbage).error);
    assert_eq!(by_origin(&garbage).item, "{not json");
    assert!(by_origin(&wrong_shape).error.contains("missing field `n`"), "{}", by_origin(&wrong_shape).error);
    assert_eq!(by_origin(&no_item).error, "the entry has no 'item' field");
    assert_eq!(pool.num_failed(), 0, "no task was started for them");
    consumer.stop(Duration::from_secs(5)).await;
}
