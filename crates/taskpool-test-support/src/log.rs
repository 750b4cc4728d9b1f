use std::sync::{Arc, Mutex};

/// A shared, ordered log of what happened, for tasks to write to and tests
/// to read.
///
/// ```
/// let log = taskpool_test_support::Log::default();
/// log.clone().push("started");
/// assert_eq!(log.entries(), ["started"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    /// Appends `entry`.
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    /// Every entry so far, in order.
    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}
