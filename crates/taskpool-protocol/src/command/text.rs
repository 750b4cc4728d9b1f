use std::collections::VecDeque;

use serde_json::Value;

use super::spec::{find_spec, Spec};
use super::variants::{json_type, unknown_command};
use super::{text_args, Command, MapStyle};
use crate::{ErrorKind, RemoteError};

impl Command {
    /// Parses one text-mode line, splitting it with quoting: `'...'` and
    /// `"..."` work as in a shell, and an unquoted JSON array or object is
    /// one argument even with spaces inside (see `docs/PROTOCOL.md`).
    ///
    /// # Errors
    ///
    /// A [`RemoteError`] of kind `bad_request` (bad quoting or an empty
    /// line), `unknown_command` or `bad_argument`.
    ///
    /// ```
    /// use taskpool_protocol::Command;
    ///
    /// assert_eq!(Command::parse_line("pool-size none").unwrap(), Command::SetPoolSize { size: None });
    /// assert_eq!(Command::parse_line("start -h").unwrap(), Command::Help { command: Some("start".into()) });
    /// assert_eq!(Command::parse_line("frobnicate").unwrap_err().kind(), "unknown_command");
    /// ```
    pub fn parse_line(line: &str) -> Result<Command, RemoteError> {
        let args =
            text_args::split(line).map_err(|e| RemoteError::new(ErrorKind::BadRequest, e.to_string()))?;
        Command::from_args(&args)
    }

    /// Parses a command already split into arguments, such as the words
    /// after `--` on the command line of `taskpool-ctl`.
    ///
    /// # Errors
    ///
    /// As [`Command::parse_line`].
    ///
    /// ```
    /// use taskpool_protocol::Command;
    ///
    /// assert_eq!(Command::from_args(&["start", "5"]).unwrap(), Command::Start { n: 5 });
    /// assert_eq!(Command::from_args(&["cancel", "x"]).unwrap_err().kind(), "bad_argument");
    /// ```
    pub fn from_args<S: AsRef<str>>(args: &[S]) -> Result<Command, RemoteError> {
        let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
        let Some((&name, rest)) = args.split_first() else {
            return Err(RemoteError::new(ErrorKind::BadRequest, "empty command"));
        };
        if name == "-h" || name == "--help" {
            return Ok(Command::Help { command: None });
        }
        let name = name.to_owned();
        let Some(spec) = find_spec(&name) else {
            return Err(unknown_command(&name));
        };
        let mut args = Args::split(spec, rest)?;
        if args.help {
            return Ok(Command::Help { command: Some(name) });
        }
        let command = match spec.name {
            "help" => Command::Help { command: args.optional()?.map(str::to_owned) },
            "pool-size" => match args.optional()? {
                None => Command::PoolSize,
                Some(size) => Command::SetPoolSize { size: parse_size(size)? },
            },
            "group-ids" => {
                Command::GroupIds { groups: args.rest().iter().map(|g| (*g).to_owned()).collect() }
            }
            "cancel" => {
                let ids = args.rest();
                if ids.is_empty() {
                    return Err(RemoteError::bad_argument("cancel: expected at least one task ID"));
                }
                let ids = ids.iter().map(|id| parse_id(id)).collect::<Result<_, _>>()?;
                Command::Cancel { ids }
            }
            "cancel-group" => Command::CancelGroup { group: args.required("NAME")?.to_owned() },
            "start" => Command::Start { n: parse_count("start", "N", args.required("N")?)? },
            "stop" => Command::Stop { n: parse_usize("stop", "N", args.required("N")?)? },
            "retire" => {
                let n = parse_usize("retire", "N", args.required("N")?)?;
                let timeout_secs = match args.optional()? {
                    Some(secs) => parse_secs("retire", secs)?,
                    None => Command::DEFAULT_RETIRE_SECS,
                };
                Command::Retire { n, timeout_secs }
            }
            "apply" => {
                let function = args.required("NAME")?.to_owned();
                let argument = match args.optional()? {
                    Some(json) => parse_json("apply", "ARGS_JSON", json)?,
                    None => Value::Null,
                };
                let num = match args.option("n") {
                    Some(n) => parse_count("apply", "-n", n)?,
                    None => 1,
                };
                Command::Apply { function, argument, num, group: args.option("group").map(str::to_owned) }
            }
            "map" | "starmap" | "doublestarmap" => {
                let style = match spec.name {
                    "map" => MapStyle::Map,
                    "starmap" => MapStyle::Starmap,
                    _ => MapStyle::DoubleStarmap,
                };
                let function = args.required("NAME")?.to_owned();
                let items = match parse_json(spec.name, "JSON_ARRAY", args.required("JSON_ARRAY")?)? {
                    Value::Array(items) => items,
                    other => {
                        return Err(RemoteError::bad_argument(format!(
                            "{}: JSON_ARRAY must be a JSON array, not {}",
                            spec.name,
                            json_type(&other)
                        )))
                    }
                };
                let num_concurrent = match args.option("n") {
                    Some(n) => parse_count(spec.name, "-n", n)?,
                    None => 1,
                };
                let group = args.option("group").map(str::to_owned);
                Command::Map { style, function, items, num_concurrent, group }
            }
            other => Command::without_arguments(other)
                .unwrap_or_else(|| unreachable!("command {other} is in SPECS but has no parser")),
        };
        args.finish()?;
        command.check_limits()
    }
}

