//! End-to-end tests of the `taskpool-ctl` binary: real control servers on
//! 127.0.0.1:0 and on temporary Unix sockets, driven by the built binary.
//! One module per topic.

mod bounds;
mod commands;
mod errors;
mod escaping;
mod flood;
mod interactive;
mod piped;
mod support;
mod tls;
mod top;
