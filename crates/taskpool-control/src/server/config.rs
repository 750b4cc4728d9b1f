use std::fmt;
use std::time::Duration;

use super::AccessTokens;
use crate::net::ServerTls;

/// The settings of a control server, set through
/// [`ControlServerBuilder`](crate::ControlServerBuilder).
#[derive(Clone)]
pub(crate) struct Config {
    pub(crate) tokens: AccessTokens,
    pub(crate) tls: Option<ServerTls>,
    pub(crate) read_only: bool,
    pub(crate) unauthenticated_loopback: bool,
    pub(crate) max_line_len: usize,
    pub(crate) max_sessions: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) handshake_timeout: Duration,
    pub(crate) max_handshakes: usize,
    pub(crate) max_reply_rows: usize,
    pub(crate) max_tasks_per_command: usize,
    pub(crate) command_timeout: Duration,
    pub(crate) write_timeout: Duration,
}

impl Config {
    pub(crate) const DEFAULT_MAX_LINE_LEN: usize = 64 * 1024;
    pub(crate) const DEFAULT_MAX_SESSIONS: usize = 16;
    pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);
    pub(crate) const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
    pub(crate) const DEFAULT_MAX_HANDSHAKES: usize = 256;
    pub(crate) const DEFAULT_MAX_REPLY_ROWS: usize = 1000;
    pub(crate) const DEFAULT_MAX_TASKS_PER_COMMAND: usize = 10_000;
    pub(crate) const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
    pub(crate) const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

    /// How long a reply may take to be written: the write timeout, but
    /// never longer than the idle timeout.
    pub(crate) fn reply_timeout(&self) -> Duration {
        self.write_timeout.min(self.idle_timeout)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tokens: AccessTokens::default(),
            tls: None,
            read_only: false,
            unauthenticated_loopback: false,
            max_line_len: Config::DEFAULT_MAX_LINE_LEN,
            max_sessions: Config::DEFAULT_MAX_SESSIONS,
            idle_timeout: Config::DEFAULT_IDLE_TIMEOUT,
            handshake_timeout: Config::DEFAULT_HANDSHAKE_TIMEOUT,
            max_handshakes: Config::DEFAULT_MAX_HANDSHAKES,
            max_reply_rows: Config::DEFAULT_MAX_REPLY_ROWS,
            max_tasks_per_command: Config::DEFAULT_MAX_TASKS_PER_COMMAND,
            command_timeout: Config::DEFAULT_COMMAND_TIMEOUT,
            write_timeout: Config::DEFAULT_WRITE_TIMEOUT,
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("tokens", &self.tokens)
            .field("tls", &self.tls.is_some())
            .field("read_only", &self.read_only)
            .field("unauthenticated_loopback", &self.unauthenticated_loopback)
            .field("max_line_len", &self.max_line_len)
            .field("max_sessions", &self.max_sessions)
            .field("idle_timeout", &self.idle_timeout)
            .field("handshake_timeout", &self.handshake_timeout)
            .field("max_handshakes", &self.max_handshakes)
            .field("max_reply_rows", &self.max_reply_rows)
            .field("max_tasks_per_command", &self.max_tasks_per_command)
            .field("command_timeout", &self.command_timeout)
            .field("write_timeout", &self.write_timeout)
            .finish()
    }
}
