//! What it costs to open a session: from the client's first connect call
//! until the server's hello has been read, one session at a time, so that
//! the figure is the handshake's own cost and not queueing.
//!
//! The kinds take turns, one opening each, so that the load of the shared
//! machine falls on all of them alike. TLS is measured twice: with a
//! client configuration that has never met the server (a full handshake:
//! key exchange, certificate chain and its verification, signature), and
//! with one client configuration for every connection, from which rustls
//! resumes an earlier session (a TLS 1.3 pre-shared key from the server's
//! session ticket: no certificate is sent or verified; rustls's debug log
//! says "Resuming using PSK" for each of them).

use std::time::Duration;

use tokio::time::Instant;

use crate::latencies::Latencies;
use crate::servers::{Servers, Transport};

/// One way of opening a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Opening {
    Unix,
    Tcp,
    TlsFull,
    TlsResumed,
}

impl Opening {
    pub(crate) const ALL: [Opening; 4] = [Opening::Unix, Opening::Tcp, Opening::TlsFull, Opening::TlsResumed];

    /// The name in the tables and in `control_handshake.jsonl`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Opening::Unix => "unix: connect + hello",
            Opening::Tcp => "tcp: connect + hello",
            Opening::TlsFull => "tls: connect + full handshake + hello",
            Opening::TlsResumed => "tls: connect + resumed handshake + hello",
        }
    }
}

/// Opens and closes `sessions` sessions of every kind, in turns.
///
/// # Panics
///
/// When a session cannot be opened.
pub(crate) async fn measure(servers: &Servers, sessions: usize) -> Vec<(Opening, Latencies)> {
    // The shared configuration meets the server once before the timing, so
    // that every timed opening with it has a session to resume.
    let resumed = servers.fresh_client_tls();
    drop(servers.connect_tls_with(&resumed).await);
    let mut samples: Vec<Vec<Duration>> = vec![Vec::with_capacity(sessions); Opening::ALL.len()];
    for _ in 0..sessions {
        for (kind, samples) in Opening::ALL.into_iter().zip(&mut samples) {
            // Made for every kind, before the clock starts: reading the CA
            // is set-up, not handshake.
            let fresh = servers.fresh_client_tls();
            let started = Instant::now();
            let client = match kind {
                Opening::Unix => servers.connect(Transport::Unix).await,
                Opening::Tcp => servers.connect(Transport::Tcp).await,
                Opening::TlsFull => servers.connect_tls_with(&fresh).await,
                Opening::TlsResumed => servers.connect_tls_with(&resumed).await,
            };
            samples.push(started.elapsed());
            drop(client);
        }
    }
    Opening::ALL.into_iter().zip(samples.into_iter().map(Latencies::new)).collect()
}
