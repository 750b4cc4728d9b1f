use serde_json::{json, Value};

use super::spec::SPECS;
use super::{Command, MapStyle};
use crate::{ErrorKind, RemoteError};
fn parse(line: &str) -> Command {
    Command::parse_line(line).unwrap_or_else(|e| panic!("parse_line({line:?}) failed: {e}"))
}

fn parse_err(line: &str) -> RemoteError {
    match Command::parse_line(line) {
        Ok(cmd) => panic!("parse_line({line:?}) should fail, gave {cmd:?}"),
        Err(e) => e,
    }
}

/// One example of every command.
fn examples() -> Vec<Command> {
    vec![
        Command::Help { command: None },
        Command::Help { command: Some("map".into()) },
        Command::PoolSize,
        Command::SetPoolSize { size: Some(4) },
        Command::SetPoolSize { size: None },
        Command::Lock,
        Command::Unlock,
        Command::IsLocked,
        Command::IsClosed,
        Command::IsFull,
        Command::NumRunning,
        Command::NumWaiting,
        Command::NumCancelled,
        Command::NumEnded,
        Command::NumFailed,
        Command::GroupIds { groups: vec!["a".into(), "b c".into()] },
        Command::GroupIds { groups: vec![] },
        Command::Cancel { ids: vec![1, 7] },
        Command::CancelGroup { group: "it's".into() },
        Command::CancelAll,
        Command::Flush,
        Command::Status,
        Command::Tasks,
        Command::Registered,
        Command::Start { n: 5 },
        Command::Stop { n: 0 },
        Command::StopAll,
        Command::Retire { n: 3, timeout_secs: 30 },
        Command::Apply { function: "f".into(), argument: Value::Null, num: 1, group: None },
        Command::Apply {
            function: "f".into(),
            argument: json!({"a b": [1, "x"]}),
            num: 3,
            group: Some("g".into()),
        },
        Command::Map {
            style: MapStyle::Map,
            function: "fetch".into(),
            items: vec![json!("a b"), json!("c")],
            num_concurrent: 3,
            group: None,
        },
        Command::Map {
            style: MapStyle::Starmap,
            function: "add".into(),
            items: vec![json!([1, 2])],
            num_concurrent: 1,
            group: Some("sums".into()),
        },
        Command::Map {
            style: MapStyle::DoubleStarmap,
            function: "job".into(),
            items: vec![json!({"x": 1})],
            num_concurrent: 2,
            group: None,
        },
    ]
}

#[test]
fn every_command_has_a_spec_and_an_example() {
    for spec in SPECS {
        assert!(examples().iter().any(|c| c.name() == spec.name), "no example of {}", spec.name);
    }
}

#[test]
fn text_form_round_trips() {
    for cmd in examples() {
        assert_eq!(parse(&cmd.to_string()), cmd, "text form: {cmd}");
    }
}

#[test]
fn json_form_round_trips() {
    for cmd in examples() {
        let (name, args) = cmd.to_json();
        assert_eq!(Command::from_json(name, &args).unwrap(), cmd, "json form: {name} {args}");
    }
}

#[test]
fn options_take_several_spellings() {
    let expected = Command::Map {
        style: MapStyle::Map,
        function: "f".into(),
        items: vec![json!(1)],
        num_concurrent: 4,
        group: Some("g".into()),
    };
    assert_eq!(parse("map f [1] -n 4 --group g"), expected);
    assert_eq!(parse("map -g g f --num-concurrent=4 [1]"), expected);
    assert_eq!(parse("map f '[1]' --group=g --num 4"), expected);
}

#[test]
fn help_is_asked_in_three_ways() {
    assert_eq!(parse("help"), Command::Help { command: None });
    assert_eq!(parse("-h"), Command::Help { command: None });
    assert_eq!(parse("cancel --help"), Command::Help { command: Some("cancel".into()) });
    assert_eq!(parse("help cancel"), Command::Help { command: Some("cancel".into()) });
}

