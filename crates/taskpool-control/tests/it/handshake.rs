//! Connections before their hello: a deadline for the handshake, and a cap
//! of their own, so that clients that connect and say nothing never hold
//! the operator's session places.

use std::time::{Duration, Instant};

use serde_json::json;
use taskpool_control::ControlServer;
use taskpool_protocol::{ClientError, Command, ControlClient};
use tokio_taskpool::TaskPool;

use crate::support::{error_of, tcp_client, within, Raw};

#[tokio::test]
async fn silent_connections_do_not_hold_session_places() {
    let pool = TaskPool::builder().name("silent").pool_size(3).build();
    let handle = ControlServer::builder(&pool)
        .max_sessions(2)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let addr = handle.local_addr().unwrap();
    // More connections than session places, none of which says hello; one
    // sends half a hello.
    let mut silent = Vec::new();
    for _ in 0..10 {
        silent.push(Raw::tcp(addr).await);
    }
    silent[0].send(br#"{"protocol": "taskpool-con"#).await;
    // The operator still gets both places, at once.
    let mut operator = tcp_client(&handle).await;
    assert_eq!(within("pool-size", operator.call(&Command::PoolSize)).await.unwrap(), json!(3));
    let mut second = tcp_client(&handle).await;
    within("status", second.status()).await.unwrap();
    // Places are for sessions: a third one is refused after its hello.
    match within("connecting", ControlClient::connect_tcp(addr, None)).await {
        Err(ClientError::Handshake(e)) => assert_eq!(e.kind(), "too_many_sessions"),
        other => panic!("a third session must be refused, got {other:?}"),
    }
    drop(silent);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_handshake_not_done_by_the_deadline_is_closed() {
    let pool = TaskPool::builder().name("deadline").build();
    let deadline = Duration::from_millis(300);
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .handshake_timeout(deadline)
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();
    let bound = deadline + Duration::from_secs(1);

    // Says nothing at all.
    let started = Instant::now();
    let mut silent = Raw::tcp(addr).await;
    let reply: serde_json::Value = serde_json::from_str(
        &tokio::time::timeout(bound, silent.expect_line()).await.expect("closed by the deadline"),
    )
    .unwrap();
    assert_eq!(
        error_of(&reply),
        ("handshake_timeout".into(), "no complete hello within 300ms; closing the connection".into())
    );
    silent.expect_closed().await;
    assert!(started.elapsed() >= deadline, "closed before the deadline: {:?}", started.elapsed());

    // Sends its hello one byte every 50 ms, too slowly: the idle timeout
    // (10 minutes) never fires, the deadline does.
    let mut trickle = Raw::tcp(addr).await;
    let started = Instant::now();
    let closed = tokio::time::timeout(bound, async {
        for &byte in br#"{"protocol": "taskpool-control", "version": 1}"#.iter() {
            if started.elapsed() + Duration::from_millis(50) >= deadline {
                break;
            }
            trickle.send(&[byte]).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        trickle.line().await
    })
    .await
    .expect("closed by the deadline");
    assert!(closed.is_some_and(|line| line.contains("handshake_timeout")));
    trickle.expect_closed().await;

    // A client that says hello in time gets in.
    within("status", tcp_client(&handle).await.status()).await.unwrap();
    handle.shutdown().await;
}

/// At the cap of waiting handshakes, a new connection pushes the oldest
/// waiting one out instead of being refused, so that silent connections
/// cannot keep a client that says hello at once out until their deadline.
#[tokio::test]
async fn a_connection_beyond_the_handshake_cap_pushes_out_the_oldest() {
    let pool = TaskPool::builder().name("cap").build();
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .max_handshakes(2)
        .handshake_timeout(Duration::from_secs(60))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();
    let mut first = Raw::tcp(addr).await;
    let mut second = Raw::tcp(addr).await;
    // Give the server the time to admit both, in this order.
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A client that says hello at once gets in, long before the deadline of
    // the silent ones; the oldest of them is told why it goes.
    let client = within("a session beyond the cap", ControlClient::connect_tcp(addr, None)).await.unwrap();
    assert_eq!(client.server().pool, "TaskPool-cap");
    let reply: serde_json::Value = serde_json::from_str(&first.expect_line().await).unwrap();
    assert_eq!(error_of(&reply).0, "too_many_connections");
    assert!(error_of(&reply).1.contains("among the oldest"), "{reply}");
    first.expect_closed().await;
    // The second still waits: nothing came for it.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), second.line()).await.is_err(),
        "the younger silent connection keeps its place"
    );
    handle.shutdown().await;
}
