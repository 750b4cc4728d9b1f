//! Wrong or missing access tokens, counted per origin (an IP address, or a
//! local user on a Unix socket), so that whoever keeps guessing is answered
//! more and more slowly.
//!
//! A refused client is told only after a delay, which doubles with each
//! failure from the same origin up to [`MAX_DELAY`], and a connection waits
//! out its delay while holding its place among the waiting handshakes, so
//! guesses cannot be made faster than that cap allows either. An origin
//! that stops failing is forgotten after [`FORGET_AFTER`]; the table holds
//! at most [`MAX_ORIGINS`] origins, the least recently failed going first,
//! so it cannot grow without bound.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::net::Origin;

/// The delay after a first failure.
pub(crate) const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest delay, reached after 7 failures in a row.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(16);
/// How long an origin's failures are remembered after its last one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// The most origins remembered at once.
const MAX_ORIGINS: usize = 4096;

#[derive(Debug, Default)]
pub(crate) struct FailedLogins {
    by_origin: Mutex<HashMap<Origin, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl FailedLogins {
    /// Counts one failure of `origin` and returns how long to wait before
    /// answering it.
    pub(crate) fn record(&self, origin: Origin) -> Duration {
        let now = Instant::now();
        let mut table = self.by_origin.lock().unwrap_or_else(PoisonError::into_inner);
        if table.len() >= MAX_ORIGINS && !table.contains_key(&origin) {
            table.retain(|_, failures| now.duration_since(failures.last) < FORGET_AFTER);
            if table.len() >= MAX_ORIGINS {
                let oldest = table.iter().min_by_key(|(_, f)| f.last).map(|(origin, _)| *origin);
                if let Some(oldest) = oldest {
                    table.remove(&oldest);
                }
            }
        }
        let failures = table.entry(origin).or_insert(Failures { count: 0, last: now });
        if now.duration_since(failures.last) >= FORGET_AFTER {
            failures.count = 0;
        }
        failures.count = failures.count.saturating_add(1);
        failures.last = now;
        delay_after(failures.count)
    }
}

/// The delay after the `count`th failure in a row.
fn delay_after(count: u32) -> Duration {
    let doublings = count.saturating_sub(1).min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use super::*;

    #[test]
    fn the_delay_doubles_up_to_the_maximum() {
        let delays: Vec<Duration> = (1..=9).map(delay_after).collect();
        assert_eq!(delays[0], FIRST_DELAY);
        assert_eq!(delays[1], FIRST_DELAY * 2);
        assert_eq!(delays[6], MAX_DELAY);
        assert_eq!(delays[8], MAX_DELAY);
        assert_eq!(delay_after(u32::MAX), MAX_DELAY);
    }

    #[tokio::test(start_paused = true)]
    async fn origins_are_counted_apart_and_forgotten() {
        let logins = FailedLogins::default();
        let a = Origin::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
        let b = Origin::Ip(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)));
        assert_eq!(logins.record(a), FIRST_DELAY);
        assert_eq!(logins.record(a), FIRST_DELAY * 2);
        assert_eq!(logins.record(b), FIRST_DELAY, "another origin starts afresh");
        tokio::time::advance(FORGET_AFTER).await;
        assert_eq!(logins.record(a), FIRST_DELAY, "forgotten after a quiet while");
    }

    #[tokio::test(start_paused = true)]
    async fn the_table_is_bounded() {
        let logins = FailedLogins::default();
        for n in 0..(MAX_ORIGINS as u32 + 10) {
            logins.record(Origin::Ip(IpAddr::V4(Ipv4Addr::from(n))));
            tokio::time::advance(Duration::from_millis(1)).await;
        }
        assert_eq!(logins.by_origin.lock().unwrap().len(), MAX_ORIGINS);
    }
}
