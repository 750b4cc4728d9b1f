use std::fmt;

use serde_json::Value;

use super::args::looks_like_option;
use super::spec::{find_spec, Spec, TextForm};
use super::{text_args, MapStyle};
use crate::{ErrorKind, RemoteError};

/// One control command, as both wire modes carry it.
///
/// In text mode a command is a line such as `map fetch '["a b", "c"]' -n 3`
/// ([`Command::parse_line`]); in JSON mode it is the `command` and `args`
/// fields of a request ([`Command::from_json`], [`Command::to_json`]). Both
/// forms are described in `docs/PROTOCOL.md`; [`Command::help`] gives the
/// usage of each command.
///
/// ```
/// use taskpool_protocol::{Command, MapStyle};
///
/// let cmd = Command::parse_line(r#"map fetch '["a b", "c"]' -n 3"#).unwrap();
/// assert_eq!(
///     cmd,
///     Command::Map {
///         style: MapStyle::Map,
///         function: "fetch".into(),
///         items: vec!["a b".into(), "c".into()],
///         num_concurrent: 3,
///         group: None,
///     }
/// );
/// // Display gives the text form back.
/// assert_eq!(Command::parse_line(&cmd.to_string()).unwrap(), cmd);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// `help [COMMAND]` or `COMMAND -h`: usage of all commands, or of one.
    Help {
        /// The command to explain; all of them when `None`.
        command: Option<String>,
    },
    /// `pool-size`: the configured size limit (`none` when unlimited).
    PoolSize,
    /// `pool-size N|none`: sets the size limit.
    SetPoolSize {
        /// The new limit; `None` is unlimited.
        size: Option<usize>,
    },
    /// `lock`: the pool refuses new groups.
    Lock,
    /// `unlock`: the pool accepts new groups again.
    Unlock,
    /// `is-locked`.
    IsLocked,
    /// `is-closed`.
    IsClosed,
    /// `is-full`.
    IsFull,
    /// `num-running`.
    NumRunning,
    /// `num-waiting`: starts waiting for room.
    NumWaiting,
    /// `num-cancelled`.
    NumCancelled,
    /// `num-ended`.
    NumEnded,
    /// `num-failed`: panics caught so far.
    NumFailed,
    /// `group-ids NAME...`: the IDs of the alive tasks of these groups.
    GroupIds {
        /// The groups.
        groups: Vec<String>,
    },
    /// `cancel ID...`: cancels these tasks, all or none.
    Cancel {
        /// The tasks' IDs.
        ids: Vec<u64>,
    },
    /// `cancel-group NAME`.
    CancelGroup {
        /// The group.
        group: String,
    },
    /// `cancel-all`.
    CancelAll,
    /// `flush`: reports and forgets the failures since the last report.
    Flush,
    /// `status`: a snapshot of the pool and its groups.
    Status,
    /// `tasks`: the running tasks with group and age.
    Tasks,
    /// `registered`: the functions that `apply` and the map commands may call.
    Registered,
    /// `start N` (SimpleTaskPool): adds `n` workers.
    Start {
        /// How many workers.
        n: usize,
    },
    /// `stop N` (SimpleTaskPool): takes `n` workers away.
    Stop {
        /// How many workers.
        n: usize,
    },
    /// `stop-all` (SimpleTaskPool).
    StopAll,
    /// `retire N [SECONDS]` (SimpleTaskPool): takes `n` workers away
    /// gracefully: they are asked to stop and dropped only if still running
    /// after the timeout (30 seconds by default).
    Retire {
        /// How many workers.
        n: usize,
        /// How long the asked workers may take, in seconds.
        timeout_secs: u64,
    },
    /// `apply NAME [ARGS_JSON] [-n NUM] [--group G]` (TaskPool): runs a
    /// registered function `num` times with one argument.
    Apply {
        /// The registered function.
        function: String,
        /// Its argument, as JSON; `null` when not given.
        argument: Value,
        /// How many tasks.
        num: usize,
        /// The group name; a default name when `None`.
        group: Option<String>,
    },
    /// `map`, `starmap` or `doublestarmap NAME JSON_ARRAY [-n K] [--group G]`
    /// (TaskPool): calls a registered function once per item.
    Map {
        /// Which of the three commands; it says what shape each item must have.
        style: MapStyle,
        /// The registered function.
        function: String,
        /// The items, each the function's argument as JSON.
        items: Vec<Value>,
        /// How many of the group's tasks run at a time.
        num_concurrent: usize,
        /// The group name; a default name when `None`.
        group: Option<String>,
    },
}

