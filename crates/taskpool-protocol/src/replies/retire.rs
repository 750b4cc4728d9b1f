use std::fmt;

use serde::{Deserialize, Serialize};

/// The result of `retire`: how many workers stopped in time, and which
/// were dropped at the timeout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RetireReply {
    /// Workers that ended by themselves after being asked.
    pub stopped_in_time: usize,
    /// Workers still running at the timeout, which were cancelled.
    pub dropped: Vec<u64>,
}

impl RetireReply {
    /// `stopped_in_time` workers ended by themselves; those in `dropped`
    /// were cancelled at the timeout.
    ///
    /// ```
    /// use taskpool_protocol::RetireReply;
    ///
    /// let retire = RetireReply::new(2, vec![7]);
    /// assert_eq!(retire.to_string(), "2 stopped in time; dropped at the timeout: 7");
    /// ```
    pub fn new(stopped_in_time: usize, dropped: Vec<u64>) -> RetireReply {
        RetireReply { stopped_in_time, dropped }
    }
}

impl fmt::Display for RetireReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} stopped in time", self.stopped_in_time)?;
        if !self.dropped.is_empty() {
            let ids: Vec<String> = self.dropped.iter().map(u64::to_string).collect();
            write!(f, "; dropped at the timeout: {}", ids.join(" "))?;
        }
        Ok(())
    }
}
