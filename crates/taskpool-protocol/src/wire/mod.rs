//! The JSON-mode messages: the hello, the server's answer to it, requests
//! and responses. Each is one line of JSON; `docs/PROTOCOL.md` describes
//! them with examples.

mod hello;
mod request;
mod response;
mod server_hello;

pub use hello::{Hello, PROTOCOL_NAME, PROTOCOL_VERSION};
pub use request::Request;
pub use response::Response;
pub use server_hello::ServerHello;
