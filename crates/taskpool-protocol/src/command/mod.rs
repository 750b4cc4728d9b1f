//! Control commands: the [`Command`] enum with its text form (parsed with
//! shell-like quoting, [`Command::parse_line`]) and its JSON form
//! ([`Command::from_json`], [`Command::to_json`]), the command table behind
//! [`Command::help`] and [`Command::applies_to`], and the rendering of
//! results for people ([`Command::render`]).
//!
//! The command table (`spec.rs`) gives each command's arguments; both wire
//! forms are read into the same `Args` (`args.rs`), from which one parse
//! arm per command (`parse.rs`) reads it. Adding a command takes a row in
//! the table, a variant with its name (`variants.rs`), its parse arm, the
//! JSON form of its arguments if it has any (`json.rs`), and one arm where
//! the server runs it.

mod args;
mod json;
mod limits;
mod map_style;
mod parse;
mod pool_kind;
mod render;
mod spec;
#[cfg(test)]
mod tests;
mod text;
mod text_args;
mod variants;

pub use map_style::MapStyle;
pub use pool_kind::PoolKind;
pub use variants::Command;
