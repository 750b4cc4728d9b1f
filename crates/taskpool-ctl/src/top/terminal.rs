//! The terminal in full-screen mode, and always put back: when the view
//! ends, when it fails, and when it panics.

use std::io::{self, Stdout};
use std::panic::{self, PanicHookInfo};
use std::sync::Arc;

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

type Hook = dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static;

/// Raw mode and the alternate screen while it lives; the terminal as it
/// was once it is dropped.
pub(crate) struct FullScreen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    /// The panic hook before ours, put back on drop so that a session that
    /// opens the view again does not stack hooks.
    previous_hook: Arc<Hook>,
}

impl FullScreen {
    /// Enters raw mode and the alternate screen, and installs a panic hook
    /// that leaves them before the panic message is printed (on the
    /// alternate screen it would be wiped at once, and in raw mode it would
    /// be a staircase).
    pub(crate) fn enter() -> io::Result<FullScreen> {
        let previous_hook: Arc<Hook> = Arc::from(panic::take_hook());
        let hook = Arc::clone(&previous_hook);
        panic::set_hook(Box::new(move |info| {
            restore();
            hook(info);
        }));
        // From here on, a failure leaves through `restore` too.
        let entered = enable_raw_mode()
            .and_then(|()| execute!(io::stdout(), EnterAlternateScreen))
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match entered {
            Ok(terminal) => Ok(FullScreen { terminal, previous_hook }),
            Err(e) => {
                restore();
                let hook = Arc::clone(&previous_hook);
                panic::set_hook(Box::new(move |info| hook(info)));
                Err(e)
            }
        }
    }

    pub(crate) fn terminal(&mut self) -> &mut Terminal<CrosstermBackend<Stdout>> {
        &mut self.terminal
    }
}

impl Drop for FullScreen {
    fn drop(&mut self) {
        restore();
        let hook = Arc::clone(&self.previous_hook);
        // Setting a hook from a panicking thread panics; the hook stays
        // ours then, which restores a terminal already restored: harmless.
        if !std::thread::panicking() {
            panic::set_hook(Box::new(move |info| hook(info)));
        }
    }
}

/// Leaves the alternate screen and raw mode and shows the cursor. Safe to
/// call more than once, and in any state: each step is undone only if it
/// applies, and a failure to undo one does not stop the others.
fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}
