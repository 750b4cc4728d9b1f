//! The arguments of `top`, after `--` or typed in a session.

use std::time::Duration;

use clap::Parser;

/// The word that opens the live view, in place of a protocol command.
pub(crate) const COMMAND: &str = "top";

/// A full-screen live view of the pool: q leaves, + and - start and stop a
/// worker, s sets the size, l locks or unlocks, up and down select a group,
/// c cancels it.
#[derive(Debug, Parser)]
#[command(name = "top", no_binary_name = true)]
pub(crate) struct TopOptions {
    /// How often to ask the server for the pool's status, in seconds.
    #[arg(short, long, value_name = "SECONDS", default_value = "1", value_parser = parse_interval)]
    pub(crate) interval: Duration,
}

impl TopOptions {
    /// Reads the words after `top`.
    pub(crate) fn parse(args: &[String]) -> Result<TopOptions, clap::Error> {
        TopOptions::try_parse_from(args)
    }
}

/// A number of seconds, at least 0.1: polling faster only loads the server.
fn parse_interval(text: &str) -> Result<Duration, String> {
    let secs: f64 = text.parse().map_err(|_| format!("'{text}' is not a number of seconds"))?;
    if !(0.1..=3600.0).contains(&secs) {
        return Err("the interval must be between 0.1 and 3600 seconds".to_owned());
    }
    Ok(Duration::from_secs_f64(secs))
}
