//! The properties the fuzz targets check, one function per target. Both the
//! fuzz targets (`fuzz_targets/*.rs`, nightly, libFuzzer) and the replay
//! test of `taskpool-protocol` (`tests/it/fuzz_corpus.rs`, stable, in CI)
//! include this file with `#[path]`, so a property is written once and
//! every input the fuzzer kept is checked against exactly what it was
//! fuzzed with.
//!
//! An included file rather than a `#[doc(hidden)] pub mod` of the crate:
//! the checks use only the crate's public API, which is the point (they
//! see the parsers as a client and the server do), and they stay out of
//! the library's build and its semver surface.
//!
//! Each function panics, naming the input, when a property fails; an input
//! that is refused with a well-formed error passes.

// Each fuzz target uses one of the functions.
#![allow(dead_code)]

use serde_json::{json, Value};
use taskpool_protocol::{Command, Hello, PoolKind, RemoteError, Request};

/// The error kinds `Command::parse_line` may give.
const TEXT_KINDS: &[&str] = &["bad_request", "unknown_command", "bad_argument"];

/// The error kinds `Request::command` may give.
const JSON_KINDS: &[&str] = &["unknown_command", "bad_argument"];

/// The first line of a connection, as the server reads it: `data` up to the
/// first `\n`, without a `\r` before it.
fn first_line(data: &[u8]) -> &[u8] {
    let line = data.split(|&b| b == b'\n').next().unwrap_or(data);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `hello`: the first line of a connection, read as the server reads it
/// (`serde_json::from_slice::<Hello>`).
///
/// - an accepted hello is a JSON object, as `docs/PROTOCOL.md` says;
/// - it encodes to one line that reads back as the same hello, and that
///   encoding is stable (encoding it again gives the same bytes);
/// - the constructors give hellos that read back as themselves.
pub(crate) fn hello(data: &[u8]) {
    let line = first_line(data);
    let Ok(hello) = serde_json::from_slice::<Hello>(line) else { return };
    let shown = String::from_utf8_lossy(line);
    // An object, not an array (serde reads a struct from either). Whether
    // the rest is strict JSON is serde_json's business: what it skips (an
    // unknown field's value) it does not check fully, so bad UTF-8 or an
    // out-of-range number may sit there, and nothing of it reaches the
    // server.
    let text = shown.trim_matches(|c: char| c.is_ascii_whitespace());
    assert!(
        text.starts_with('{') && text.ends_with('}'),
        "hello {shown:?} is accepted but is not a JSON object"
    );
    let text = serde_json::to_string(&hello).expect("a hello encodes");
    assert!(!text.contains('\n'), "hello {shown:?} encodes to more than one line: {text:?}");
    let again: Hello = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("hello {shown:?} encodes to {text:?}, which is refused: {e}"));
    assert_eq!(again, hello, "hello {shown:?} through {text:?}");
    assert_eq!(serde_json::to_string(&again).expect("a hello encodes"), text, "hello {shown:?}");
    let made = match hello.terminal_width {
        Some(width) if hello.protocol.is_none() => Hello::text(width, hello.token.clone()),
        _ => Hello::json(hello.token.clone()),
    };
    let line = serde_json::to_vec(&made).expect("a hello encodes");
    assert_eq!(serde_json::from_slice::<Hello>(&line).ok(), Some(made), "made from hello {shown:?}");
}

/// `text_command`: a text-mode line through `Command::parse_line`.
///
/// - a refusal has one of the parser's kinds and a message for people;
/// - an accepted command holds the limits (see [`check_command`]), and its
///   text form (`Display`), its JSON form and a JSON request made of it
///   all give the same command back.
pub(crate) fn text_command(data: &[u8]) {
    // The server refuses a line that is not UTF-8 before parsing it.
    let Ok(line) = std::str::from_utf8(data) else { return };
    match Command::parse_line(line) {
        Ok(command) => {
            check_command(&command, line);
            check_text_form(&command, line);
            check_json_form(&command, line);
        }
        Err(error) => check_error(&error, TEXT_KINDS, line),
    }
}

