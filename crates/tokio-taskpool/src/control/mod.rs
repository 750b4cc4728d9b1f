//! Control a pool from outside its process: a control server in the
//! application, and a client for programs and for `taskpool-ctl`.
//!
//! An operator of a long-running service can then start or stop workers,
//! resize the pool, cancel a group, or see what runs, without a restart:
//!
//! ```text
//! $ taskpool-ctl unix /run/ingest.sock -- status
//! $ taskpool-ctl unix /run/ingest.sock -- pool-size 20
//! $ taskpool-ctl tcp 127.0.0.1 4000            # interactive, with history
//! ```
//!
//! - [`ControlServer`] serves one pool (either kind) on TCP and Unix
//!   sockets; each listener is a [`ControlHandle`] that stops it when dropped.
//!   It is secure by default: owner-only Unix sockets, loopback-only TCP
//!   unless an access token is set, only [registered](ControlServerBuilder::register)
//!   functions can be started, an optional read-only mode, and limits on
//!   line length, sessions and idle time.
//! - [`ControlClient`] speaks the JSON-lines mode; [`Command`] is a command
//!   in either mode, parsed from text with proper quoting.
//! - The same listener also speaks the text mode of Python's
//!   asyncio-taskpool, so its own client
//!   (`python -m asyncio_taskpool.control tcp HOST PORT`) can drive a Rust pool.
//!
//! The wire protocol is described in `docs/PROTOCOL.md`.
//!
//! ```
//! use tokio_taskpool::control::{Command, ControlClient, ControlServer, MapStyle};
//! use tokio_taskpool::TaskPool;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let pool = TaskPool::builder().name("crawler").build();
//! let server = ControlServer::builder(&pool)
//!     .register("fetch", |url: String| async move { url.len() })
//!     .build();
//! let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
//!
//! // Elsewhere, perhaps in another process:
//! let mut client = ControlClient::connect_tcp(handle.local_addr().unwrap(), None).await.unwrap();
//! let command = Command::parse_line(r#"map fetch '["a b", "c"]' -n 2 --group urls"#).unwrap();
//! assert_eq!(client.call(&command).await.unwrap(), "urls");
//! pool.gather_and_close().await;
//! assert_eq!(pool.num_ended(), 2);
//! # }
//! ```

mod builder;
mod client;
mod client_error;
mod command;
mod config;
mod connection;
mod controlled_pool;
mod endpoint;
mod execute;
mod handle;
mod line_reader;
mod listen_error;
mod listener;
mod protocol;
mod registry;
mod remote_error;
mod render;
mod replies;
mod server;
mod session;
mod text_args;

pub use builder::ControlServerBuilder;
pub use client::ControlClient;
pub use client_error::ClientError;
pub use command::{Command, MapStyle};
pub use controlled_pool::ControlledPool;
pub use endpoint::Endpoint;
pub use handle::ControlHandle;
pub use listen_error::ListenError;
pub use protocol::{Hello, Request, Response, ServerHello, PROTOCOL_NAME, PROTOCOL_VERSION};
pub use remote_error::RemoteError;
pub use replies::{FlushReply, FunctionInfo, GroupReply, RetireReply, StatusReply, TaskReply, TasksReply};
pub use server::ControlServer;
