//! Integration tests of the control server, one module per topic: real
//! servers on 127.0.0.1:0 and on temporary Unix sockets, driven through
//! real sockets with the JSON client (`taskpool_protocol::ControlClient`),
//! with raw lines for what a well-behaved client never sends, with
//! asyncio-taskpool's own Python client, and with hostile clients
//! (`faults`). The `taskpool-ctl` binary has its own end-to-end tests in
//! its crate.
//!
//! These tests use real time, because they use real sockets: waiting is
//! always for a condition, bounded by `taskpool_test_support::WAIT`.

mod access;
mod audit;
mod commands;
mod deadlines;
mod errors;
mod faults;
mod handshake;
mod lifecycle;
mod limits;
mod python_client;
mod soak;
mod support;
mod text_mode;
mod tls;
mod tokens;
