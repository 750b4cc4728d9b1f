//! A wrong URL, a wrong password or a server that is down gives an error
//! that names what failed; the right ACL user and password connect.

use tokio_taskpool_redis::{QueueError, RedisQueue};

use crate::redis_server::{RedisServer, ServerOptions};

#[tokio::test]
async fn a_url_that_is_not_redis_is_a_bad_url() {
    for url in ["http://localhost:6379", "redis://", "not a url at all"] {
        let err = RedisQueue::connect(url, "q").await.unwrap_err();
        assert!(matches!(err, QueueError::BadUrl { .. }), "{url}: {err:?}");
        assert!(err.to_string().contains("is not a usable redis URL"), "{err}");
    }
}

#[tokio::test]
async fn a_server_that_is_down_is_unreachable() {
    let mut server = RedisServer::start();
    let url = server.url();
    server.kill();
    let err = RedisQueue::connect(&url, "q").await.unwrap_err();
    assert!(matches!(err, QueueError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().starts_with(&format!("no redis server answered at '{url}'")), "{err}");
    // Nothing listens on TCP port 1 on this machine.
    let err = RedisQueue::connect("redis://127.0.0.1:1/", "q").await.unwrap_err();
    assert_eq!(err.kind(), "unreachable", "{err}");
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_named_without_showing_it() {
    let server = RedisServer::start_with(ServerOptions {
        password: Some("right-secret".into()),
        acl_user: Some(("alice".into(), "alice-secret".into())),
        ..ServerOptions::default()
    });
    let err = RedisQueue::connect(&server.url_with(None, "wrong-secret"), "q").await.unwrap_err();
    assert!(matches!(err, QueueError::Authentication { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("refused the password or user"), "{message}");
    assert!(!message.contains("wrong-secret"), "the password is hidden: {message}");

    let err = RedisQueue::connect(&server.url_with(Some("alice"), "nope"), "q").await.unwrap_err();
    assert_eq!(err.kind(), "authentication", "{err}");

    let queue = RedisQueue::connect(&server.url_with(Some("alice"), "alice-secret"), "q").await.unwrap();
    queue.push(&1u32).await.unwrap();
    assert_eq!(queue.len().await.unwrap(), 1);
    let queue = RedisQueue::connect(&server.url(), "q").await.unwrap();
    assert_eq!(queue.len().await.unwrap(), 1);
}
