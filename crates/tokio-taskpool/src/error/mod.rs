//! The errors of the pools' calls, one type per kind of call: each has
//! exactly the variants that call can hit. Every error names the pool (an
//! `Arc<str>` shared with the pool, so building one copies no string) and
//! the task or group concerned, and nothing has changed in the pool when
//! one is returned.

mod cancel_error;
mod group_not_found;
mod spawn_error;

pub use cancel_error::CancelError;
pub use group_not_found::GroupNotFound;
pub use spawn_error::SpawnError;
