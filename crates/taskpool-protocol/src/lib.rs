//! The wire protocol of the tokio-taskpool control server, and a client.
//!
//! A control server (`ControlServer`, in the `taskpool-control` crate)
//! lets an operator or a program drive a running pool from outside its
//! process: start or stop workers, resize the pool, cancel a group, see
//! what runs. This crate is everything a client needs, and nothing of the
//! pool itself:
//!
//! - the JSON-lines messages: [`Hello`], [`ServerHello`], [`Request`],
//!   [`Response`], [`RemoteError`];
//! - [`Command`]: every command, parsed from a text line with shell-like
//!   quoting ([`Command::parse_line`]) or from JSON ([`Command::from_json`]),
//!   with the usage text of each ([`Command::help`]) and the printing of
//!   results for people ([`Command::render`]);
//! - the results that are more than a number: [`StatusReply`],
//!   [`TasksReply`], [`FlushReply`], [`RetireReply`], [`FunctionInfo`];
//! - [`ControlClient`], the JSON-mode client that `taskpool-ctl` is built on;
//! - [`LineReader`], the bounded line reading both sides use.
//!
//! The protocol is described in `docs/PROTOCOL.md`. The server also speaks
//! the text mode of Python's asyncio-taskpool, whose own client can drive a
//! Rust pool.
//!
//! # Example
//!
//! A session against a stand-in server that answers with the lines a real
//! one sends:
//!
//! ```
//! use serde_json::{json, Value};
//! use taskpool_protocol::{Command, ControlClient, StatusReply};
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//! let addr = listener.local_addr().unwrap();
//! let server = tokio::spawn(async move {
//!     let (stream, _) = listener.accept().await.unwrap();
//!     let mut stream = BufReader::new(stream);
//!     let mut line = String::new();
//!     stream.read_line(&mut line).await.unwrap();
//!     let hello: Value = serde_json::from_str(&line).unwrap();
//!     assert_eq!(hello, json!({"protocol": "taskpool-control", "version": 1}));
//!     stream.write_all(concat!(
//!         r#"{"ok":true,"result":{"protocol":"taskpool-control","version":1,"#,
//!         r#""pool":"SimpleTaskPool-demo","pool_kind":"SimpleTaskPool","read_only":false}}"#,
//!         "\n",
//!     ).as_bytes()).await.unwrap();
//!     line.clear();
//!     stream.read_line(&mut line).await.unwrap();
//!     let request: Value = serde_json::from_str(&line).unwrap();
//!     assert_eq!(request, json!({"id": 0, "command": "start", "args": {"n": 5}}));
//!     stream.write_all(b"{\"id\":0,\"ok\":true,\"result\":\"start-group-0\"}\n").await.unwrap();
//! });
//!
//! let mut client = ControlClient::connect_tcp(addr, None).await.unwrap();
//! assert_eq!(client.server().pool, "SimpleTaskPool-demo");
//! let command = Command::parse_line("start 5").unwrap();
//! assert_eq!(command, Command::Start { n: 5 });
//! let result = client.call(&command).await.unwrap();
//! assert_eq!(command.render(&result), "start-group-0");
//! server.await.unwrap();
//!
//! // Results print as tables for people.
//! let mut status = StatusReply::new("SimpleTaskPool-demo");
//! status.running = 5;
//! assert!(status.to_string().contains("running 5"));
//! # }
//! ```
//!
//! With a real server, see the crate docs of `taskpool-control`; from a
//! shell, `taskpool-ctl`.

#![forbid(unsafe_code)]

mod client;
mod command;
mod error_kind;
mod line_reader;
mod remote_error;
mod replies;
pub mod tls;
mod wire;

pub use client::{ClientError, ControlClient};
pub use command::{Command, MapStyle, PoolKind};
pub use error_kind::ErrorKind;
pub use line_reader::{Line, LineReader};
pub use remote_error::RemoteError;
pub use replies::{FlushReply, FunctionInfo, GroupReply, RetireReply, StatusReply, TaskReply, TasksReply};
pub use wire::{Hello, Request, Response, ServerHello, PROTOCOL_NAME, PROTOCOL_VERSION};
