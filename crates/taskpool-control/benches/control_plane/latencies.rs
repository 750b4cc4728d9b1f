//! A sorted set of measured durations and the figures read from it.

use std::time::Duration;

/// Durations, sorted, with at least one.
pub(crate) struct Latencies(Vec<Duration>);

impl Latencies {
    /// # Panics
    ///
    /// If `samples` is empty: a case that measured nothing has no figures.
    pub(crate) fn new(mut samples: Vec<Duration>) -> Latencies {
        assert!(!samples.is_empty(), "a case measures at least one sample");
        samples.sort_unstable();
        Latencies(samples)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// The nearest-rank percentile: the smallest sample that at least `p`
    /// percent of the samples do not exceed.
    pub(crate) fn percentile(&self, p: f64) -> Duration {
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        self.0[rank.clamp(1, self.0.len()) - 1]
    }

    pub(crate) fn p50(&self) -> Duration {
        self.percentile(50.0)
    }

    pub(crate) fn p99(&self) -> Duration {
        self.percentile(99.0)
    }

    pub(crate) fn max(&self) -> Duration {
        *self.0.last().expect("Latencies holds at least one sample")
    }
}

/// Microseconds, for printing.
pub(crate) fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
