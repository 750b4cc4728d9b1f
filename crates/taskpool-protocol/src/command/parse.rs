//! Reading a command from its arguments, in either wire form: one arm per
//! command, through the typed getters of [`Args`].

use serde_json::Value;

use super::args::Args;
use super::{Command, MapStyle};
use crate::RemoteError;

impl Command {
    /// The command named by `args`, read from them, then checked against
    /// the protocol's limits.
    pub(super) fn parse(args: &Args<'_>) -> Result<Command, RemoteError> {
        let command = match args.command() {
            "help" => Command::Help { command: args.string("command")? },
            "pool-size" => match args.size("size")? {
                None => Command::PoolSize,
                Some(size) => Command::SetPoolSize { size },
            },
            "group-ids" => Command::GroupIds { groups: args.strings("groups")? },
            "cancel" => {
                let ids = args.ids("ids")?;
                if ids.is_empty() {
                    return Err(RemoteError::bad_argument("cancel: expected at least one task ID"));
                }
                Command::Cancel { ids }
            }
            "cancel-group" => Command::CancelGroup { group: args.required_string("group")? },
            "start" => Command::Start { n: args.count("n", None)? },
            "stop" => Command::Stop { n: args.required_whole("n")? },
            "retire" => Command::Retire {
                n: args.required_whole("n")?,
                timeout_secs: args
                    .whole("timeout_secs")?
                    .map_or(Command::DEFAULT_RETIRE_SECS, |secs| secs as u64),
            },
            "apply" => Command::Apply {
                function: args.required_string("function")?,
                argument: args.json("argument")?.unwrap_or(Value::Null),
                num: args.count("num", Some(1))?,
                group: args.string("group")?,
            },
            name @ ("map" | "starmap" | "doublestarmap") => Command::Map {
                style: match name {
                    "map" => MapStyle::Map,
                    "starmap" => MapStyle::Starmap,
                    _ => MapStyle::DoubleStarmap,
                },
                function: args.required_string("function")?,
                items: args.array("items")?,
                num_concurrent: args.count("num_concurrent", Some(1))?,
                group: args.string("group")?,
            },
            "lock" => Command::Lock,
            "unlock" => Command::Unlock,
            "is-locked" => Command::IsLocked,
            "is-closed" => Command::IsClosed,
            "is-full" => Command::IsFull,
            "num-running" => Command::NumRunning,
            "num-waiting" => Command::NumWaiting,
            "num-cancelled" => Command::NumCancelled,
            "num-ended" => Command::NumEnded,
            "num-failed" => Command::NumFailed,
            "cancel-all" => Command::CancelAll,
            "flush" => Command::Flush,
            "status" => Command::Status,
            "tasks" => Command::Tasks,
            "registered" => Command::Registered,
            "stop-all" => Command::StopAll,
            other => unreachable!("command {other} is in the table but has no parse arm"),
        };
        command.check_limits()
    }
}
