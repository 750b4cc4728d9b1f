//! An entry of the dead-letter stream, as listed by
//! [`RedisQueue::dead_letters`](crate::RedisQueue::dead_letters).

use std::collections::HashMap;

use redis::Value;

use crate::fields::{self, text};

/// An item that failed on every delivery allowed, or could not be read,
/// with its last error. Re-queue it with
/// [`RedisQueue::requeue_dead_letter`](crate::RedisQueue::requeue_dead_letter).
///
/// ```
/// use tokio_taskpool_redis::DeadLetter;
///
/// fn report(dead: &DeadLetter) -> String {
///     format!("{} (first pushed as {}) failed {} times: {}", dead.id, dead.origin, dead.deliveries, dead.error)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// Its ID in the dead-letter stream.
    pub id: String,
    /// The ID under which the item was first pushed.
    pub origin: String,
    /// The item as pushed (JSON), or the entry's raw fields when it had no
    /// item field.
    pub item: String,
    /// How many times it was delivered.
    pub deliveries: u32,
    /// The last error: the handler's error, the panic message, or why the
    /// item could not be deserialized.
    pub error: String,
    /// The consumer that dead-lettered it.
    pub consumer: String,
    /// When, in milliseconds since the Unix epoch.
    pub failed_at_ms: u64,
}

impl DeadLetter {
    pub(crate) fn from_fields(id: String, map: &HashMap<String, Value>) -> DeadLetter {
        let field = |name: &str| map.get(name).and_then(text).unwrap_or_default();
        DeadLetter {
            origin: field(fields::ORIGIN),
            item: field(fields::ITEM),
            deliveries: field(fields::ATTEMPT).parse().unwrap_or(0),
            error: field(fields::ERROR),
            consumer: field(fields::CONSUMER),
            failed_at_ms: field(fields::FAILED_AT).parse().unwrap_or(0),
            id,
        }
    }
}
