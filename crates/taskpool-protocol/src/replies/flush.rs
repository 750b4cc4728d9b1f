use std::fmt;

use serde::{Deserialize, Serialize};

/// The result of `flush`: the failures since the last report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlushReply {
    /// How many panics were caught since the last report.
    pub num_failed: u64,
    /// The most recent of them, in words, oldest first.
    pub failures: Vec<String>,
}

impl FlushReply {
    /// `num_failed` failures since the last report, the most recent of them
    /// described in `failures`, oldest first.
    ///
    /// ```
    /// use taskpool_protocol::FlushReply;
    ///
    /// assert_eq!(FlushReply::new(0, vec![]).to_string(), "ok");
    /// let flush = FlushReply::new(2, vec!["task 1 panicked: x".into()]);
    /// assert_eq!(flush.to_string(), "2 failed\ntask 1 panicked: x");
    /// ```
    pub fn new(num_failed: u64, failures: Vec<String>) -> FlushReply {
        FlushReply { num_failed, failures }
    }
}

impl fmt::Display for FlushReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.num_failed == 0 {
            return f.write_str("ok");
        }
        write!(f, "{} failed", self.num_failed)?;
        for failure in &self.failures {
            write!(f, "\n{failure}")?;
        }
        Ok(())
    }
}
