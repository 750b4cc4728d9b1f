//! Integration tests of tokio-taskpool, through its public API only. One
//! module per topic; timing-dependent tests run on tokio's paused clock.

mod basics;
mod callbacks;
mod cancel;
mod cancel_race;
mod close;
mod current_task;
mod graceful;
mod group_handle;
// The dev-dependency of the crate on itself turns the feature on for tests.
#[cfg(feature = "metrics")]
mod metrics;
mod model;
mod peer_defects;
mod results;
mod scenarios;
mod simple;
mod sizing;
mod support;