impl Command {
    /// The timeout of `retire` when none is given, in seconds.
    pub const DEFAULT_RETIRE_SECS: u64 = 30;

    /// The command's name, such as `pool-size` or `map`.
    ///
    /// ```
    /// # use taskpool_protocol::Command;
    /// assert_eq!(Command::SetPoolSize { size: Some(3) }.name(), "pool-size");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            Command::Help { .. } => "help",
            Command::PoolSize | Command::SetPoolSize { .. } => "pool-size",
            Command::Lock => "lock",
            Command::Unlock => "unlock",
            Command::IsLocked => "is-locked",
            Command::IsClosed => "is-closed",
            Command::IsFull => "is-full",
            Command::NumRunning => "num-running",
            Command::NumWaiting => "num-waiting",
            Command::NumCancelled => "num-cancelled",
            Command::NumEnded => "num-ended",
            Command::NumFailed => "num-failed",
            Command::GroupIds { .. } => "group-ids",
            Command::Cancel { .. } => "cancel",
            Command::CancelGroup { .. } => "cancel-group",
            Command::CancelAll => "cancel-all",
            Command::Flush => "flush",
            Command::Status => "status",
            Command::Tasks => "tasks",
            Command::Registered => "registered",
            Command::Start { .. } => "start",
            Command::Stop { .. } => "stop",
            Command::StopAll => "stop-all",
            Command::Retire { .. } => "retire",
            Command::Apply { .. } => "apply",
            Command::Map { style, .. } => style.as_str(),
        }
    }

    /// Whether the command only reads: a read-only server runs these and
    /// refuses every other.
    ///
    /// ```
    /// # use taskpool_protocol::Command;
    /// assert!(Command::PoolSize.is_query());
    /// assert!(!Command::SetPoolSize { size: None }.is_query());
    /// assert!(!Command::Flush.is_query()); // it forgets the failures it reports
    /// ```
    pub fn is_query(&self) -> bool {
        // `pool-size` is a query without its argument only.
        self.spec().query && !matches!(self, Command::SetPoolSize { .. })
    }

    pub(super) fn spec(&self) -> &'static Spec {
        find_spec(self.name()).expect("every command has a row in the table")
    }
}

/// The text form, written from the JSON form of the arguments and the
/// command table (positionals in order, then options), quoted so that
/// [`Command::parse_line`] reads it back.
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, args) = self.to_json();
        let mut positionals: Vec<String> = Vec::new();
        let mut options: Vec<String> = Vec::new();
        for param in self.spec().params {
            let Some(value) = args.get(param.name) else { continue };
            match (&param.text, value) {
                (_, value) if param.json => positionals.push(value.to_string()),
                (TextForm::Rest, Value::Array(values)) => positionals.extend(values.iter().map(word)),
                (TextForm::Option(flags), value) => options.extend([flags[0].to_owned(), word(value)]),
                (_, value) => positionals.push(word(value)),
            }
        }
        let mut words: Vec<String> = vec![name.to_owned()];
        if positionals.iter().any(|word| looks_like_option(word)) {
            // A name such as `-x` would read as an option: the options go
            // first, and `--` ends them.
            words.extend(options);
            words.push("--".to_owned());
            words.extend(positionals);
        } else {
            words.extend(positionals);
            words.extend(options);
        }
        let quoted: Vec<String> = words.iter().map(|w| text_args::quote(w)).collect();
        f.write_str(&quoted.join(" "))
    }
}

/// One argument as a word of the text form: a string as it is, `null` as
/// `none` (a size limit's "unlimited"), anything else as JSON.
fn word(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "none".to_owned(),
        other => other.to_string(),
    }
}

pub(super) fn unknown_command(name: &str) -> RemoteError {
    RemoteError::new(ErrorKind::UnknownCommand, format!("unknown command '{name}' (try help)"))
}

pub(super) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
