//! Access tokens that would protect nothing are refused when the server is
//! set up: an empty token (which a missing client token would match) and a
//! short one (easily guessed).

use taskpool_control::{ControlServer, ControlServerBuilder};
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
    assert_eq!(ControlServerBuilder::MIN_TOKEN_LEN, 16);
    let token = "x".repeat(ControlServerBuilder::MIN_TOKEN_LEN);
    let server = ControlServer::builder(TaskPool::new()).token(token).build();
    assert!(format!("{server:?}").contains("<redacted>"));
}
