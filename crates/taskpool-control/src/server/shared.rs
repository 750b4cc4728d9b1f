use std::sync::Arc;

use tokio::sync::Semaphore;

use super::Config;
use crate::pool::{ControlledPool, Registry};

/// What every listener and session of a server shares.
pub(crate) struct Shared {
    /// The pool the commands act on.
    pub(crate) pool: ControlledPool,
    /// The functions `apply` and the map commands may start.
    pub(crate) registry: Registry,
    /// Token, read-only mode and limits.
    pub(crate) config: Config,
    /// One permit per open session, over all listeners, taken once the
    /// hello is accepted.
    pub(crate) sessions: Arc<Semaphore>,
    /// One permit per connection still in its handshake, over all
    /// listeners: connections that never say hello are capped here, not
    /// among the sessions.
    pub(crate) handshakes: Arc<Semaphore>,
    /// Bounds the short-lived tasks that refuse connections over the limit,
    /// so a flood of connections cannot make unbounded work.
    pub(crate) refusals: Arc<Semaphore>,
}

impl Shared {
    pub(crate) fn new(pool: ControlledPool, registry: Registry, config: Config) -> Self {
        let sessions = Arc::new(Semaphore::new(config.max_sessions));
        let handshakes = Arc::new(Semaphore::new(config.max_handshakes));
        let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
        Shared { pool, registry, config, sessions, handshakes, refusals }
    }
}

/// How many refusals may be in progress at once; connections beyond are
/// closed without a word.
const MAX_REFUSALS: usize = 32;
