//! The control server of tokio-taskpool: drive a running pool from outside
//! its process.
//!
//! An operator of a long-running service can start or stop workers, resize
//! the pool, cancel a group, or see what runs, without a restart:
//!
//! ```text
//! $ taskpool-ctl unix /run/ingest.sock -- status
//! $ taskpool-ctl unix /run/ingest.sock -- pool-size 20
//! $ taskpool-ctl tcp 127.0.0.1 4000            # interactive, with history
//! ```
//!
//! - [`ControlServer`] serves one pool (either kind, see [`ControlledPool`])
//!   on TCP and Unix sockets; each listener is a [`ControlHandle`] that
//!   stops it when dropped. It is secure by default: owner-only Unix
//!   sockets, TCP only with an access token (or, by an explicit and logged
//!   opt-in, loopback TCP without one), only
//!   [registered](ControlServerBuilder::register) functions can be started,
//!   an optional read-only mode, and limits on line length, sessions and
//!   idle time.
//! - It drives the pool through the pool's public API only
//!   ([`ControlledPool::handle`] and the pool's own methods).
//! - Clients speak the protocol of the `taskpool-protocol` crate, whose
//!   `ControlClient` speaks the JSON-lines mode and whose `Command` is a
//!   command in either mode; `taskpool-ctl` is the command-line client.
//! - The same listener also speaks the text mode of Python's
//!   asyncio-taskpool, so its own client
//!   (`python -m asyncio_taskpool.control tcp HOST PORT`) can drive a Rust pool.
//!
//! The wire protocol is described in `docs/PROTOCOL.md`.
//!
//! ```
//! use taskpool_control::ControlServer;
//! use taskpool_protocol::{Command, ControlClient};
//! use tokio_taskpool::TaskPool;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let pool = TaskPool::builder().name("crawler").build();
//! let server = ControlServer::builder(&pool)
//!     .register("fetch", |url: String| async move { url.len() })
//!     .token("correct-horse-battery-staple")
//!     .build();
//! let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
//!
//! // Elsewhere, perhaps in another process:
//! let addr = handle.local_addr().unwrap();
//! let mut client = ControlClient::connect_tcp(addr, Some("correct-horse-battery-staple")).await.unwrap();
//! let command = Command::parse_line(r#"map fetch '["a b", "c"]' -n 2 --group urls"#).unwrap();
//! assert_eq!(client.call(&command).await.unwrap(), "urls");
//! pool.gather_and_close().await;
//! assert_eq!(pool.num_ended(), 2);
//! # }
//! ```

#![forbid(unsafe_code)]

mod escaped;
mod net;
mod pool;
mod server;
mod session;

pub use net::{Endpoint, ServerTls};
pub use pool::{Controllable, ControlledPool, ForSimpleTaskPool, ForTaskPool};
pub use server::{ControlHandle, ControlServer, ControlServerBuilder, ListenError, MIN_TOKEN_LEN};
pub use taskpool_protocol::tls::TlsSetupError;
