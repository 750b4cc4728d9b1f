//! What the server sends, made safe for the operator's terminal. Group
//! names and error messages come from the server, and through it from
//! whoever named a group; a name holding escape sequences must not clear
//! the screen, retitle the window or hide what follows.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character (escape sequences, carriage
/// returns, BEL, DEL, C1 controls) and every invisible formatting character
/// (bidirectional overrides, zero-width characters) written as a Rust
/// escape such as `\u{1b}`. Line breaks are kept when `keep_newlines` is
/// set (tables span lines), else escaped too (one-line messages).
pub(crate) fn printable(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let escape = |c: char| needs_escape(c) && !(keep_newlines && c == '\n');
    if !text.contains(escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A JSON line with the characters that serde_json leaves as they are but
/// a terminal acts on (DEL, C1 controls, invisible formatting characters)
/// written as JSON `\uXXXX` escapes: the same JSON value, safe to print.
pub(crate) fn printable_json(json: &str) -> Cow<'_, str> {
    if !json.contains(needs_escape) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if needs_escape(c) {
            // Every character here is in the Basic Multilingual Plane.
            write!(out, "\\u{:04x}", u32::from(c)).expect("writing to a String does not fail");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_controls_are_escaped() {
        let text = "g\u{1b}[2J\u{1b}]0;t\u{7}\r\u{7f}\u{9b}\u{202e}\nnext\tcol";
        assert_eq!(
            printable(text, true),
            "g\\u{1b}[2J\\u{1b}]0;t\\u{7}\\r\\u{7f}\\u{9b}\\u{202e}\nnext\tcol"
        );
        assert_eq!(printable("a\nb", false), "a\\nb");
        assert!(matches!(printable("plain ü", false), Cow::Borrowed(_)));
    }

    #[test]
    fn json_stays_the_same_value() {
        let value = serde_json::json!({"name": "x\u{7f}\u{9b}\u{202e}y\u{1b}"});
        let line = serde_json::to_string(&value).unwrap();
        let safe = printable_json(&line);
        assert!(!safe.contains(needs_escape), "{safe}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&safe).unwrap(), value);
    }
}
