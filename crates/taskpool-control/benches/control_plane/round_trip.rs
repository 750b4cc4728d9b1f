//! Round trips of one command through open sessions, under two loads.
//!
//! - [`Load::Closed`]: every client sends its next request as soon as the
//!   last answer arrives. With 100 clients this keeps 100 requests in
//!   flight on 2 cores, so the latency mostly measures queueing; it is
//!   reported with the throughput it reaches.
//! - [`Load::Paced`]: every client sends one request every [`PACE`] (100
//!   clients: 10,000 requests a second), the way operators' tools and
//!   monitors poll. Each request has an intended send time on that
//!   schedule. When the previous answer came back after it, the client was
//!   held back by the server, and the latency counts from the intended
//!   time, so that a slow answer also charges the requests it delayed
//!   (coordinated omission would otherwise hide the queueing). When the
//!   client was on time, the latency counts from when its timer woke it:
//!   tokio's timer has a resolution of 1 ms, and its lateness is no part
//!   of the server.

use std::sync::Arc;
use std::time::Duration;

use taskpool_protocol::Command;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::latencies::Latencies;
use crate::servers::{Servers, Transport};

/// How often a paced client sends.
pub(crate) const PACE: Duration = Duration::from_millis(10);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Load {
    Closed,
    Paced,
}

impl Load {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Load::Closed => "closed",
            Load::Paced => "paced",
        }
    }
}

/// One case: a command sent by some clients over one transport.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Case {
    pub(crate) transport: Transport,
    pub(crate) command: &'static str,
    pub(crate) clients: usize,
    pub(crate) load: Load,
    /// Requests per client.
    pub(crate) requests: usize,
}

/// What a case measured.
pub(crate) struct RoundTrips {
    pub(crate) latencies: Latencies,
    /// From the first request sent to the last answer read, all clients.
    pub(crate) wall: Duration,
    /// Paced requests sent late because the previous answer was late.
    pub(crate) held_back: usize,
}

impl RoundTrips {
    pub(crate) fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
}

/// Opens `case.clients` sessions (not timed), then has each send
/// `case.requests` requests of `command` under `case.load`.
///
/// # Panics
///
/// When a session cannot be opened or a request fails.
pub(crate) async fn measure(servers: &Servers, case: Case, command: &Command) -> RoundTrips {
    let mut connected = Vec::with_capacity(case.clients);
    for _ in 0..case.clients {
        connected.push(servers.connect(case.transport).await);
    }
    let command = Arc::new(command.clone());
    let started = Instant::now();
    let mut set = JoinSet::new();
    for (index, mut client) in connected.into_iter().enumerate() {
        let command = Arc::clone(&command);
        // Spread the paced clients over the period, as independent pollers
        // would be.
        let first = started + PACE * index as u32 / case.clients as u32;
        set.spawn(async move {
            let mut latencies = Vec::with_capacity(case.requests);
            let mut held_back = 0;
            let mut last_answer: Option<Instant> = None;
            for n in 0..case.requests {
                let sent_from = match case.load {
                    Load::Closed => Instant::now(),
                    Load::Paced => {
                        let intended = first + PACE * n as u32;
                        let now = Instant::now();
                        if now < intended {
                            tokio::time::sleep_until(intended).await;
                            Instant::now()
                        } else if last_answer.is_some_and(|at| at > intended) {
                            held_back += 1;
                            intended
                        } else {
                            // Late for the client's own reasons (the first
                            // request, a busy worker), not the server's.
                            now
                        }
                    }
                };
                client.call(&command).await.expect("the command succeeds");
                let answered = Instant::now();
                latencies.push(answered - sent_from);
                last_answer = Some(answered);
            }
            (latencies, held_back)
        });
    }
    let mut latencies = Vec::with_capacity(case.clients * case.requests);
    let mut held_back = 0;
    while let Some(done) = set.join_next().await {
        let (client_latencies, client_held_back) = done.expect("a client task does not panic");
        latencies.extend(client_latencies);
        held_back += client_held_back;
    }
    RoundTrips { latencies: Latencies::new(latencies), wall: started.elapsed(), held_back }
}
