//! The engine behind both pool kinds: the bookkeeping and its transitions,
//! the resizable size limit, meta tasks, and the life of each task.
//!
//! Nothing here is public. The API files (`task_pool.rs`, `simple_pool.rs`,
//! `pool_core.rs`, the builders) call into it; see ARCHITECTURE.md for the
//! map and the invariants.
//!
//! - [`state`]: `PoolState`, the only code that changes the bookkeeping, one
//!   method per event, each returning an [`AfterUnlock`];
//! - [`task_table`], [`groups`]: the alive tasks (a ring indexed by ID, with
//!   per-group links) and groups;
//! - [`room`]: the resizable size limit (a semaphore plus a debt), with its
//!   loom models;
//! - [`inner`]: `PoolInner`, the lock and the waits around the state;
//! - [`spawn_group`], [`meta`], [`task`]: a group's meta task, and a task
//!   from registration to its last callback.

mod after_unlock;
mod group_core;
mod groups;
mod inner;
mod input;
mod measured;
mod meta;
mod observed;
pub(crate) mod room;
mod spawn_group;
mod state;
mod task;
mod task_table;
mod unarmed;

#[cfg(all(test, not(loom)))]
mod tests;

pub(crate) use after_unlock::AfterUnlock;
pub(crate) use group_core::{callback, Callbacks, GroupCore};
pub(crate) use inner::PoolInner;
pub(crate) use meta::{run_counted, run_stream, MetaGuard};
pub(crate) use spawn_group::{spawn_group, GroupSpec};
pub(crate) use state::{CancelRefusal, OpenRefusal};
