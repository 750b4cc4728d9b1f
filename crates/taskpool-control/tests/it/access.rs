//! Access tokens with roles, and wrong tokens answered slowly: a read-only
//! token runs queries and is refused changes; each wrong or missing token
//! from the same address waits longer for its answer; the right token still
//! gets in at once, and the server goes on.

use std::time::{Duration, Instant};

use taskpool_control::ControlServer;
use taskpool_protocol::{ClientError, Command, ControlClient};
use tokio_taskpool::TaskPool;

use crate::support::{simple_pool, within};

const FULL: &str = "full-control-token-0123";
const READ_ONLY: &str = "read-only-token-0123456";

#[tokio::test]
async fn a_read_only_token_runs_queries_and_is_refused_changes() {
    let pool = simple_pool("roles");
    let handle = ControlServer::builder(&pool)
        .token(FULL)
        .read_only_token(READ_ONLY)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let addr = handle.local_addr().unwrap();

    let mut viewer =
        within("a read-only session", ControlClient::connect_tcp(addr, Some(READ_ONLY))).await.unwrap();
    assert!(viewer.server().read_only, "the hello says the session is read-only");
    assert_eq!(viewer.status().await.unwrap().running, 0);
    let e = viewer.call(&Command::Start { n: 2 }).await.unwrap_err();
    let e = e.remote().expect("a refusal from the server");
    assert_eq!(e.kind(), "read_only");
    assert_eq!(
        e.message(),
        "this session of SimpleTaskPool-roles has a read-only token; 'start' would change the pool"
    );
    assert_eq!(pool.num_running(), 0, "nothing was started");

    let mut operator = within("a full session", ControlClient::connect_tcp(addr, Some(FULL))).await.unwrap();
    assert!(!operator.server().read_only);
    operator.call(&Command::Start { n: 2 }).await.unwrap();
    assert_eq!(viewer.status().await.unwrap().running, 2, "the read-only session goes on");
    handle.shutdown().await;
}

#[test]
#[should_panic(expected = "read_only_token: the full and the read-only token must differ")]
fn the_two_tokens_must_differ() {
    let _ = ControlServer::builder(TaskPool::new()).token(FULL).read_only_token(FULL);
}

/// The delays are lower bounds set by the server's own timer, so measuring
/// them on the client's side cannot make the test flaky: 250 ms, 500 ms,
/// 1 s for the first three failures in a row.
#[tokio::test]
async fn wrong_tokens_are_answered_slower_and_slower() {
    let pool = TaskPool::builder().name("guess").build();
    let handle = ControlServer::builder(&pool).token(FULL).build().listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();
    let mut waits = Vec::new();
    for guess in [Some("wrong-token-0000000000"), None, Some("wrong-token-0000000001")] {
        let started = Instant::now();
        match within("a refusal", ControlClient::connect_tcp(addr, guess)).await {
            Err(ClientError::Handshake(e)) => assert_eq!(e.kind(), "unauthorized"),
            other => panic!("expected unauthorized, got {:?}", other.map(|_| "a session")),
        }
        waits.push(started.elapsed());
    }
    for (wait, at_least) in waits.iter().zip([250, 500, 1000]) {
        assert!(*wait >= Duration::from_millis(at_least), "waited {waits:?}");
    }
    // The right token is not slowed down by the failures before it.
    let started = Instant::now();
    within("a session", ControlClient::connect_tcp(addr, Some(FULL))).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(250), "took {:?}", started.elapsed());
    handle.shutdown().await;
}
