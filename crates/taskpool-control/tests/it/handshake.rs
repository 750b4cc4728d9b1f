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

#[tokio::test]
async fn connections_beyond_the_handshake_cap_are_refused_at_once() {
    let pool = TaskPool::builder().name("cap").build();
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .max_handshakes(2)
        .handshake_timeout(Duration::from_millis(500))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();
    let _first = Raw::tcp(addr).await;
    let _second = Raw::tcp(addr).await;
    // The accept loop does not wait for them: a third connection is told
    // at once.
    let mut third = Raw::tcp(addr).await;
    let reply: serde_json::Value = serde_json::from_str(
        &tokio::time::timeout(Duration::from_millis(400), third.expect_line()).await.expect("told at once"),
    )
    .unwrap();
    assert_eq!(
        error_of(&reply),
        (
            "too_many_connections".into(),
            "too many connections are waiting for their hello; try again later".into()
        )
    );
    third.expect_closed().await;
    // Once the deadline has closed the silent ones, a client gets in.
    let client = within("a free handshake place", async {
        loop {
            match ControlClient::connect_tcp(addr, None).await {
                Ok(client) => break client,
                Err(ClientError::Handshake(e)) if e.kind() == "too_many_connections" => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                Err(ClientError::Closed) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
    })
    .await;
    assert_eq!(client.server().pool, "TaskPool-cap");
    handle.shutdown().await;
}
