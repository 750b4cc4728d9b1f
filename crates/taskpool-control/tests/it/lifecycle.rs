//! Listening, socket files, and stopping.

use std::os::unix::fs::PermissionsExt;

use serde_json::json;
use taskpool_control::{ControlServer, Endpoint, ListenError, ServerTls};
use taskpool_protocol::tls::ClientTls;
use taskpool_protocol::{Command, ControlClient};
use taskpool_test_support::TestCertificates;
use tokio_taskpool::TaskPool;

use crate::support::{socket_path, tcp_client, wait_until, within, Raw};

#[tokio::test]
async fn a_unix_socket_is_private_and_removed_on_shutdown() {
    let pool = TaskPool::builder().name("life-unix").build();
    // A directory of its own, so that what is left in it is this server's.
    let dir = socket_path("life-dir");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("s.sock");
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
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["s.sock"], "private directories left");

    let mut session = Raw::unix(handle.unix_path().unwrap()).await;
    assert_eq!(session.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-life-unix");
    within("shutdown", handle.shutdown()).await;
    assert!(!path.exists(), "the socket file must be removed");
    session.expect_closed().await;
    assert!(ControlClient::connect_unix(&path, None).await.is_err());
    std::fs::remove_dir(&dir).unwrap();
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
async fn tcp_listens_beyond_loopback_only_with_a_token_and_tls() {
    let pool = TaskPool::builder().name("life-remote").build();
    let err = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("0.0.0.0:0")
        .await
        .unwrap_err();
    assert!(matches!(err, ListenError::RemoteWithoutToken { .. }), "{err:?}");
    assert!(err.to_string().starts_with("refusing to listen on 0.0.0.0:0 without an access token"), "{err}");

    // A token alone is not enough: it would cross the network in clear.
    let token = "t0ken-t0ken-t0ken-t0ken";
    let err = ControlServer::builder(&pool).token(token).build().listen_tcp("0.0.0.0:0").await.unwrap_err();
    assert!(matches!(err, ListenError::RemoteWithoutTls { .. }), "{err:?}");
    assert!(err.to_string().starts_with("refusing to listen on 0.0.0.0:0 without TLS"), "{err}");

    let certificates = TestCertificates::new();
    let tls =
        ServerTls::from_pem(certificates.server_cert_pem.as_bytes(), certificates.server_key_pem.as_bytes())
            .unwrap();
    let handle =
        ControlServer::builder(&pool).token(token).tls(tls).build().listen_tcp("0.0.0.0:0").await.unwrap();
    let port = handle.local_addr().unwrap().port();
    let trust = ClientTls::from_ca_pem(certificates.ca_pem.as_bytes(), "the test CA").unwrap();
    let client = within(
        "connecting",
        ControlClient::connect_tls(("127.0.0.1", port), "localhost", &trust, Some(token)),
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

/// Issue 15, L2: the private directory's name cannot be guessed, so a
/// directory made in advance under the name it used to have
/// (`.taskpool-control-PID-N`) does not stop the server.
#[tokio::test]
async fn a_directory_made_in_advance_does_not_stop_listen_unix() {
    let pool = TaskPool::builder().name("life-guess").build();
    let path = socket_path("guess");
    let parent = path.parent().unwrap();
    let guessed: Vec<_> = (0..64)
        .map(|n| parent.join(format!(".taskpool-control-{}-{n}", std::process::id())))
        .filter(|dir| std::fs::create_dir(dir).is_ok())
        .collect();
    let result = ControlServer::builder(&pool).build().listen_unix(&path).await;
    for dir in &guessed {
        let _ = std::fs::remove_dir(dir);
    }
    let handle = result.unwrap();
    handle.shutdown().await;
}

/// Issue 15, L3: two servers replacing the same stale socket at once: one
/// gets it, the other is told it is in use; never both (which left one
/// listening on a removed file).
#[test]
fn replacing_a_stale_socket_is_serialised() {
    let rounds: usize =
        std::env::var("TASKPOOL_STALE_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(200);
    let pool = TaskPool::builder().name("life-stale-race").build();
    let server = ControlServer::builder(&pool).build();
    for round in 0..rounds {
        let path = socket_path("stale-race");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
        let racers: Vec<_> = (0..2)
            .map(|_| {
                let (server, path, barrier) = (server.clone(), path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                    barrier.wait();
                    // The winner keeps listening until both have returned.
                    (runtime.block_on(server.listen_unix(&path)), runtime)
                })
            })
            .collect();
        let results: Vec<_> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let won = results.iter().filter(|(r, _)| r.is_ok()).count();
        for (result, _) in &results {
            if let Err(e) = result {
                assert!(matches!(e, ListenError::SocketInUse { .. }), "round {round}: {e:?}");
            }
        }
        assert_eq!(won, 1, "round {round}: {won} servers took the same stale socket");
        for (result, runtime) in results {
            if let Ok(handle) = result {
                runtime.block_on(handle.shutdown());
            }
        }
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(format!("{}.lock", path.display()));
    }
}
