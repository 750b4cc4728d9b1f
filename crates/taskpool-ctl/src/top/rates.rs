//! Tasks per second, from the difference of the pool's counters between
//! two polls.

use std::time::Instant;

use taskpool_protocol::StatusReply;

/// The counters of one `status`, and when it arrived.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Sample {
    pub(crate) at: Instant,
    pub(crate) running: usize,
    pub(crate) ended: u64,
    pub(crate) cancelled: u64,
    pub(crate) failed: u64,
}

impl Sample {
    pub(crate) fn new(at: Instant, status: &StatusReply) -> Sample {
        Sample {
            at,
            running: status.running,
            ended: status.ended,
            cancelled: status.cancelled,
            failed: status.failed,
        }
    }
}

/// Tasks per second between two samples.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rates {
    pub(crate) started: f64,
    pub(crate) ended: f64,
    pub(crate) cancelled: f64,
    pub(crate) failed: f64,
}

impl Rates {
    /// The rates from `before` to `after`, with the starts that an earlier
    /// poll still owes (see below); returns them with what this poll owes
    /// in turn. `None` when no time passed or a counter went down, which
    /// only a new pool behind the same address (a restarted service) can
    /// do: there is no rate across two pools.
    pub(crate) fn between(before: &Sample, after: &Sample, owed: u64) -> Option<(Rates, u64)> {
        let secs = after.at.checked_duration_since(before.at)?.as_secs_f64();
        let ended = after.ended.checked_sub(before.ended)?;
        let cancelled = after.cancelled.checked_sub(before.cancelled)?;
        let failed = after.failed.checked_sub(before.failed)?;
        if secs <= 0.0 {
            return None;
        }
        // The server counts no starts, but every start adds one running
        // task, and every running task leaves `running` exactly once: it
        // completes (`ended` + 1 at that moment) or is cancelled
        // (`cancelled` + 1 at that moment, and `ended` + 1 later, once its
        // future is dropped and its callbacks have run). So started =
        // Δrunning + Δended, and adding Δcancelled too would count each
        // cancelled task twice. Between two polls a cancelled task may be
        // out of `running` and not yet in `ended`, which makes the
        // difference negative; that shortfall is owed, and taken off the
        // starts of the next polls, when those ends arrive.
        let raw = i128::from(after.running as u64) - i128::from(before.running as u64) + i128::from(ended)
            - i128::from(owed);
        let (started, owed) = if raw < 0 { (0, raw.unsigned_abs()) } else { (raw.unsigned_abs(), 0) };
        let rates = Rates {
            started: started as f64 / secs,
            ended: ended as f64 / secs,
            cancelled: cancelled as f64 / secs,
            failed: failed as f64 / secs,
        };
        Some((rates, u64::try_from(owed).unwrap_or(u64::MAX)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn sample(at: Instant, running: usize, ended: u64, cancelled: u64, failed: u64) -> Sample {
        Sample { at, running, ended, cancelled, failed }
    }

    fn rates_of(started: f64, ended: f64, cancelled: f64) -> Rates {
        Rates { started, ended, cancelled, failed: 0.0 }
    }

    #[test]
    fn rates_are_differences_per_second() {
        let t0 = Instant::now();
        let t2 = t0 + Duration::from_secs(2);
        // 2 s: 4 more running, 6 ended (1 of them failed), 2 cancelled and ended.
        let rates = Rates::between(&sample(t0, 3, 10, 1, 0), &sample(t2, 7, 16, 3, 1), 0).unwrap();
        assert_eq!(rates, (Rates { started: 5.0, ended: 3.0, cancelled: 1.0, failed: 0.5 }, 0));
    }

    #[test]
    fn a_cancelled_task_is_not_a_start() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        let t2 = t1 + Duration::from_secs(1);
        let running = sample(t0, 4, 0, 0, 0);
        // One worker cancelled: out of `running`, counted as cancelled, its
        // end not counted yet.
        let cancelling = sample(t1, 3, 0, 1, 0);
        // Its future dropped: now it has ended too.
        let ended = sample(t2, 3, 1, 1, 0);
        let (rates, owed) = Rates::between(&running, &cancelling, 0).unwrap();
        assert_eq!((rates.started, rates.cancelled, owed), (0.0, 1.0, 1));
        let (rates, owed) = Rates::between(&cancelling, &ended, owed).unwrap();
        assert_eq!((rates.started, rates.ended, owed), (0.0, 1.0, 0));
        // Seen in one step, the same.
        assert_eq!(Rates::between(&running, &ended, 0).unwrap().0.started, 0.0);
        // A start in the same poll as the late end: one start.
        let started = sample(t2, 4, 1, 1, 0);
        assert_eq!(Rates::between(&cancelling, &started, 1).unwrap(), (rates_of(1.0, 1.0, 0.0), 0));
    }

    #[test]
    fn no_rate_across_a_restart_or_without_time() {
        let t0 = Instant::now();
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(Rates::between(&sample(t0, 1, 50, 0, 0), &sample(t1, 1, 2, 0, 0), 0), None);
        assert_eq!(Rates::between(&sample(t0, 1, 5, 0, 0), &sample(t0, 1, 6, 0, 0), 0), None);
        assert_eq!(Rates::between(&sample(t1, 1, 5, 0, 0), &sample(t0, 1, 6, 0, 0), 0), None);
    }
}
