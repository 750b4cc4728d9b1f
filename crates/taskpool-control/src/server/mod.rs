//! The server itself: [`ControlServer`], set up by [`ControlServerBuilder`];
//! each listener is a [`ControlHandle`]; [`ListenError`] says why one could
//! not start. `Shared` is what every listener and session of a server
//! shares: the pool, the registered functions, the settings (`Config`,
//! with the `AccessTokens` that decide a session's `Access`), the session
//! cap, the `WaitingHandshakes` and the `FailedLogins` per origin.

mod access;
mod builder;
mod config;
mod control_server;
mod failed_logins;
mod handle;
mod listen_error;
mod shared;
mod waiting_handshakes;

pub(crate) use access::{Access, AccessTokens};
pub use builder::{ControlServerBuilder, MIN_TOKEN_LEN};
pub(crate) use config::Config;
pub use control_server::ControlServer;
pub(crate) use failed_logins::FailedLogins;
pub use handle::ControlHandle;
pub use listen_error::ListenError;
pub(crate) use shared::Shared;
pub(crate) use waiting_handshakes::{HandshakeSlot, WaitingHandshakes};
