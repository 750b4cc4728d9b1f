//! Peer text as it goes into the log: a client chooses group names,
//! function names, arguments and its hello, and none of it may forge a log
//! line or drive the terminal of whoever reads the log.

use std::fmt;

/// Displays its text with every control character (line breaks, carriage
/// returns, escape sequences, DEL, C1 controls) and every invisible
/// formatting character (bidirectional overrides, zero-width characters,
/// line and paragraph separators) written as a Rust escape such as `\n` or
/// `\u{1b}`; everything else as it is.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(needs_escape) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().expect("find returned a char boundary");
            write!(f, "{}", c.escape_default())?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_invisible_characters_are_escaped() {
        let text = "a\nb\r\u{1b}[2J\t\u{7f}\u{85}\u{202e}\u{200b}ü 'q' \\";
        assert_eq!(Escaped(text).to_string(), r"a\nb\r\u{1b}[2J\t\u{7f}\u{85}\u{202e}\u{200b}ü 'q' \");
        assert_eq!(Escaped("plain text").to_string(), "plain text");
    }
}
