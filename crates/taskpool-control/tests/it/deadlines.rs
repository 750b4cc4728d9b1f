//! Every command runs under a deadline and ends when its client goes away,
//! and a reply not taken frees the session soon (issue 15, L1): a waiting
//! command or a client that does not read never holds a session's place for
//! long.

use std::time::Duration;

use serde_json::json;
use taskpool_control::{ControlHandle, ControlServer};
use taskpool_protocol::ControlClient;
use tokio_taskpool::{TaskId, TaskPool};

use crate::support::{error_of, simple_pool, within, Raw};

/// A pool whose one task has ended but whose `on_end` callback never
/// returns, so `flush` waits for ever.
fn pool_with_a_stuck_callback(name: &str) -> TaskPool {
    let pool = TaskPool::builder().name(name).build();
    pool.apply(|| async {}).on_end(|_: TaskId| std::future::pending::<()>()).start().unwrap();
    pool
}

/// Connects a new session, trying again while the server is full.
async fn new_session(handle: &ControlHandle) -> ControlClient {
    within("a session's place to be free", async {
        loop {
            match ControlClient::connect_tcp(handle.local_addr().unwrap(), None).await {
                Ok(client) => return client,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    })
    .await
}

#[tokio::test]
async fn a_command_past_its_deadline_is_stopped_and_the_session_goes_on() {
    let pool = pool_with_a_stuck_callback("deadline");
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .command_timeout(Duration::from_millis(300))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    let reply = raw.ask_json(&json!({"id": 1, "command": "flush"})).await;
    assert_eq!(
        error_of(&reply),
        ("command_timeout".into(), "'flush' did not finish within 300ms and was stopped".into())
    );
    assert_eq!(reply["id"], json!(1));
    let reply = raw.ask_json(&json!({"id": 2, "command": "num-ended"})).await;
    assert_eq!(reply["result"], json!(1), "{reply}");
    handle.shutdown().await;
}

#[tokio::test]
async fn a_command_ends_when_its_client_goes_away() {
    let pool = pool_with_a_stuck_callback("gone");
    // One session only, and a deadline far beyond the test: only the
    // client's leaving can free the place.
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .max_sessions(1)
        .command_timeout(Duration::from_secs(3600))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    raw.send_line(&json!({"command": "flush"}).to_string()).await;
    drop(raw);
    let mut client = new_session(&handle).await;
    assert_eq!(client.call(&taskpool_protocol::Command::NumEnded).await.unwrap(), json!(1));
    handle.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_read_loses_its_session_at_the_write_timeout() {
    let pool = TaskPool::builder().name("unread").build();
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .max_sessions(1)
        .write_timeout(Duration::from_millis(200))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    // Requests whose replies fill the socket's buffers, never read.
    let mut flooder = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(flooder.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-unread");
    let flooding = tokio::spawn(async move {
        let _ =
            tokio::time::timeout(Duration::from_secs(5), flooder.send("help\n".repeat(20_000).as_bytes()))
                .await;
        flooder
    });
    let mut client = new_session(&handle).await;
    assert_eq!(client.call(&taskpool_protocol::Command::NumEnded).await.unwrap(), json!(0));
    drop(flooding);
    handle.shutdown().await;
}

#[tokio::test]
async fn retire_must_end_before_the_command_deadline() {
    let pool = simple_pool("retire-deadline");
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .command_timeout(Duration::from_secs(60))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    let reply = raw.ask_json(&json!({"command": "retire", "args": {"n": 1, "timeout_secs": 60}})).await;
    assert_eq!(
        error_of(&reply),
        (
            "bad_argument".into(),
            "retire: SECONDS must be shorter than this server's command timeout of 60s".into()
        )
    );
    handle.shutdown().await;
}
