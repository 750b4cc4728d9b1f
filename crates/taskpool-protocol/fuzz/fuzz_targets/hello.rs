//! The first line of a connection, as the server reads it as a `Hello`.
//! The properties are in `../checks.rs`, shared with the replay test.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::hello(data));
