//! The JSON-lines request decoder: any bytes either fail to decode or give
//! a request whose command decodes or is refused with an error, never a
//! panic; an accepted command survives a round trip through its JSON form.

#![no_main]

use libfuzzer_sys::fuzz_target;
use taskpool_protocol::{Command, Request};

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<Request>(data) else { return };
    let Ok(command) = request.command() else { return };
    let (name, args) = command.to_json();
    // Floats: see command_line.rs.
    let back = Command::from_json(name, &args).unwrap_or_else(|e| panic!("JSON form refused: {e}"));
    assert_eq!(back, command);
});
