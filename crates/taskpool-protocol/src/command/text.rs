use super::args::{Args, TextArgs};
use super::spec::find_spec;
use super::variants::unknown_command;
use super::{text_args, Command};
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
        match Args::from_text(spec, rest)? {
            TextArgs::Help => Ok(Command::Help { command: Some(name) }),
            TextArgs::Args(args) => Command::parse(&args),
        }
    }
}
