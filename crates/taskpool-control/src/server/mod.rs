//! The server itself: [`ControlServer`], set up by [`ControlServerBuilder`];
//! each listener is a [`ControlHandle`]; [`ListenError`] says why one could
//! not start. `Shared` is what every listener and session of a server
//! shares: the pool, the registered functions, the settings (`Config`) and
//! the session cap.

mod builder;
mod config;
mod control_server;
mod handle;
mod listen_error;
mod shared;

pub use builder::ControlServerBuilder;
pub(crate) use config::Config;
pub use control_server::ControlServer;
pub use handle::ControlHandle;
pub use listen_error::ListenError;
pub(crate) use shared::Shared;
