//! The input of a map group (its iterator or stream), watched so that a
//! group cut short by a cancel or a stop can say how many inputs it never
//! started.

use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;

use super::group_core::GroupCore;

/// Owns a map group's input inside its meta task. When the meta task ends,
/// however it ends (done, or aborted by a cancel), its `Drop` counts the
/// inputs never started: the item in hand, if any, plus what the input
/// says is left, when it knows exactly (an iterator over a `Vec` or a range
/// does; a channel does not).
pub(crate) struct Input<S: Stream> {
    pub(crate) stream: Pin<Box<S>>,
    /// An item was taken and its task has not started yet.
    pub(crate) holding: bool,
    /// The input ended (or panicked), so nothing of it is left.
    pub(crate) ended: bool,
    group: Arc<GroupCore>,
}

impl<S: Stream> Input<S> {
    pub(crate) fn new(stream: S, group: Arc<GroupCore>) -> Self {
        Input { stream: Box::pin(stream), holding: false, ended: false, group }
    }
}

impl<S: Stream> Drop for Input<S> {
    fn drop(&mut self) {
        let rest = if self.ended {
            Some(0)
        } else {
            // The input's own code: a panic here must not take the meta
            // task's guard with it.
            std::panic::catch_unwind(AssertUnwindSafe(|| self.stream.size_hint()))
                .ok()
                .and_then(|(low, high)| (Some(low) == high).then_some(low as u64))
        };
        let unstarted = rest.map(|rest| rest + u64::from(self.holding));
        self.group.record_unstarted(unstarted);
    }
}
