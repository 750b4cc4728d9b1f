//! A JSON-mode request line through `Request::command`.
//! The properties are in `../checks.rs`, shared with the replay test.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::json_request(data));