#[test]
fn bad_text_gets_a_precise_error() {
    let cases = [
        ("frob", "unknown_command", "unknown command 'frob' (try help)"),
        ("", "bad_request", "empty command"),
        ("map f '[1", "bad_request", "unterminated single quote"),
        ("start", "bad_argument", "start: missing N (usage: start N)"),
        ("start 0", "bad_argument", "start: N must be at least 1"),
        ("start five", "bad_argument", "start: N must be a whole number, not 'five'"),
        ("start 1 2", "bad_argument", "start: unexpected argument '2' (usage: start N)"),
        ("pool-size -3", "bad_argument", "pool-size: expected a number or 'none', not '-3'"),
        ("lock --force", "bad_argument", "lock: unknown option '--force' (usage: lock)"),
        ("cancel", "bad_argument", "cancel: expected at least one task ID"),
        ("cancel 1 x", "bad_argument", "cancel: 'x' is not a task ID"),
        ("map f {\"a\":1}", "bad_argument", "map: JSON_ARRAY must be a JSON array, not an object"),
        ("map f [1] -n", "bad_argument", "map: option '-n' needs a value"),
        ("map f [1] -n 1 -n 2", "bad_argument", "map: option '-n' given twice"),
    ];
    for (line, kind, message) in cases {
        let err = parse_err(line);
        assert_eq!((err.kind().as_str(), err.message()), (kind, message), "line {line:?}");
    }
    let err = parse_err("apply f [1,");
    assert_eq!(err.kind(), "bad_request");
    let err = parse_err("apply f {nope}");
    assert!(err.message().starts_with("apply: ARGS_JSON is not valid JSON"), "{err}");
}

#[test]
fn bad_json_gets_a_precise_error() {
    let cases = [
        ("nope", json!({}), "unknown command 'nope' (try help)"),
        ("start", json!({}), "start: missing argument 'n'"),
        ("start", json!({"n": "5"}), "start: 'n' must be a whole number, not \"5\""),
        ("start", json!({"n": 0}), "start: 'n' must be at least 1"),
        ("start", json!([5]), "start: args must be an object, not an array"),
        ("lock", json!({"x": 1}), "lock: unknown argument 'x'"),
        ("cancel", json!({"ids": ["a"]}), "cancel: 'ids' must be an array of task IDs (numbers)"),
        ("map", json!({"function": "f", "items": 3}), "map: 'items' must be an array, not a number"),
        ("apply", json!({"function": 3}), "apply: 'function' must be a string, not a number"),
    ];
    for (name, args, message) in cases {
        let err = Command::from_json(name, &args).unwrap_err();
        assert_eq!(err.message(), message, "{name} {args}");
    }
}

#[test]
fn only_queries_are_queries() {
    let queries: Vec<&str> = examples().iter().filter(|c| c.is_query()).map(Command::name).collect();
    for name in [
        "lock",
        "unlock",
        "cancel",
        "cancel-group",
        "cancel-all",
        "flush",
        "start",
        "stop",
        "retire",
        "apply",
        "map",
    ] {
        assert!(!queries.contains(&name), "{name} must not count as a query");
    }
    assert!(queries.contains(&"status") && queries.contains(&"tasks") && queries.contains(&"group-ids"));
}

#[test]
fn help_lists_the_commands_of_the_pool_kind() {
    let task = Command::help(None, false).unwrap();
    let simple = Command::help(None, true).unwrap();
    assert!(task.contains("apply NAME") && !task.contains("stop-all"), "{task}");
    assert!(simple.contains("stop-all") && !simple.contains("apply NAME"), "{simple}");
    assert_eq!(Command::help(Some("nope"), false).unwrap_err().kind(), "unknown_command");
    assert!(Command::help(Some("apply"), true).unwrap().ends_with("(TaskPool only)"));
}

#[test]
fn numbers_survive_a_text_round_trip_exactly() {
    // Found by the command_line fuzz target: without serde_json's
    // float_roundtrip feature this came back as a neighbouring float.
    let command = parse("apply f 2288888888888888111111");
    assert_eq!(parse(&command.to_string()), command);
}

