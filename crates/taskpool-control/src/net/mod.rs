//! Sockets: binding listeners securely (`Listener`), an accepted
//! connection before its TLS handshake (`Incoming`), the kinds of
//! connection behind one type (`Stream`), TLS identity ([`ServerTls`]), who is on the other side
//! (`Peer`, for the audit log, and its `Origin`, for counting failed logins), and where a server listens ([`Endpoint`]).

mod endpoint;
mod incoming;
mod listener;
mod peer;
mod server_tls;
mod stream;

pub use endpoint::Endpoint;
pub(crate) use incoming::{Established, Incoming, TLS_HANDSHAKE_RECORD};
pub(crate) use listener::Listener;
pub(crate) use peer::{Origin, Peer};
pub use server_tls::ServerTls;
pub(crate) use stream::Stream;
