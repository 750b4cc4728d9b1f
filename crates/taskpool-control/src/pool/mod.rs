//! The pool side: which pool a server drives ([`ControlledPool`]), the
//! functions registered for `apply` and the map commands (`Registry`),
//! running a command through the pool's public API (`execute`), and the
//! pool's own types turned into the protocol's replies (`replies`).

mod controllable;
mod controlled_pool;
mod execute;
mod registry;
mod replies;

pub use controllable::{Controllable, ForSimpleTaskPool, ForTaskPool};
pub use controlled_pool::ControlledPool;
pub(crate) use execute::execute;
pub(crate) use registry::Registry;