/// `json_request`: a JSON-mode line, read as the server reads it (JSON,
/// an object, a `Request`, then `Request::command`).
///
/// - a refused command has one of the reader's kinds and a message;
/// - an accepted command holds the limits, and its JSON form, a request
///   made of it and its text form all give the same command back.
pub(crate) fn json_request(data: &[u8]) {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let Ok(value) = serde_json::from_str::<Value>(line) else { return };
    if !value.is_object() {
        return;
    }
    let Ok(request) = serde_json::from_value::<Request>(value) else { return };
    match request.command() {
        Ok(command) => {
            check_command(&command, line);
            check_json_form(&command, line);
            check_text_form(&command, line);
        }
        Err(error) => check_error(&error, JSON_KINDS, line),
    }
}

/// A refusal: a known kind, and a message that is not empty, starts
/// lowercase and has no trailing period.
fn check_error(error: &RemoteError, kinds: &[&str], input: &str) {
    let kind = error.kind().to_string();
    assert!(kinds.contains(&kind.as_str()), "{input:?}: unexpected error kind {kind:?}");
    let message = error.message();
    assert!(!message.trim().is_empty(), "{input:?}: empty message for {kind}");
    assert!(!message.starts_with(char::is_uppercase), "{input:?}: message {message:?} starts uppercase");
    assert!(!message.ends_with('.'), "{input:?}: message {message:?} ends with a period");
}

/// The limits of an accepted command: names of groups and functions are at
/// most `MAX_NAME_LEN` bytes with no control character, `group-ids` names at
/// most `MAX_GROUP_IDS_NAMES` groups, counts that must be positive are, a
/// cancel names a task; and the command is one of the table (its help
/// exists) and applies to some kind of pool.
fn check_command(command: &Command, input: &str) {
    let check_name = |what: &str, name: &str| {
        assert!(name.len() <= Command::MAX_NAME_LEN, "{input:?}: {what} of {} bytes accepted", name.len());
        assert!(!name.chars().any(char::is_control), "{input:?}: {what} {name:?} has a control character");
    };
    match command {
        Command::GroupIds { groups } => {
            assert!(groups.len() <= Command::MAX_GROUP_IDS_NAMES, "{input:?}: {} groups", groups.len());
            groups.iter().for_each(|group| check_name("group name", group));
        }
        Command::CancelGroup { group } => check_name("group name", group),
        Command::Cancel { ids } => assert!(!ids.is_empty(), "{input:?}: a cancel of nothing"),
        Command::Start { n } => assert!(*n >= 1, "{input:?}: start 0"),
        Command::Apply { function, num, group, .. } => {
            check_name("function name", function);
            group.iter().for_each(|group| check_name("group name", group));
            assert!(*num >= 1, "{input:?}: apply 0 times");
        }
        Command::Map { function, num_concurrent, group, .. } => {
            check_name("function name", function);
            group.iter().for_each(|group| check_name("group name", group));
            assert!(*num_concurrent >= 1, "{input:?}: map 0 at a time");
        }
        _ => {}
    }
    let name = command.name();
    assert!(Command::help(Some(name), false).is_ok(), "{input:?}: {name} is not in the table");
    assert!(
        command.applies_to(PoolKind::TaskPool) || command.applies_to(PoolKind::SimpleTaskPool),
        "{input:?}: {name} applies to no pool"
    );
    assert_eq!(command.render(&Value::Null), if *command == Command::PoolSize { "none" } else { "ok" });
}

/// The text form reads back as the same command, and is stable.
fn check_text_form(command: &Command, input: &str) {
    let text = command.to_string();
    let again = Command::parse_line(&text)
        .unwrap_or_else(|e| panic!("{input:?} gives {command:?}, whose text {text:?} is refused: {e}"));
    assert_eq!(&again, command, "{input:?} through its text {text:?}");
    assert_eq!(again.to_string(), text, "{input:?}: the text form is not stable");
}

/// The JSON form, and a whole request line made of it, read back as the
/// same command.
fn check_json_form(command: &Command, input: &str) {
    let (name, args) = command.to_json();
    let again = Command::from_json(name, &args)
        .unwrap_or_else(|e| panic!("{input:?} gives {command:?}, whose JSON form {args} is refused: {e}"));
    assert_eq!(&again, command, "{input:?} through its JSON form {name} {args}");
    let line = serde_json::to_string(&Request::new(Some(json!(1)), command)).expect("a request encodes");
    let request: Request = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("{input:?}: the request {line:?} made of it is refused: {e}"));
    assert_eq!(request.command().as_ref(), Ok(command), "{input:?} through the request {line:?}");
}
