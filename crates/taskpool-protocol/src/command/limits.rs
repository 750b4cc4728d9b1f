//! The limits every parsed command is checked against, whichever mode it
//! came in: names a client gives (groups, functions) are short and
//! printable, and `group-ids` asks for a bounded number of groups.

use super::Command;
use crate::RemoteError;

impl Command {
    /// The longest group or function name a command may carry, in bytes.
    pub const MAX_NAME_LEN: usize = 128;

    /// The most group names one `group-ids` request may ask for.
    pub const MAX_GROUP_IDS_NAMES: usize = 64;

    /// Checks the names the command carries and the number of groups of
    /// `group-ids`; both parsers end with it.
    pub(super) fn check_limits(self) -> Result<Command, RemoteError> {
        let command = self.name();
        match &self {
            Command::GroupIds { groups } => {
                if groups.len() > Command::MAX_GROUP_IDS_NAMES {
                    return Err(RemoteError::bad_argument(format!(
                        "group-ids: at most {} group names per request, not {}",
                        Command::MAX_GROUP_IDS_NAMES,
                        groups.len()
                    )));
                }
                for group in groups {
                    check_name(command, "a group name", group)?;
                }
            }
            Command::CancelGroup { group } => check_name(command, "a group name", group)?,
            Command::Apply { function, group, .. } | Command::Map { function, group, .. } => {
                check_name(command, "a function name", function)?;
                if let Some(group) = group {
                    check_name(command, "a group name", group)?;
                }
            }
            _ => {}
        }
        Ok(self)
    }
}

/// Whether `c` may appear in a name: not a control character, and not an
/// invisible formatting character (bidirectional overrides, zero-width
/// characters, line and paragraph separators) that would make two names
/// look alike or rearrange what a terminal shows.
pub(crate) fn is_printable(c: char) -> bool {
    !(c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}'))
}

fn check_name(command: &str, what: &str, name: &str) -> Result<(), RemoteError> {
    if name.len() > Command::MAX_NAME_LEN {
        return Err(RemoteError::bad_argument(format!(
            "{command}: {what} may be at most {} bytes long, not {}",
            Command::MAX_NAME_LEN,
            name.len()
        )));
    }
    if let Some(c) = name.chars().find(|&c| !is_printable(c)) {
        return Err(RemoteError::bad_argument(format!(
            "{command}: {what} may hold only printable characters, not {}",
            c.escape_unicode()
        )));
    }
    Ok(())
}
