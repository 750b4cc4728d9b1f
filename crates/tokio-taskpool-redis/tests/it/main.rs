//! End-to-end tests of tokio-taskpool-redis against a real `redis-server`
//! that each test starts for itself (see `redis_server`), with real worker
//! processes where crashes matter (see `worker_process`).
//!
//! Redis runs on the real clock, so these tests use bounded real waits
//! rather than tokio's paused clock; every wait says what it waited for.

mod bad_input;
mod connect_errors;
mod consume;
mod crash;
mod leases;
mod no_over_fetch;
mod redis_restart;
mod redis_server;
mod retries;
mod support;
mod tls;
mod worker_process;