fn parse_size(text: &str) -> Result<Option<usize>, RemoteError> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        RemoteError::bad_argument(format!("pool-size: expected a number or 'none', not '{text}'"))
    })
}

fn parse_id(text: &str) -> Result<u64, RemoteError> {
    text.parse::<u64>().map_err(|_| RemoteError::bad_argument(format!("cancel: '{text}' is not a task ID")))
}

fn parse_usize(command: &str, what: &str, text: &str) -> Result<usize, RemoteError> {
    text.parse().map_err(|_| {
        RemoteError::bad_argument(format!("{command}: {what} must be a whole number, not '{text}'"))
    })
}

fn parse_secs(command: &str, text: &str) -> Result<u64, RemoteError> {
    text.parse().map_err(|_| {
        RemoteError::bad_argument(format!(
            "{command}: SECONDS must be a whole number of seconds, not '{text}'"
        ))
    })
}

fn parse_count(command: &str, what: &str, text: &str) -> Result<usize, RemoteError> {
    match parse_usize(command, what, text)? {
        0 => Err(RemoteError::bad_argument(format!("{command}: {what} must be at least 1"))),
        n => Ok(n),
    }
}

fn parse_json(command: &str, what: &str, text: &str) -> Result<Value, RemoteError> {
    serde_json::from_str(text)
        .map_err(|e| RemoteError::bad_argument(format!("{command}: {what} is not valid JSON: {e}")))
}

/// Whether `arg` reads as an option (`-n`, `--group=g`) rather than as a
/// positional: it starts with `-` followed by something other than a digit,
/// so that `-1` stays a (refused) number. After `--` nothing is an option;
/// `Display` writes `--` before a positional that would read as one.
pub(super) fn looks_like_option(arg: &str) -> bool {
    arg.starts_with('-') && arg.len() > 1 && !arg[1..].starts_with(|c: char| c.is_ascii_digit())
}

/// The arguments of a text command, split into positionals and options.
struct Args<'a> {
    spec: &'static Spec,
    positionals: VecDeque<&'a str>,
    options: Vec<(&'static str, &'a str)>,
    /// `-h` or `--help` was given as an option (not as an option's value,
    /// nor after `--`): the command asks for its usage, whatever else is
    /// wrong with the line.
    help: bool,
}

impl<'a> Args<'a> {
    fn split(spec: &'static Spec, args: &[&'a str]) -> Result<Self, RemoteError> {
        let takes_options = matches!(spec.name, "apply" | "map" | "starmap" | "doublestarmap");
        let mut positionals = VecDeque::new();
        let mut options = Vec::new();
        let mut help = false;
        // The first refusal; reported only if no `-h` comes, so that
        // `-h` anywhere gives the usage.
        let mut error = None;
        let mut iter = args.iter();
        while let Some(&arg) = iter.next() {
            if arg == "--" {
                positionals.extend(iter.by_ref().copied());
                break;
            }
            if !looks_like_option(arg) {
                positionals.push_back(arg);
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if arg.starts_with("--") => (flag, Some(value)),
                _ => (arg, None),
            };
            let key = match flag {
                "-h" | "--help" => {
                    help = true;
                    continue;
                }
                "-n" | "--num" | "--num-concurrent" if takes_options => "n",
                "-g" | "--group" if takes_options => "group",
                _ => {
                    error.get_or_insert_with(|| {
                        RemoteError::bad_argument(format!(
                            "{}: unknown option '{flag}' (usage: {})",
                            spec.name, spec.usage
                        ))
                    });
                    continue;
                }
            };
            let Some(value) = inline.or_else(|| iter.next().copied()) else {
                error.get_or_insert_with(|| {
                    RemoteError::bad_argument(format!("{}: option '{flag}' needs a value", spec.name))
                });
                continue;
            };
            if options.iter().any(|(k, _)| *k == key) {
                error.get_or_insert_with(|| {
                    RemoteError::bad_argument(format!("{}: option '{flag}' given twice", spec.name))
                });
            }
            options.push((key, value));
        }
        match error {
            Some(error) if !help => Err(error),
            _ => Ok(Args { spec, positionals, options, help }),
        }
    }

    fn required(&mut self, what: &str) -> Result<&'a str, RemoteError> {
        self.positionals.pop_front().ok_or_else(|| {
            RemoteError::bad_argument(format!(
                "{}: missing {what} (usage: {})",
                self.spec.name, self.spec.usage
            ))
        })
    }

    fn optional(&mut self) -> Result<Option<&'a str>, RemoteError> {
        Ok(self.positionals.pop_front())
    }

    fn rest(&mut self) -> Vec<&'a str> {
        self.positionals.drain(..).collect()
    }

    fn option(&self, key: &str) -> Option<&'a str> {
        self.options.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn finish(self) -> Result<(), RemoteError> {
        match self.positionals.front() {
            None => Ok(()),
            Some(extra) => Err(RemoteError::bad_argument(format!(
                "{}: unexpected argument '{extra}' (usage: {})",
                self.spec.name, self.spec.usage
            ))),
        }
    }
}
