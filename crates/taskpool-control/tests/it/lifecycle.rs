//! Listening, socket files, and stopping.

use std::os::unix::fs::PermissionsExt;

use serde_json::json;
use taskpool_control::{ControlServer, Endpoint, ListenError};
use taskpool_protocol::{Command, ControlClient};
use tokio_taskpool::TaskPool;

use crate::support::{socket_path, tcp_client, wait_until, within, Raw};

#[tokio::test]
async fn a_unix_socket_is_private_and_removed_on_shutdown() {
    let pool = TaskPool::builder().name("life-unix").build();
    let path = socket_path("life");
    let handle = ControlServer::builder(&pool).build().listen_unix(&path).await.unwrap();
    assert_eq!(handle.endpoint(), &Endpoint::Unix(path.clone()));
    assert_eq!(handle.unix_path(), Some(path.as_path()));
    assert_eq!(handle.local_addr(), None);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the socket must be owner-only, is {:o}", mode & 0o777);
    // No private directory is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with(&format!(".taskpool-control-{}-", std::process::id()))
        })
        .collect();
    assert!(leftovers.is_empty(), "private directories left: {leftovers:?}");

    let mut session = Raw::unix(handle.unix_path().unwrap()).await;
    assert_eq!(session.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-life-unix");
    within("shutdown", handle.shutdown()).await;
    assert!(!path.exists(), "the socket file must be removed");
    session.expect_closed().await;
    assert!(ControlClient::connect_unix(&path, None).await.is_err());
}

#[tokio::test]
async fn dropping_the_handle_stops_the_server() {
    let pool = TaskPool::builder().name("life-drop").build();
    let path = socket_path("drop");
    let handle = ControlServer::builder(&pool).build().listen_unix(&path).await.unwrap();
    let tcp = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let addr = tcp.local_addr().unwrap();
    let mut session = tcp_client(&tcp).await;
    drop(handle);
    drop(tcp);
    wait_until("the socket file to go", || !path.exists()).await;
    assert!(within("the session to end", session.call(&Command::Status)).await.is_err());
    assert!(ControlClient::connect_tcp(addr, None).await.is_err(), "nothing listens any more");
    assert!(!pool.is_closed() && !pool.is_locked(), "the pool is not affected");
}

#[tokio::test]
async fn a_stale_socket_file_is_replaced() {
    let path = socket_path("stale");
    // A socket file nobody listens on, as a crashed server leaves it.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let pool = TaskPool::builder().name("life-stale").build();
    let handle = ControlServer::builder(&pool).build().listen_unix(&path).await.unwrap();
    let mut client = within("connecting", ControlClient::connect_unix(&path, None)).await.unwrap();
    assert_eq!(client.server().pool, "TaskPool-life-stale");
    assert_eq!(client.call(&Command::IsLocked).await.unwrap(), json!(false));
    handle.shutdown().await;
}

#[tokio::test]
async fn a_live_socket_or_another_file_is_never_replaced() {
    let path = socket_path("live");
    let first = TaskPool::builder().name("life-first").build();
    let handle = ControlServer::builder(&first).build().listen_unix(&path).await.unwrap();
    let second = TaskPool::builder().name("life-second").build();
    match ControlServer::builder(&second).build().listen_unix(&path).await {
        Err(ListenError::SocketInUse { path: p }) => assert_eq!(p, path),
        other => panic!("a live socket must not be replaced, got {other:?}"),
    }
    let client = within("connecting", ControlClient::connect_unix(&path, None)).await.unwrap();
    assert_eq!(client.server().pool, "TaskPool-life-first", "the first server still owns the socket");
    handle.shutdown().await;

    let file = socket_path("file");
    std::fs::write(&file, "precious").unwrap();
    let err = ControlServer::builder(&second).build().listen_unix(&file).await.unwrap_err();
    assert!(matches!(err, ListenError::NotASocket { .. }), "{err:?}");
    assert_eq!(err.to_string(), format!("{} exists and is not a socket; not replacing it", file.display()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "precious");
    std::fs::remove_file(&file).unwrap();
}

#[tokio::test]
async fn tcp_listens_beyond_loopback_only_with_a_token() {
    let pool = TaskPool::builder().name("life-remote").build();
    let err = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("0.0.0.0:0")
        .await
        .unwrap_err();
    assert!(matches!(err, ListenError::RemoteWithoutToken { .. }), "{err:?}");
    assert!(err.to_string().starts_with("refusing to listen on 0.0.0.0:0 without an access token"), "{err}");

    let handle = ControlServer::builder(&pool)
        .token("t0ken-t0ken-t0ken-t0ken")
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("0.0.0.0:0")
        .await
        .unwrap();
    let port = handle.local_addr().unwrap().port();
    let client = within(
        "connecting",
        ControlClient::connect_tcp(("127.0.0.1", port), Some("t0ken-t0ken-t0ken-t0ken")),
    )
    .await
    .unwrap();
    assert_eq!(client.server().pool, "TaskPool-life-remote");
    handle.shutdown().await;

    // Loopback names need no token.
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("localhost:0")
        .await
        .unwrap();
    assert!(handle.local_addr().unwrap().ip().is_loopback());
    assert!(handle.endpoint().to_string().starts_with("tcp "));
    handle.shutdown().await;
}
