//! Where the access token comes from: `--token-file`, `--token-prompt`,
//! `--token` or the `TASKPOOL_CTL_TOKEN` environment variable, in that
//! order. A token on the command line is visible to every user in the
//! process list, so using `--token` prints a warning.

use std::borrow::Cow;
use std::io::{self, IsTerminal};
use std::path::Path;

use anyhow::{bail, Context};
use clap::parser::ValueSource;
use clap::ArgMatches;
use rustyline::completion::Completer;
use rustyline::config::Configurer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{ColorMode, Editor, Helper};

/// What the command line says about the token.
pub(crate) struct TokenSource<'a> {
    pub(crate) file: Option<&'a Path>,
    pub(crate) prompt: bool,
    /// From `--token` or the environment.
    pub(crate) given: Option<&'a str>,
}

/// The token to present, if any.
pub(crate) fn token(source: TokenSource<'_>, matches: &ArgMatches) -> anyhow::Result<Option<String>> {
    if let Some(file) = source.file {
        return from_file(file).map(Some);
    }
    if source.prompt {
        return prompt().map(Some);
    }
    if matches.value_source("token") == Some(ValueSource::CommandLine) {
        eprintln!(
            "taskpool-ctl: warning: a token given with --token is visible to other users in the process \
             list; use TASKPOOL_CTL_TOKEN, --token-file or --token-prompt"
        );
    }
    Ok(source.given.map(str::to_owned))
}

/// The first line of `file`, without its line end.
fn from_file(file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the token file {}", file.display()))?;
    let token = text.lines().next().unwrap_or("").trim_end();
    if token.is_empty() {
        bail!("the token file {} is empty", file.display());
    }
    Ok(token.to_owned())
}

/// Asks for the token at the terminal, showing `*` for what is typed.
fn prompt() -> anyhow::Result<String> {
    if !io::stdin().is_terminal() {
        bail!("--token-prompt needs a terminal; use TASKPOOL_CTL_TOKEN or --token-file");
    }
    let mut editor: Editor<Masked, DefaultHistory> = Editor::new()?;
    editor.set_helper(Some(Masked));
    // Masking is done by the highlighter, which must run whatever the
    // terminal says about colours; the token never goes into the history.
    editor.set_color_mode(ColorMode::Forced);
    editor.set_auto_add_history(false);
    let token = editor.readline("access token: ").context("reading the access token")?;
    Ok(token.trim().to_owned())
}

/// Shows every typed character as `*`.
struct Masked;

impl Highlighter for Masked {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Owned("*".repeat(line.chars().count()))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _forced: bool) -> bool {
        true
    }
}

impl Completer for Masked {
    type Candidate = String;
}

impl Hinter for Masked {
    type Hint = String;
}

impl Validator for Masked {}

impl Helper for Masked {}
