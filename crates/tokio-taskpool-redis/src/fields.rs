//! The fields of the entries this crate writes (see `docs/REDIS.md`), and
//! how a stream entry read back becomes the parts the consumer needs.

use std::collections::HashMap;

use redis::Value;

/// The item, serialized as JSON.
pub(crate) const ITEM: &str = "item";
/// Which delivery through the queue this entry is: absent (meaning 1) on a
/// fresh push, `n + 1` on the entry that the mover re-queues after the
/// n-th failure.
pub(crate) const ATTEMPT: &str = "attempt";
/// On a re-queued or dead entry: the error of the last failure.
pub(crate) const ERROR: &str = "error";
/// On a re-queued or dead entry: the ID of the entry as first pushed.
pub(crate) const ORIGIN: &str = "origin";
/// On a dead entry: the consumer that gave up on it.
pub(crate) const CONSUMER: &str = "consumer";
/// On a dead entry: the Unix time in milliseconds it was dead-lettered.
pub(crate) const FAILED_AT: &str = "failed_at";

/// A stream entry as read, before its item is deserialized.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawEntry {
    pub(crate) id: String,
    /// The `item` field, or `None` when the entry has none (not written by
    /// this crate).
    pub(crate) item: Option<String>,
    pub(crate) attempt: u32,
    /// The ID under which the item was first pushed.
    pub(crate) origin: String,
}

impl RawEntry {
    /// Reads the fields this crate knows; unknown ones are ignored.
    pub(crate) fn from_fields(id: String, fields: &HashMap<String, Value>) -> RawEntry {
        let item = fields.get(ITEM).and_then(text);
        let attempt = fields.get(ATTEMPT).and_then(text).and_then(|a| a.parse().ok()).unwrap_or(1);
        let origin = fields.get(ORIGIN).and_then(text).unwrap_or_else(|| id.clone());
        RawEntry { id, item, attempt, origin }
    }
}

/// A bulk string value as text; other values are not ours.
pub(crate) fn text(value: &Value) -> Option<String> {
    match value {
        Value::BulkString(bytes) => String::from_utf8(bytes.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        Value::VerbatimString { text, .. } => Some(text.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(s: &str) -> Value {
        Value::BulkString(s.as_bytes().to_vec())
    }

    #[test]
    fn a_fresh_entry_is_its_own_origin_at_attempt_one() {
        let fields = HashMap::from([(ITEM.to_owned(), bulk("{\"n\":1}"))]);
        let entry = RawEntry::from_fields("5-0".into(), &fields);
        assert_eq!(
            entry,
            RawEntry { id: "5-0".into(), item: Some("{\"n\":1}".into()), attempt: 1, origin: "5-0".into() }
        );
    }

    #[test]
    fn a_requeued_entry_keeps_its_origin_and_attempt() {
        let fields = HashMap::from([
            (ITEM.to_owned(), bulk("7")),
            (ATTEMPT.to_owned(), bulk("3")),
            (ORIGIN.to_owned(), bulk("1-0")),
        ]);
        let entry = RawEntry::from_fields("9-0".into(), &fields);
        assert_eq!((entry.attempt, entry.origin.as_str()), (3, "1-0"));
    }

    #[test]
    fn an_entry_without_an_item_says_so() {
        let entry = RawEntry::from_fields("9-0".into(), &HashMap::from([("x".to_owned(), bulk("y"))]));
        assert_eq!(entry.item, None);
    }
}
