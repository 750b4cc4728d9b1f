//! Opening connections: a first connection that tells a wrong URL, a wrong
//! password and a server that is down apart, then connection managers that
//! reconnect with backoff on their own.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncConnectionConfig, Client, TlsCertificates};

use crate::QueueError;

/// How long to wait for a TCP (or TLS, or Unix socket) connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an ordinary command may take before it counts as lost. redis-rs
/// defaults to 500 ms, which a loaded machine or a big pipeline can exceed.
pub(crate) const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// Checks `url` with one connection and a PING, so that a bad URL, refused
/// credentials or an absent server fail here with their own error instead
/// of as retries in the background.
///
/// `root_certificate` (PEM) replaces the system's trusted roots for a
/// `rediss://` server whose certificate a private authority signed.
pub(crate) async fn open_client(url: &str, root_certificate: Option<&[u8]>) -> Result<Client, QueueError> {
    if url.starts_with("rediss://") {
        // redis-rs builds its TLS configuration with rustls's process-wide
        // default provider. When a build enables more than one provider
        // (features are unified across a workspace), rustls cannot choose
        // one itself; aws-lc-rs is ours, as the control plane's. An error
        // means one is installed already.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    let client = match root_certificate {
        None => Client::open(url),
        Some(pem) => {
            Client::build_with_tls(url, TlsCertificates { client_tls: None, root_cert: Some(pem.to_vec()) })
        }
    }
    .map_err(|err| QueueError::connecting(url, &err))?;
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(COMMAND_TIMEOUT));
    let mut probe = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .map_err(|err| QueueError::connecting(url, &err))?;
    redis::cmd("PING")
        .query_async::<()>(&mut probe)
        .await
        .map_err(|err| QueueError::connecting(url, &err))?;
    Ok(client)
}

/// A connection that reconnects by itself, with exponential backoff from
/// 50 ms up to 2 s, giving commands `response_timeout` to answer.
///
/// The blocking reads get one of their own whose timeout is longer than
/// their block time: on a shared connection a blocked XREADGROUP would hold
/// back every command pipelined behind it, and under the 500 ms default a
/// longer block would always time out.
pub(crate) async fn manager(
    url: &str,
    client: &Client,
    response_timeout: Duration,
) -> Result<ConnectionManager, QueueError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(response_timeout))
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_secs(2))
        .set_number_of_retries(8);
    ConnectionManager::new_with_config(client.clone(), config)
        .await
        .map_err(|err| QueueError::connecting(url, &err))
}
