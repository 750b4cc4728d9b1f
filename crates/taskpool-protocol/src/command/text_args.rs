//! Splitting a text-mode command line into arguments, with quoting.
//!
//! The reference library splits commands on single spaces, so `[1, 2]` can
//! never be passed. Here a line is split the way a POSIX shell splits words,
//! plus one convenience for JSON:
//!
//! - whitespace separates arguments, however much of it;
//! - `'...'` takes everything literally up to the next `'`;
//! - `"..."` takes everything up to the next unescaped `"`; inside, `\"` and
//!   `\\` stand for `"` and `\`, and any other backslash is kept;
//! - outside quotes, `\` takes the next character literally;
//! - an unquoted argument that starts with `[` or `{` runs until its brackets
//!   balance (JSON strings inside are skipped), so `map f ["a b", "c"]` works
//!   without quotes, and `map f '["a b", "c"]'` works too.

use std::fmt;

/// Why a line could not be split into arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SplitError(&'static str);

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Splits `line` into arguments (see the module docs for the rules).
pub(crate) fn split(line: &str) -> Result<Vec<String>, SplitError> {
    let mut args = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { return Ok(args) };
        let mut arg = String::new();
        if first == '[' || first == '{' {
            take_json(&mut chars, &mut arg)?;
        }
        // A word goes on until unquoted whitespace; quoted parts join it.
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            match c {
                '\'' => loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => arg.push(c),
                        None => return Err(SplitError("unterminated single quote")),
                    }
                },
                '"' => loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => arg.push(c),
                            Some(c) => {
                                arg.push('\\');
                                arg.push(c);
                            }
                            None => return Err(SplitError("unterminated double quote")),
                        },
                        Some(c) => arg.push(c),
                        None => return Err(SplitError("unterminated double quote")),
                    }
                },
                '\\' => match chars.next() {
                    Some(c) => arg.push(c),
                    None => return Err(SplitError("backslash at the end of the line")),
                },
                c => arg.push(c),
            }
        }
        args.push(arg);
    }
}

/// Takes an unquoted JSON array or object, up to its balancing bracket.
fn take_json(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    arg: &mut String,
) -> Result<(), SplitError> {
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        arg.push(c);
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(());
                }
            }
            '"' => loop {
                match chars.next() {
                    Some('"') => {
                        arg.push('"');
                        break;
                    }
                    Some('\\') => {
                        arg.push('\\');
                        match chars.next() {
                            Some(c) => arg.push(c),
                            None => return Err(SplitError("unterminated JSON string")),
                        }
                    }
                    Some(c) => arg.push(c),
                    None => return Err(SplitError("unterminated JSON string")),
                }
            },
            _ => {}
        }
    }
    Err(SplitError("unbalanced brackets in a JSON argument"))
}

/// Quotes `arg` so that [`split`] gives it back unchanged: as is when that is
/// safe, else in single quotes (a `'` inside becomes `'\''`).
pub(crate) fn quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && !arg.starts_with(['[', '{'])
        && arg.chars().all(|c| c.is_alphanumeric() || "-_.,:/@%+=".contains(c));
    if plain {
        return arg.to_owned();
    }
    let mut quoted = String::with_capacity(arg.len() + 2);
    quoted.push('\'');
    for c in arg.chars() {
        if c == '\'' {
            quoted.push_str("'\\''");
        } else {
            quoted.push(c);
        }
    }
    quoted.push('\'');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> Vec<String> {
        split(line).unwrap_or_else(|e| panic!("split({line:?}) failed: {e}"))
    }

    #[test]
    fn whitespace_of_any_length_separates() {
        assert_eq!(ok("  start \t 5  "), ["start", "5"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(ok("   "), Vec::<String>::new());
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(ok(r#"map fetch '["a b", "c"]' -n 3"#), ["map", "fetch", r#"["a b", "c"]"#, "-n", "3"]);
        assert_eq!(ok(r"'a\b'"), [r"a\b"]);
        assert_eq!(ok("''"), [""]);
    }

    #[test]
    fn double_quotes_take_escapes() {
        assert_eq!(ok(r#""a \"b\" \\ \n""#), [r#"a "b" \ \n"#]);
        assert_eq!(ok(r#"--group "my group""#), ["--group", "my group"]);
    }

    #[test]
    fn quoted_parts_join_a_word() {
        assert_eq!(ok(r#"a'b c'"d e"f"#), ["ab cd ef"]);
        assert_eq!(ok(r"a\ b"), ["a b"]);
    }

    #[test]
    fn unquoted_json_runs_to_its_balancing_bracket() {
        assert_eq!(ok(r#"map f ["a b", "c]"] -n 2"#), ["map", "f", r#"["a b", "c]"]"#, "-n", "2"]);
        assert_eq!(ok(r#"apply f {"x": [1, {"y": "}"}]}"#), ["apply", "f", r#"{"x": [1, {"y": "}"}]}"#]);
        assert_eq!(ok(r#"["a\"b c"]"#), [r#"["a\"b c"]"#]);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(split("a 'b").unwrap_err().to_string(), "unterminated single quote");
        assert_eq!(split("a \"b").unwrap_err().to_string(), "unterminated double quote");
        assert_eq!(split("a \\").unwrap_err().to_string(), "backslash at the end of the line");
        assert_eq!(split("[1, 2").unwrap_err().to_string(), "unbalanced brackets in a JSON argument");
        assert_eq!(split(r#"["a"#).unwrap_err().to_string(), "unterminated JSON string");
    }

    #[test]
    fn quote_round_trips() {
        for arg in ["plain", "", "a b", "it's", r#"["a b", "c"]"#, "{}", "-n", "x'y'z", "tab\there", "ü"] {
            assert_eq!(ok(&quote(arg)), [arg], "quote({arg:?}) = {}", quote(arg));
        }
        assert_eq!(quote("start-group-0"), "start-group-0");
        assert_eq!(quote("a b"), "'a b'");
    }
}
