//! The arguments of one command as either wire form gave them: words of a
//! text line, assigned to the command's parameters by the command table,
//! or the fields of a JSON request's `args`. Each command is then read once
//! (`parse.rs`) through the same typed getters, which word their errors
//! for the form the client used: the usage's names in text (`start: N must
//! be at least 1`), the field names in JSON (`start: 'n' must be at least
//! 1`).

use std::collections::VecDeque;

use serde_json::{Map, Value};

use super::spec::{Param, Spec, TextForm};
use super::variants::json_type;
use crate::RemoteError;

/// The arguments of one command.
pub(super) struct Args<'a> {
    spec: &'static Spec,
    given: Given<'a>,
}

enum Given<'a> {
    Text {
        /// Each given parameter with its word.
        words: Vec<(&'static str, &'a str)>,
        /// The words of the `Rest` parameter.
        rest: Vec<&'a str>,
    },
    Json(&'a Map<String, Value>),
}

/// One given argument.
enum Arg<'a> {
    Word(&'a str),
    Json(&'a Value),
}

/// What the text form of a command asked for.
pub(super) enum TextArgs<'a> {
    /// `-h` or `--help` was given as an option (not as an option's value,
    /// nor after `--`): the command asks for its usage, whatever else is
    /// wrong with the line.
    Help,
    Args(Args<'a>),
}

/// Whether `arg` reads as an option (`-n`, `--group=g`) rather than as a
/// positional: it starts with `-` followed by something other than a digit,
/// so that `-1` stays a (refused) number. After `--` nothing is an option;
/// `Display` writes `--` before a positional that would read as one.
pub(super) fn looks_like_option(arg: &str) -> bool {
    arg.starts_with('-') && arg.len() > 1 && !arg[1..].starts_with(|c: char| c.is_ascii_digit())
}

impl<'a> Args<'a> {
    /// Assigns the words after a command's name to its parameters:
    /// options by their flags, the other words in order to the positional
    /// parameters, and what is left to the `Rest` one.
    pub(super) fn from_text(spec: &'static Spec, words: &[&'a str]) -> Result<TextArgs<'a>, RemoteError> {
        let mut positionals = VecDeque::new();
        let mut given = Vec::new();
        let mut help = false;
        // The first refusal; reported only if no `-h` comes, so that `-h`
        // anywhere gives the usage.
        let mut error = None;
        let mut iter = words.iter();
        while let Some(&word) = iter.next() {
            if word == "--" {
                positionals.extend(iter.by_ref().copied());
                break;
            }
            if !looks_like_option(word) {
                positionals.push_back(word);
                continue;
            }
            let (flag, inline) = match word.split_once('=') {
                Some((flag, value)) if word.starts_with("--") => (flag, Some(value)),
                _ => (word, None),
            };
            if flag == "-h" || flag == "--help" {
                help = true;
                continue;
            }
            let param = spec
                .params
                .iter()
                .find(|p| matches!(p.text, TextForm::Option(flags) if flags.contains(&flag)));
            let Some(param) = param else {
                error.get_or_insert_with(|| {
                    RemoteError::bad_argument(format!(
                        "{}: unknown option '{flag}' (usage: {})",
                        spec.name, spec.usage
                    ))
                });
                continue;
            };
            let Some(value) = inline.or_else(|| iter.next().copied()) else {
                error.get_or_insert_with(|| {
                    RemoteError::bad_argument(format!("{}: option '{flag}' needs a value", spec.name))
                });
                continue;
            };
            if given.iter().any(|(name, _)| *name == param.name) {
                error.get_or_insert_with(|| {
                    RemoteError::bad_argument(format!("{}: option '{flag}' given twice", spec.name))
                });
            }
            given.push((param.name, value));
        }
        if help {
            return Ok(TextArgs::Help);
        }
        if let Some(error) = error {
            return Err(error);
        }
        for param in spec.params.iter().filter(|p| matches!(p.text, TextForm::Positional)) {
            match positionals.pop_front() {
                Some(word) => given.push((param.name, word)),
                None => break,
            }
        }
        let rest: Vec<&'a str> = positionals.drain(..).collect();
        if let (Some(extra), false) =
            (rest.first(), spec.params.iter().any(|p| matches!(p.text, TextForm::Rest)))
        {
            return Err(RemoteError::bad_argument(format!(
                "{}: unexpected argument '{extra}' (usage: {})",
                spec.name, spec.usage
            )));
        }
        Ok(TextArgs::Args(Args { spec, given: Given::Text { words: given, rest } }))
    }

    /// Takes a JSON request's `args` object; a field that is not a
    /// parameter of the command is refused, so that a typo is not ignored.
    pub(super) fn from_json(
        spec: &'static Spec,
        fields: &'a Map<String, Value>,
    ) -> Result<Self, RemoteError> {
        if let Some(key) = fields.keys().find(|key| !spec.params.iter().any(|p| p.name == key.as_str())) {
            return Err(RemoteError::bad_argument(format!("{}: unknown argument '{key}'", spec.name)));
        }
        Ok(Args { spec, given: Given::Json(fields) })
    }

    /// The command's name, for its parse arm.
    pub(super) fn command(&self) -> &'static str {
        self.spec.name
    }

    fn arg(&self, name: &'static str) -> Option<Arg<'a>> {
        match &self.given {
            Given::Text { words, .. } => {
                words.iter().find(|(n, _)| *n == name).map(|(_, word)| Arg::Word(word))
            }
            Given::Json(fields) => fields.get(name).map(Arg::Json),
        }
    }

    fn param(&self, name: &'static str) -> &'static Param {
        self.spec
            .params
            .iter()
            .find(|p| p.name == name)
            .expect("the parse arm names a parameter of its command")
    }

    /// "`start: N`" in text, "`start: 'n'`" in JSON.
    fn what(&self, name: &'static str) -> String {
        match self.given {
            Given::Text { .. } => format!("{}: {}", self.spec.name, self.param(name).metavar),
            Given::Json(_) => format!("{}: '{name}'", self.spec.name),
        }
    }

    fn missing(&self, name: &'static str) -> RemoteError {
        let command = self.spec.name;
        RemoteError::bad_argument(match self.given {
            Given::Text { .. } => {
                format!("{command}: missing {} (usage: {})", self.param(name).metavar, self.spec.usage)
            }
            Given::Json(_) => format!("{command}: missing argument '{name}'"),
        })
    }

    /// A string argument; JSON `null` counts as not given.
    pub(super) fn string(&self, name: &'static str) -> Result<Option<String>, RemoteError> {
        match self.arg(name) {
            None | Some(Arg::Json(Value::Null)) => Ok(None),
            Some(Arg::Word(word)) => Ok(Some(word.to_owned())),
            Some(Arg::Json(Value::String(s))) => Ok(Some(s.clone())),
            Some(Arg::Json(other)) => Err(RemoteError::bad_argument(format!(
                "{} must be a string, not {}",
                self.what(name),
                json_type(other)
            ))),
        }
    }

    /// A string argument that must be given.
    pub(super) fn required_string(&self, name: &'static str) -> Result<String, RemoteError> {
        self.string(name)?.ok_or_else(|| self.missing(name))
    }

    /// A whole number.
    pub(super) fn whole(&self, name: &'static str) -> Result<Option<usize>, RemoteError> {
        match self.arg(name) {
            None => Ok(None),
            Some(Arg::Word(word)) => word.parse().map(Some).map_err(|_| {
                RemoteError::bad_argument(format!("{} must be a whole number, not '{word}'", self.what(name)))
            }),
            Some(Arg::Json(value)) => {
                value.as_u64().and_then(|n| usize::try_from(n).ok()).map(Some).ok_or_else(|| {
                    RemoteError::bad_argument(format!(
                        "{} must be a whole number, not {value}",
                        self.what(name)
                    ))
                })
            }
        }
    }

    /// A whole number that must be given.
    pub(super) fn required_whole(&self, name: &'static str) -> Result<usize, RemoteError> {
        self.whole(name)?.ok_or_else(|| self.missing(name))
    }

    /// A whole number of at least 1, or `default` when not given.
    pub(super) fn count(&self, name: &'static str, default: Option<usize>) -> Result<usize, RemoteError> {
        match self.whole(name)?.or(default) {
            None => Err(self.missing(name)),
            Some(0) => Err(RemoteError::bad_argument(format!("{} must be at least 1", self.what(name)))),
            Some(n) => Ok(n),
        }
    }

    /// Any JSON value: in text, a word holding JSON.
    pub(super) fn json(&self, name: &'static str) -> Result<Option<Value>, RemoteError> {
        match self.arg(name) {
            None => Ok(None),
            Some(Arg::Json(value)) => Ok(Some(value.clone())),
            Some(Arg::Word(word)) => serde_json::from_str(word).map(Some).map_err(|e| {
                RemoteError::bad_argument(format!("{} is not valid JSON: {e}", self.what(name)))
            }),
        }
    }

    /// A JSON array that must be given.
    pub(super) fn array(&self, name: &'static str) -> Result<Vec<Value>, RemoteError> {
        match self.json(name)? {
            None => Err(self.missing(name)),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(RemoteError::bad_argument(match self.given {
                Given::Text { .. } => {
                    format!("{} must be a JSON array, not {}", self.what(name), json_type(&other))
                }
                Given::Json(_) => format!("{} must be an array, not {}", self.what(name), json_type(&other)),
            })),
        }
    }

    /// The words of the `Rest` parameter, or a JSON array of strings.
    pub(super) fn strings(&self, name: &'static str) -> Result<Vec<String>, RemoteError> {
        match &self.given {
            Given::Text { rest, .. } => Ok(rest.iter().map(|word| (*word).to_owned()).collect()),
            Given::Json(fields) => match fields.get(name) {
                None => Ok(Vec::new()),
                Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
                    RemoteError::bad_argument(format!("{} must be an array of strings", self.what(name)))
                }),
            },
        }
    }

    /// Task IDs: the `Rest` words, or a JSON array of numbers.
    pub(super) fn ids(&self, name: &'static str) -> Result<Vec<u64>, RemoteError> {
        let command = self.spec.name;
        match &self.given {
            Given::Text { rest, .. } => rest
                .iter()
                .map(|id| {
                    id.parse::<u64>()
                        .map_err(|_| RemoteError::bad_argument(format!("{command}: '{id}' is not a task ID")))
                })
                .collect(),
            Given::Json(fields) => match fields.get(name) {
                None => Err(self.missing(name)),
                Some(value) => serde_json::from_value(value.clone()).map_err(|_| {
                    RemoteError::bad_argument(format!(
                        "{} must be an array of task IDs (numbers)",
                        self.what(name)
                    ))
                }),
            },
        }
    }

    /// A size limit: a whole number, or none (`none` in text, `null` in
    /// JSON); `None` when not given at all.
    pub(super) fn size(&self, name: &'static str) -> Result<Option<Option<usize>>, RemoteError> {
        match self.arg(name) {
            Some(Arg::Word(word)) if word.eq_ignore_ascii_case("none") => Ok(Some(None)),
            Some(Arg::Word(word)) => word.parse().map(|size| Some(Some(size))).map_err(|_| {
                RemoteError::bad_argument(format!(
                    "{}: expected a number or 'none', not '{word}'",
                    self.spec.name
                ))
            }),
            Some(Arg::Json(Value::Null)) => Ok(Some(None)),
            _ => self.whole(name).map(|size| size.map(Some)),
        }
    }
}
