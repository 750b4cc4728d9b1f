//! `rediss://`: a consumer and a producer over TLS, trusting the authority
//! that signed the server's certificate; without it, a clear error.

use std::time::Duration;

use tokio_taskpool::TaskPool;
use tokio_taskpool_redis::{QueueError, RedisQueue};

use crate::redis_server::{RedisServer, ServerOptions};
use crate::support::{init_logging, Job};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_works_over_tls_and_an_untrusted_server_is_refused() {
    init_logging();
    let server = RedisServer::start_with(ServerOptions { tls: true, ..ServerOptions::default() });
    let url = server.tls_url();

    // The system does not trust the test's authority.
    let err = RedisQueue::connect(&url, "tls").await.unwrap_err();
    assert!(matches!(err, QueueError::Tls { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&format!("the TLS handshake with '{url}' failed")), "{err}");

    let queue =
        RedisQueue::connect_with_root_certificate(&url, "tls", &server.ca_certificate()).await.unwrap();
    queue.push(&Job { n: 5, ms: 0 }).await.unwrap();
    let pool = TaskPool::new();
    let mut consumer =
        queue.consume(&pool, |job: Job| async move { Ok::<_, String>(job.n * 10) }).start().await.unwrap();
    let output = tokio::time::timeout(Duration::from_secs(10), consumer.next()).await.unwrap().unwrap();
    assert_eq!(output.result.unwrap(), Ok(50));
    let stop = consumer.stop(Duration::from_secs(5)).await;
    assert_eq!((stop.left_pending, stop.stats.acked), (Some(0), 1));

    let err = RedisQueue::connect_with_root_certificate(&url, "tls", b"not a certificate").await.unwrap_err();
    assert_eq!(err.kind(), "tls", "{err}");
}
