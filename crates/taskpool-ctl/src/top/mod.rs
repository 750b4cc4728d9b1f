//! `top`: a full-screen live view of the pool, polled through the control
//! server, with keys to resize it, start and stop workers, lock it and
//! cancel a group.
//!
//! The view never holds the connection while it waits for a key, and the
//! keyboard is never read while a command is on the wire: a poller task
//! owns the session ([`poller`]) and talks to the screen loop ([`app`])
//! through channels, so a slow or vanished server leaves the screen
//! responsive. What the screen shows is one [`Model`](model::Model),
//! changed by the poller's updates and the keys ([`input`]), drawn by
//! [`view`]. The terminal is put back however the view ends
//! ([`terminal`]).

mod app;
mod history;
mod input;
mod keys;
mod model;
mod options;
mod poller;
mod rates;
mod terminal;
mod view;

pub(crate) use app::run;
pub(crate) use options::{TopOptions, COMMAND};
