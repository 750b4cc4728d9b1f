//! Control commands: the [`Command`] enum with its text form (parsed with
//! shell-like quoting, [`Command::parse_line`]) and its JSON form
//! ([`Command::from_json`], [`Command::to_json`]), the command table behind
//! [`Command::help`] and [`Command::applies_to`], and the rendering of
//! results for people ([`Command::render`]).
//!
//! Adding a command takes a variant in `variants.rs`, a row in the table in
//! `spec.rs`, an arm in `text.rs` and in `json.rs`, and one arm where the
//! server runs it.

mod json;
mod limits;
mod map_style;
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
