//! The JSON-mode client: [`ControlClient`] and its [`ClientError`].

mod client_error;
mod control_client;

pub use client_error::ClientError;
pub use control_client::ControlClient;
