//! Sockets: binding listeners securely (`Listener`), the two kinds of
//! connection behind one type (`Stream`), who is on the other side
//! (`Peer`, for the audit log), and where a server listens ([`Endpoint`]).

mod endpoint;
mod listener;
mod peer;
mod stream;

pub use endpoint::Endpoint;
pub(crate) use listener::Listener;
pub(crate) use peer::Peer;
pub(crate) use stream::Stream;
