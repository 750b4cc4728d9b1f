//! Control plane: what a round trip through the control server costs, over
//! a Unix socket, TCP loopback and TLS on TCP loopback, with 1 and with 100
//! concurrent clients, closed loop and paced (see [`round_trip`]); and what
//! opening a session costs, plain and with a TLS handshake (see
//! [`session_opening`]).
//!
//! Server and clients share one multi-thread runtime with 2 workers, in
//! this process, as an application and its operator's tool would share the
//! machine's 2 cores; the servers are described in [`servers`]. The
//! clients are the JSON-lines client, [`ControlClient`](taskpool_protocol::ControlClient).
//!
//! Results are printed as Markdown tables and, when `TASKPOOL_BENCH_OUT`
//! is set, appended to `$TASKPOOL_BENCH_OUT/control_plane.jsonl` and
//! `control_handshake.jsonl`. `TASKPOOL_BENCH_QUICK=1` sends few requests.

mod harness;
mod latencies;
mod round_trip;
mod servers;
mod session_opening;
mod tables;

use std::time::Instant;

use taskpool_protocol::Command;

use crate::round_trip::{Case, Load, PACE};
use crate::servers::{Servers, Transport, MAX_SESSIONS};

/// Two commands: a cheap query, and a change that starts an idle worker
/// (the pool grows by one worker a request within a case, up to 10,000,
/// and is emptied between cases).
const COMMANDS: [(&str, Command); 2] =
    [("num-running", Command::NumRunning), ("start 1", Command::Start { n: 1 })];

/// Requests per client in a case: a few thousand samples per case, and a
/// whole run of about 1.5 minutes on 2 cores (a paced single client
/// takes 10 s for its 1,000).
fn requests(load: Load, clients: usize, quick: bool) -> usize {
    match (load, clients, quick) {
        (_, _, true) => 20,
        (Load::Closed, 1, _) => 5_000,
        (Load::Closed, _, _) => 100,
        (Load::Paced, 1, _) => 1_000,
        (Load::Paced, _, _) => 30,
    }
}

/// Sessions opened of each kind.
fn sessions(quick: bool) -> usize {
    if quick {
        20
    } else {
        1_000
    }
}

fn main() {
    if harness::should_skip() {
        return;
    }
    let quick = harness::quick();
    let runtime = harness::multi_thread();
    runtime.block_on(async move {
        tokio::spawn(run(quick)).await.expect("the benchmark task does not panic");
    });
}

async fn run(quick: bool) {
    let began = Instant::now();
    let servers = Servers::start().await;
    println!(
        "Round trips (paced: one request every {} ms per client; servers with max_sessions({MAX_SESSIONS})):",
        PACE.as_millis()
    );
    println!();
    tables::round_trip_header();
    for transport in Transport::ALL {
        for (command_name, command) in &COMMANDS {
            for clients in [1, 100] {
                for load in [Load::Closed, Load::Paced] {
                    let case = Case {
                        transport,
                        command: command_name,
                        clients,
                        load,
                        requests: requests(load, clients, quick),
                    };
                    let measured = round_trip::measure(&servers, case, command).await;
                    tables::round_trip_row(&case, &measured);
                    servers.empty_pool().await;
                }
            }
        }
    }
    println!();
    println!("Opening a session, one at a time, the kinds in turns:");
    println!();
    let openings = session_opening::measure(&servers, sessions(quick)).await;
    tables::session_openings(&openings);
    servers.shutdown().await;
    println!();
    println!("The control plane bench took {:.0} s.", began.elapsed().as_secs_f64());
}
