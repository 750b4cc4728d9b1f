//! What each key does, depending on the prompt that is open.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use taskpool_protocol::Command;

use super::model::{Mode, Model};

/// The keys, for the help line and the docs.
pub(crate) const HELP: &str =
    "q quit  +/- start/stop a worker  s size  l lock  \u{2191}\u{2193} group  c cancel it";

/// What the screen loop must do after a key.
#[derive(Debug, PartialEq)]
pub(crate) enum Reaction {
    /// Nothing beyond redrawing.
    Redraw,
    /// Send this command to the server.
    Send(Command),
    /// Leave the view.
    Quit,
}

/// Handles one key: changes the model (selection, prompts) and says what
/// else to do.
pub(crate) fn on_key(model: &mut Model, key: KeyEvent) -> Reaction {
    // Terminals that report releases (Windows, the kitty protocol) would
    // otherwise run each key twice.
    if key.kind == KeyEventKind::Release {
        return Reaction::Redraw;
    }
    // Raw mode turns Ctrl-C into a key; it leaves from any prompt.
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Reaction::Quit;
    }
    match model.mode().clone() {
        Mode::Normal => normal(model, key.code),
        Mode::Size(_) => size_prompt(model, key.code),
        Mode::ConfirmCancel(group) => {
            model.set_mode(Mode::Normal);
            match key.code {
                KeyCode::Char('y' | 'Y') => Reaction::Send(Command::CancelGroup { group }),
                _ => {
                    model.say("nothing cancelled".to_owned(), false);
                    Reaction::Redraw
                }
            }
        }
    }
}

fn normal(model: &mut Model, code: KeyCode) -> Reaction {
    match code {
        KeyCode::Char('q' | 'Q') => Reaction::Quit,
        // The server refuses these on a TaskPool (`unsupported`) and on a
        // read-only session; its message is shown, so no guessing here.
        KeyCode::Char('+' | '=') => Reaction::Send(Command::Start { n: 1 }),
        KeyCode::Char('-' | '_') => Reaction::Send(Command::Stop { n: 1 }),
        KeyCode::Char('s' | 'S') => {
            model.set_mode(Mode::Size(String::new()));
            Reaction::Redraw
        }
        KeyCode::Char('l' | 'L') => match model.status() {
            Some(status) if status.locked => Reaction::Send(Command::Unlock),
            Some(_) => Reaction::Send(Command::Lock),
            None => {
                model.say("no status yet: lock or unlock once the pool is shown".to_owned(), true);
                Reaction::Redraw
            }
        },
        KeyCode::Up | KeyCode::Char('k') => {
            model.select(-1);
            Reaction::Redraw
        }
        KeyCode::Down | KeyCode::Char('j') => {
            model.select(1);
            Reaction::Redraw
        }
        KeyCode::Char('c' | 'C') => {
            match model.selected() {
                Some((_, group)) => {
                    let group = group.to_owned();
                    model.set_mode(Mode::ConfirmCancel(group));
                }
                None => model.say("no group to cancel".to_owned(), true),
            }
            Reaction::Redraw
        }
        _ => Reaction::Redraw,
    }
}

fn size_prompt(model: &mut Model, code: KeyCode) -> Reaction {
    match code {
        KeyCode::Esc => {
            model.set_mode(Mode::Normal);
            Reaction::Redraw
        }
        KeyCode::Enter => {
            let text = model.size_input().map(std::mem::take).unwrap_or_default();
            model.set_mode(Mode::Normal);
            match parse_size(&text) {
                Ok(size) => Reaction::Send(Command::SetPoolSize { size }),
                Err(error) => {
                    model.say(error, true);
                    Reaction::Redraw
                }
            }
        }
        KeyCode::Backspace => {
            if let Some(text) = model.size_input() {
                text.pop();
            }
            Reaction::Redraw
        }
        // Digits and the letters of "none"; a size has no more than 20
        // digits, so the prompt cannot grow without bound.
        KeyCode::Char(c) if c.is_ascii_alphanumeric() => {
            if let Some(text) = model.size_input().filter(|text| text.len() < 20) {
                text.push(c);
            }
            Reaction::Redraw
        }
        _ => Reaction::Redraw,
    }
}

/// A size limit as typed: a number of at least 1, or `none` for no limit.
fn parse_size(text: &str) -> Result<Option<usize>, String> {
    match text.trim() {
        "none" | "unlimited" => Ok(None),
        text => match text.parse::<usize>() {
            Ok(0) => Err("the size must be at least 1 (or none)".to_owned()),
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(format!("'{text}' is not a size: type a number, or none")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_size_prompt_reads_a_number_or_none() {
        let mut model = Model::new("test".into(), None);
        assert_eq!(on_key(&mut model, key(KeyCode::Char('s'))), Reaction::Redraw);
        for c in "12".chars() {
            on_key(&mut model, key(KeyCode::Char(c)));
        }
        assert_eq!(model.mode(), &Mode::Size("12".into()));
        assert_eq!(
            on_key(&mut model, key(KeyCode::Enter)),
            Reaction::Send(Command::SetPoolSize { size: Some(12) })
        );
        assert_eq!(model.mode(), &Mode::Normal);
        assert_eq!(parse_size("none"), Ok(None));
        assert!(parse_size("0").is_err());
        assert!(parse_size("x").is_err());
    }

    #[test]
    fn ctrl_c_leaves_from_a_prompt() {
        let mut model = Model::new("test".into(), None);
        on_key(&mut model, key(KeyCode::Char('s')));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(on_key(&mut model, ctrl_c), Reaction::Quit);
    }
}
