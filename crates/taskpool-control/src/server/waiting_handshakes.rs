//! The connections that have not completed their handshake yet, with a cap:
//! a connection beyond it pushes the oldest one out instead of being
//! refused.
//!
//! Why the oldest goes: refusing the newest would let anyone who opens
//! `max_handshakes` silent connections, and opens a new one as each reaches
//! its deadline, keep the operator out for as long as they like. Pushing out
//! the oldest means a client that completes its hello promptly (an operator
//! needs one round trip) gets in unless that many newer connections arrive
//! while it says hello; the silent ones lose their place first, as they
//! have had the longest to say something.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

/// The waiting connections of one server, oldest first.
#[derive(Debug)]
pub(crate) struct WaitingHandshakes {
    cap: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Numbers in order of arrival, so the first entry is the oldest.
    next: u64,
    waiting: BTreeMap<u64, CancellationToken>,
}

/// A connection's place among the waiting handshakes, given up when dropped
/// (its hello accepted, or the connection gone).
#[derive(Debug)]
pub(crate) struct HandshakeSlot {
    owner: Arc<WaitingHandshakes>,
    number: u64,
    pushed_out: CancellationToken,
}

impl WaitingHandshakes {
    pub(crate) fn new(cap: usize) -> Self {
        WaitingHandshakes { cap, state: Mutex::new(State::default()) }
    }

    /// Gives a new connection its place, pushing the oldest waiting one out
    /// when the cap is reached. Never waits.
    pub(crate) fn admit(self: &Arc<Self>) -> HandshakeSlot {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.waiting.len() >= self.cap {
            if let Some((_, oldest)) = state.waiting.pop_first() {
                oldest.cancel();
            }
        }
        let number = state.next;
        state.next += 1;
        let pushed_out = CancellationToken::new();
        state.waiting.insert(number, pushed_out.clone());
        HandshakeSlot { owner: Arc::clone(self), number, pushed_out }
    }

    /// How many connections are waiting now.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().unwrap_or_else(PoisonError::into_inner).waiting.len()
    }
}

impl HandshakeSlot {
    /// Resolves once a newer connection has pushed this one out.
    ///
    /// Cancel safe.
    pub(crate) async fn pushed_out(&self) {
        self.pushed_out.cancelled().await
    }
}

impl Drop for HandshakeSlot {
    fn drop(&mut self) {
        let mut state = self.owner.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.waiting.remove(&self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_is_pushed_out_at_the_cap() {
        let waiting = Arc::new(WaitingHandshakes::new(2));
        let first = waiting.admit();
        let second = waiting.admit();
        assert!(!first.pushed_out.is_cancelled());
        let third = waiting.admit();
        assert!(first.pushed_out.is_cancelled(), "the oldest goes");
        assert!(!second.pushed_out.is_cancelled() && !third.pushed_out.is_cancelled());
        assert_eq!(waiting.len(), 2);
        // A place given up makes room without pushing anyone out.
        drop(second);
        let fourth = waiting.admit();
        assert!(!third.pushed_out.is_cancelled() && !fourth.pushed_out.is_cancelled());
        drop(first);
        assert_eq!(waiting.len(), 2, "dropping a pushed-out slot removes nothing else");
    }
}
