//! The settings of one consumer, as the builder leaves them.

use std::time::Duration;

use crate::Backoff;

/// See the setters of [`ConsumerBuilder`](crate::ConsumerBuilder) for what
/// each one means and its default.
#[derive(Debug, Clone)]
pub(crate) struct ConsumerOptions {
    pub(crate) num_concurrent: usize,
    pub(crate) group: Option<String>,
    pub(crate) instance: Option<String>,
    pub(crate) min_idle: Duration,
    pub(crate) block: Duration,
    pub(crate) max_deliveries: u32,
    pub(crate) backoff: Backoff,
    pub(crate) retry_poll: Duration,
}

impl Default for ConsumerOptions {
    fn default() -> Self {
        ConsumerOptions {
            num_concurrent: 1,
            group: None,
            instance: None,
            min_idle: Duration::from_secs(30),
            block: Duration::from_secs(1),
            max_deliveries: 5,
            backoff: Backoff::new(Duration::from_secs(1), Duration::from_secs(300)),
            retry_poll: Duration::from_millis(250),
        }
    }
}

impl ConsumerOptions {
    /// How often the leases of held entries are refreshed: three times per
    /// `min_idle`, so that two refreshes may fail before one lapses.
    pub(crate) fn lease_interval(&self) -> Duration {
        self.min_idle / 3
    }

    /// How often, on average, a consumer looks for entries of dead
    /// consumers (jittered around this).
    pub(crate) fn takeover_interval(&self) -> Duration {
        self.min_idle / 2
    }
}