#[test]
fn group_ids_asks_for_a_bounded_number_of_groups() {
    let names: Vec<String> = (0..=Command::MAX_GROUP_IDS_NAMES).map(|i| format!("g{i}")).collect();
    let line = format!("group-ids {}", names.join(" "));
    let e = parse_err(&line);
    assert_eq!(
        (e.kind(), e.message()),
        (&ErrorKind::BadArgument, "group-ids: at most 64 group names per request, not 65")
    );
    let e = Command::from_json("group-ids", &json!({ "groups": names })).unwrap_err();
    assert_eq!(e.message(), "group-ids: at most 64 group names per request, not 65");
    let line = format!("group-ids {}", names[..Command::MAX_GROUP_IDS_NAMES].join(" "));
    assert!(matches!(parse(&line), Command::GroupIds { groups } if groups.len() == 64));
}

#[test]
fn names_are_short_and_printable_in_both_modes() {
    let long = "g".repeat(Command::MAX_NAME_LEN + 1);
    let fine = "g".repeat(Command::MAX_NAME_LEN);
    for (line, message) in [
        (format!("cancel-group {long}"), "cancel-group: a group name may be at most 128 bytes long, not 129"),
        (format!("group-ids a {long}"), "group-ids: a group name may be at most 128 bytes long, not 129"),
        (format!("apply {long}"), "apply: a function name may be at most 128 bytes long, not 129"),
        (format!("apply f --group {long}"), "apply: a group name may be at most 128 bytes long, not 129"),
        (format!("map f [1] -g {long}"), "map: a group name may be at most 128 bytes long, not 129"),
        (
            "cancel-group 'a\nINFO forged'".to_owned(),
            r"cancel-group: a group name may hold only printable characters, not \u{a}",
        ),
        (
            "apply f --group \"x\u{1b}[2J\"".to_owned(),
            r"apply: a group name may hold only printable characters, not \u{1b}",
        ),
        (
            "starmap \"f\u{202e}\" [[1]]".to_owned(),
            r"starmap: a function name may hold only printable characters, not \u{202e}",
        ),
    ] {
        let e = parse_err(&line);
        assert_eq!((e.kind(), e.message()), (&ErrorKind::BadArgument, message), "{line:?}");
    }
    let e = Command::from_json("apply", &json!({"function": "f", "group": "a\u{7}"})).unwrap_err();
    assert_eq!(e.message(), r"apply: a group name may hold only printable characters, not \u{7}");
    let e = Command::from_json("cancel-group", &json!({ "group": long })).unwrap_err();
    assert_eq!(e.kind(), "bad_argument");
    assert_eq!(parse(&format!("cancel-group {fine}")), Command::CancelGroup { group: fine.clone() });
    assert_eq!(parse("cancel-group 'ünïcödé names'"), Command::CancelGroup { group: "ünïcödé names".into() });
}

/// Found by the `json_request` fuzz target: a name that starts with `-`
/// (accepted in JSON, and from text as `--group=-x`) had no text form, and
/// a group named `-h` given as an option's value asked for help.
#[test]
fn names_that_look_like_options_have_a_text_form() {
    for cmd in [
        Command::CancelGroup { group: "-n933e".into() },
        Command::CancelGroup { group: "--".into() },
        Command::GroupIds { groups: vec!["a".into(), "-h".into(), "--help".into()] },
        Command::Help { command: Some("-x".into()) },
        Command::Apply { function: "-f".into(), argument: json!(-1), num: 2, group: Some("-h".into()) },
        Command::Map {
            style: MapStyle::Map,
            function: "f".into(),
            items: vec![json!(1)],
            num_concurrent: 1,
            group: Some("--help".into()),
        },
    ] {
        let text = cmd.to_string();
        assert_eq!(parse(&text), cmd, "text form {text:?}");
    }
    assert_eq!(Command::CancelGroup { group: "-x".into() }.to_string(), "cancel-group -- -x");
    assert_eq!(parse("cancel-group -- -h"), Command::CancelGroup { group: "-h".into() });
    assert_eq!(parse("apply f --group=-h"), parse("apply f -g -h"));
    // `-h` as an option still asks for help, even on a line with other faults.
    assert_eq!(parse("cancel-group -x -h"), Command::Help { command: Some("cancel-group".into()) });
    assert_eq!(parse("apply f --frob -h"), Command::Help { command: Some("apply".into()) });
    assert_eq!(
        parse_err("cancel-group -x").message(),
        "cancel-group: unknown option '-x' (usage: cancel-group NAME)"
    );
}
