//! The builder that every spawning call of a [`TaskPool`](crate::TaskPool)
//! returns: the options all groups share, written once, and the ones only
//! some groups have (`num` for apply, `num_concurrent` for the map family),
//! chosen by a marker type.

mod builder;
mod item_worker;
mod markers;
mod starmap_fn;

pub use builder::GroupBuilder;
pub(crate) use builder::GroupOptions;
pub(crate) use item_worker::{ItemWorker, Spread, Unary};
pub use markers::{Counted, Mapped};
pub use starmap_fn::StarmapFn;
