//! A text-mode line through `Command::parse_line`.
//! The properties are in `../checks.rs`, shared with the replay test.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::text_command(data));
