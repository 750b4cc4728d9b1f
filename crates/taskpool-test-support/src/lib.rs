//! Helpers shared by the test suites of the tokio-taskpool workspace (the
//! pool's, the control server's and `taskpool-ctl`'s). Not published.
//!
//! It depends on neither the pool nor the server, so that every crate of
//! the workspace can use it without a second copy of their types: raw
//! connections take a socket address or a path, not a server's handle.
//!
//! ```
//! use std::sync::atomic::{AtomicBool, Ordering};
//! use std::sync::Arc;
//! use taskpool_test_support::{wait_until, within};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let done = Arc::new(AtomicBool::new(false));
//! let flag = Arc::clone(&done);
//! tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
//! wait_until("the task ran", || done.load(Ordering::SeqCst)).await;
//! assert_eq!(within("an answer", async { 42 }).await, 42);
//! # }
//! ```

#![forbid(unsafe_code)]

mod certificates;
mod log;
// tokio has no networking under `--cfg loom`, with which the pool crate's
// loom models build its dev-dependencies.
#[cfg(not(loom))]
mod raw;
mod rng;
mod socket_path;
mod wait;

pub use certificates::TestCertificates;
pub use log::Log;
#[cfg(not(loom))]
pub use raw::{error_of, Raw};
pub use rng::Rng;
pub use socket_path::socket_path;
pub use wait::{wait_until, within, WAIT};
