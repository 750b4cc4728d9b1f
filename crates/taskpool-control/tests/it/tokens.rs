//! Access tokens that would protect nothing are refused when the server is
//! set up: an empty token (which a missing client token would match) and a
//! short one (easily guessed). TCP needs a token unless loopback without one
//! is allowed explicitly.

use taskpool_control::{ControlServer, ListenError};
use taskpool_protocol::{ControlClient, ErrorKind};
use tokio_taskpool::TaskPool;

#[test]
#[should_panic(expected = "token: an access token must be at least 16 bytes long, not 0")]
fn an_empty_token_is_refused() {
    // As `.token(std::env::var("TOKEN").unwrap_or_default())` makes one.
    let _ = ControlServer::builder(TaskPool::new()).token(String::new());
}

#[test]
#[should_panic(expected = "token: an access token must be at least 16 bytes long, not 6")]
fn a_short_token_is_refused() {
    let _ = ControlServer::builder(TaskPool::new()).token("s3cret");
}

#[test]
fn a_token_of_the_minimum_length_is_taken() {
    assert_eq!(taskpool_control::MIN_TOKEN_LEN, 16);
    let token = "x".repeat(taskpool_control::MIN_TOKEN_LEN);
    let server = ControlServer::builder(TaskPool::new()).token(token).build();
    assert!(format!("{server:?}").contains("<redacted>"));
}

/// TCP needs a token by default (issue 15, M6): every local user can
/// connect to a loopback port, where only the owner can use the Unix socket.
#[tokio::test]
async fn tcp_needs_a_token_unless_unauthenticated_loopback_is_allowed() {
    let pool = TaskPool::builder().name("tcp-token").build();
    let err = ControlServer::builder(&pool).build().listen_tcp("127.0.0.1:0").await.unwrap_err();
    assert!(matches!(err, ListenError::TokenRequired { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("refusing to listen on 127.0.0.1:0 without an access token"),
        "{err}"
    );
    // With a token, or with the explicit opt-in (loopback only), it listens.
    let token = "0123456789abcdef";
    let handle = ControlServer::builder(&pool).token(token).build().listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();
    let e = ControlClient::connect_tcp(addr, None).await.unwrap_err();
    assert_eq!(e.remote().map(|e| e.kind()), Some(&ErrorKind::Unauthorized), "{e}");
    ControlClient::connect_tcp(addr, Some(token)).await.unwrap();
    handle.shutdown().await;
    let open = ControlServer::builder(&pool).allow_unauthenticated_loopback(true).build();
    let handle = open.listen_tcp("127.0.0.1:0").await.unwrap();
    ControlClient::connect_tcp(handle.local_addr().unwrap(), None).await.unwrap();
    handle.shutdown().await;
}
