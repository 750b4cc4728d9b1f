//! The keyboard, read on a thread of its own: crossterm's reading blocks,
//! and the screen loop must keep drawing and taking updates meanwhile.

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossterm::event::{self, Event};
use tokio::sync::mpsc;

/// How long the reader waits for a key before looking whether it should
/// stop: the longest a leaving view waits for it.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// The reading thread; stopped and joined on drop, so that nothing reads
/// the terminal once the view is gone (an interactive session's line
/// editor reads it next).
pub(crate) struct Keys {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Keys {
    /// Starts reading; terminal events (keys, resizes) and a read error,
    /// after which it stops, go to `events`.
    pub(crate) fn start(events: mpsc::UnboundedSender<io::Result<Event>>) -> io::Result<Keys> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::Builder::new().name("taskpool-ctl-keys".into()).spawn(move || {
            // Relaxed: the flag orders nothing else; the join in `drop`
            // is what the view waits on.
            while !stopping.load(Ordering::Relaxed) {
                let event = match event::poll(STOP_CHECK) {
                    Ok(false) => continue,
                    Ok(true) => event::read(),
                    Err(e) => Err(e),
                };
                let failed = event.is_err();
                if events.send(event).is_err() || failed {
                    break;
                }
            }
        })?;
        Ok(Keys { stop, thread: Some(thread) })
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
