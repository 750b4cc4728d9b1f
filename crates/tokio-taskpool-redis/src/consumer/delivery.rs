//! One entry on its way to, and through, a task.

use crate::held::Lease;

/// What the consumer must know of an entry to settle it.
#[derive(Debug, Clone)]
pub(crate) struct EntryMeta {
    /// The entry's ID in the stream.
    pub(crate) id: String,
    /// The item as pushed (JSON), kept for a retry or a dead letter.
    pub(crate) raw_item: String,
    /// The ID under which the item was first pushed.
    pub(crate) origin: String,
    /// Which delivery this is, counting every earlier one: failures that
    /// were retried, and deliveries whose consumer died.
    pub(crate) deliveries: u32,
}

/// An entry read and deserialized, waiting to become, or being, a task.
#[derive(Debug)]
pub(crate) struct Delivery<T> {
    pub(crate) item: T,
    pub(crate) meta: EntryMeta,
    pub(crate) lease: Lease,
}
