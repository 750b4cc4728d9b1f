//! The running count over the last minute, one value a second, for the
//! sparkline.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// How far back the sparkline looks.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);

/// The running count of each second of the last minute that had a poll:
/// one bar per second whatever the poll interval (a fast interval would
/// otherwise squeeze the minute out of the screen, and the extra poll
/// after each command would show as an extra bar).
#[derive(Debug, Default)]
pub(crate) struct History {
    /// The time second 0 starts at: the first poll.
    origin: Option<Instant>,
    /// (second since `origin`, running count at that second's last poll),
    /// oldest first, none older than [`WINDOW`] before the newest.
    points: VecDeque<(u64, u64)>,
}

impl History {
    /// Adds a poll's running count and forgets what is now out of the
    /// window. A point older than the newest is ignored: polls arrive in
    /// order, and the sparkline must not go back in time.
    pub(crate) fn push(&mut self, at: Instant, running: u64) {
        let origin = *self.origin.get_or_insert(at);
        let second = at.saturating_duration_since(origin).as_secs();
        match self.points.back_mut() {
            Some((last, _)) if second < *last => return,
            Some((last, count)) if second == *last => *count = running,
            _ => self.points.push_back((second, running)),
        }
        while self.points.front().is_some_and(|&(first, _)| second - first >= WINDOW.as_secs()) {
            self.points.pop_front();
        }
    }

    /// The newest `width` seconds of the window, oldest first, the newest
    /// last (the sparkline draws one per column from the left). A second
    /// without a poll is `None` (drawn as a gap: the server was away),
    /// except a single one between two polls, which is timing jitter (a
    /// poll at 0.99 s and the next at 2.01 s) and takes the count before it.
    pub(crate) fn last(&self, width: usize) -> Vec<Option<u64>> {
        let (Some(&(first, _)), Some(&(newest, _))) = (self.points.front(), self.points.back()) else {
            return Vec::new();
        };
        let start = first.max((newest + 1).saturating_sub(width as u64));
        let mut bars = Vec::with_capacity(width.min(WINDOW.as_secs() as usize));
        let mut points = self.points.iter().skip_while(|&&(second, _)| second < start).peekable();
        let mut before: Option<(u64, u64)> = None;
        for second in start..=newest {
            let bar = match points.peek() {
                Some(&&(at, count)) if at == second => {
                    points.next();
                    before = Some((at, count));
                    Some(count)
                }
                _ => match before {
                    Some((at, count))
                        if at + 1 == second && points.peek().is_some_and(|p| p.0 == second + 1) =>
                    {
                        Some(count)
                    }
                    _ => None,
                },
            };
            bars.push(bar);
        }
        bars
    }

    /// The highest count in the window.
    pub(crate) fn max(&self) -> u64 {
        self.points.iter().map(|&(_, running)| running).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(origin: Instant, millis: u64) -> Instant {
        origin + Duration::from_millis(millis)
    }

    #[test]
    fn keeps_one_bar_a_second_for_the_last_minute() {
        let t0 = Instant::now();
        let mut history = History::default();
        // Four polls a second for 90 s, the running count = the second.
        for tick in 0..360u64 {
            history.push(at(t0, tick * 250), tick / 4);
        }
        let all: Vec<Option<u64>> = (30..=89).map(Some).collect();
        assert_eq!(history.last(1000), all);
        assert_eq!(history.last(3), [Some(87), Some(88), Some(89)]);
        assert_eq!(history.max(), 89);
        // A late point is ignored rather than drawn out of order.
        history.push(t0, 7);
        assert_eq!(history.last(1), [Some(89)]);
    }

    #[test]
    fn jitter_is_smoothed_and_an_outage_is_a_gap() {
        let t0 = Instant::now();
        let mut history = History::default();
        // Polls at 0, 0.99 and 2.01 s: second 1 has none, by jitter.
        for (millis, count) in [(0, 1), (990, 2), (2010, 3)] {
            history.push(at(t0, millis), count);
        }
        // Then the server is away for 3 s.
        history.push(at(t0, 6000), 4);
        assert_eq!(history.last(100), [Some(2), Some(2), Some(3), None, None, None, Some(4)]);
    }
}
