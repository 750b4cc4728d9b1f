use std::sync::Arc;

use tokio::sync::Semaphore;

use super::{Config, FailedLogins, WaitingHandshakes};
use crate::pool::{ControlledPool, Registry};

/// What every listener and session of a server shares.
pub(crate) struct Shared {
    /// The pool the commands act on.
    pub(crate) pool: ControlledPool,
    /// The functions `apply` and the map commands may start.
    pub(crate) registry: Registry,
    /// Tokens, TLS, read-only mode and limits.
    pub(crate) config: Config,
    /// One permit per open session, over all listeners, taken once the
    /// hello is accepted.
    pub(crate) sessions: Arc<Semaphore>,
    /// The connections still in their handshake, over all listeners:
    /// connections that never say hello are capped here, not among the
    /// sessions.
    pub(crate) handshakes: Arc<WaitingHandshakes>,
    /// Wrong and missing tokens per origin, to slow down guessing.
    pub(crate) failed_logins: FailedLogins,
}

impl Shared {
    pub(crate) fn new(pool: ControlledPool, registry: Registry, config: Config) -> Self {
        let sessions = Arc::new(Semaphore::new(config.max_sessions));
        let handshakes = Arc::new(WaitingHandshakes::new(config.max_handshakes));
        Shared { pool, registry, config, sessions, handshakes, failed_logins: FailedLogins::default() }
    }
}
