//! End-to-end tests of the control server: real servers on 127.0.0.1:0 and
//! on temporary Unix sockets, driven through real sockets with the JSON
//! client ([`ControlClient`](tokio_taskpool::control::ControlClient)), with
//! raw lines for what a well-behaved client never sends, and with
//! asyncio-taskpool's own Python client. The `taskpool-ctl` binary has its
//! own end-to-end tests in its crate.
//!
//! These tests use real time, because they use real sockets: waiting is
//! always for a condition, bounded by [`support::WAIT`].

mod audit;
mod commands;
mod errors;
mod lifecycle;
mod python_client;
mod support;
mod text_mode;
