//! What the screen shows: the pool as last polled, the rates and history
//! made from the polls, the connection, the selected group, the prompt and
//! the last message. Changed only through the methods here, by the
//! poller's updates and by the keys.

use std::time::{Duration, Instant};

use serde_json::Value;
use taskpool_protocol::{Command, ServerHello, StatusReply, TasksReply};

use super::history::History;
use super::poller::Update;
use super::rates::{Rates, Sample};

/// The state of the session behind the view.
#[derive(Debug)]
pub(crate) enum Link {
    /// The first attempt is under way.
    Connecting,
    Connected,
    /// No session; the next attempt is at `retry_at`.
    Disconnected {
        error: String,
        retry_at: Instant,
    },
}

/// What the keys do now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    /// Typing a new size limit.
    Size(String),
    /// Asking whether to cancel this group.
    ConfirmCancel(String),
}

/// A line for the operator: what a command did, or why it was refused.
#[derive(Debug)]
pub(crate) struct Message {
    pub(crate) text: String,
    pub(crate) is_error: bool,
    pub(crate) at: Instant,
}

/// The shortest time a rate is measured over.
const RATE_WINDOW: Duration = Duration::from_millis(900);

/// How long a message stays on the status line.
const MESSAGE_TTL: Duration = Duration::from_secs(8);

#[derive(Debug)]
pub(crate) struct Model {
    /// The server's address as the user gave it.
    target: String,
    server: Option<ServerHello>,
    link: Link,
    status: Option<StatusReply>,
    tasks: Option<TasksReply>,
    /// The previous poll's counters, for the rates; forgotten when the
    /// session is, since the next one may reach another pool.
    last: Option<Sample>,
    /// Starts owed to later polls (see [`Rates::between`]).
    owed: u64,
    rates: Option<Rates>,
    history: History,
    /// The selected group: its place in the list, and its name, which is
    /// what `c` cancels and what keeps the selection on the same group
    /// when others come and go.
    selected: Option<(usize, String)>,
    mode: Mode,
    message: Option<Message>,
}

impl Model {
    /// A model for a view of `target`, with the hello of the session it
    /// starts on, if any.
    pub(crate) fn new(target: String, server: Option<ServerHello>) -> Model {
        let link = match server {
            Some(_) => Link::Connected,
            None => Link::Connecting,
        };
        Model {
            target,
            server,
            link,
            status: None,
            tasks: None,
            last: None,
            owed: 0,
            rates: None,
            history: History::default(),
            selected: None,
            mode: Mode::Normal,
            message: None,
        }
    }

    /// Takes in what the poller says.
    pub(crate) fn apply(&mut self, update: Update) {
        match update {
            Update::Connected(server) => {
                self.server = Some(server);
                self.link = Link::Connected;
            }
            Update::Polled { at, status, tasks } => self.polled(at, status, tasks),
            Update::Done { command, result } => self.done(&command, result),
            Update::Disconnected { error, retry_at } => {
                self.link = Link::Disconnected { error, retry_at };
                self.last = None;
                self.owed = 0;
                self.rates = None;
            }
        }
    }

    fn polled(&mut self, at: Instant, status: StatusReply, tasks: Option<TasksReply>) {
        let sample = Sample::new(at, &status);
        match self.last {
            // Too soon for a rate (the poll that follows a command at
            // once): one start in 20 ms would show as 50 a second. The
            // rates stay as they are until a full window has passed since
            // the sample they start from.
            Some(last) if at.saturating_duration_since(last.at) < RATE_WINDOW => {}
            Some(last) => {
                match Rates::between(&last, &sample, self.owed) {
                    Some((rates, owed)) => {
                        self.rates = Some(rates);
                        self.owed = owed;
                    }
                    None => {
                        self.rates = None;
                        self.owed = 0;
                    }
                }
                self.last = Some(sample);
            }
            None => self.last = Some(sample),
        }
        self.history.push(at, status.running as u64);
        self.selected = match self.selected.take() {
            _ if status.groups.is_empty() => None,
            Some((index, name)) => match status.groups.iter().position(|g| g.name == name) {
                Some(index) => Some((index, name)),
                // Gone: the group now in its place, as a list view does.
                None => {
                    let index = index.min(status.groups.len() - 1);
                    Some((index, status.groups[index].name.clone()))
                }
            },
            None => Some((0, status.groups[0].name.clone())),
        };
        self.status = Some(status);
        self.tasks = tasks;
    }

    fn done(&mut self, command: &Command, result: Result<Value, String>) {
        let (text, is_error) = match result {
            Ok(value) => (done_text(command, &value), false),
            Err(error) => (format!("{command}: {error}"), true),
        };
        self.say(text, is_error);
    }

    /// Shows a message on the status line for a while.
    pub(crate) fn say(&mut self, text: String, is_error: bool) {
        self.message = Some(Message { text, is_error, at: Instant::now() });
    }

    /// Moves the selection `by` groups down (up when negative), staying in
    /// the list.
    pub(crate) fn select(&mut self, by: isize) {
        let Some(groups) = self.status.as_ref().map(|s| &s.groups).filter(|g| !g.is_empty()) else {
            return;
        };
        let current = self.selected.as_ref().map_or(0, |(index, _)| *index);
        let index = current.saturating_add_signed(by).min(groups.len() - 1);
        self.selected = Some((index, groups[index].name.clone()));
    }

    pub(crate) fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
    }

    /// The text typed at the size prompt, to edit.
    pub(crate) fn size_input(&mut self) -> Option<&mut String> {
        match &mut self.mode {
            Mode::Size(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn mode(&self) -> &Mode {
        &self.mode
    }

    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    pub(crate) fn server(&self) -> Option<&ServerHello> {
        self.server.as_ref()
    }

    pub(crate) fn link(&self) -> &Link {
        &self.link
    }

    pub(crate) fn status(&self) -> Option<&StatusReply> {
        self.status.as_ref()
    }

    pub(crate) fn tasks(&self) -> Option<&TasksReply> {
        self.tasks.as_ref()
    }

    pub(crate) fn rates(&self) -> Option<&Rates> {
        self.rates.as_ref()
    }

    pub(crate) fn history(&self) -> &History {
        &self.history
    }

    /// The selected group's place in the list and its name.
    pub(crate) fn selected(&self) -> Option<(usize, &str)> {
        self.selected.as_ref().map(|(index, name)| (*index, name.as_str()))
    }

    /// The message to show at `now`, if it is recent enough.
    pub(crate) fn message(&self, now: Instant) -> Option<&Message> {
        self.message.as_ref().filter(|m| now.duration_since(m.at) < MESSAGE_TTL)
    }
}

/// What a command did, in words.
fn done_text(command: &Command, value: &Value) -> String {
    match command {
        Command::Start { n } => format!("started {n} worker{}", plural(*n)),
        Command::Stop { .. } => match value.as_array().map(Vec::len) {
            Some(0) => "no worker to stop".to_owned(),
            Some(n) => format!("stopped {n} worker{}", plural(n)),
            None => "stopped".to_owned(),
        },
        Command::SetPoolSize { size: Some(size) } => format!("size set to {size}"),
        Command::SetPoolSize { size: None } => "size set to unlimited".to_owned(),
        Command::Lock => "locked: the pool refuses new groups".to_owned(),
        Command::Unlock => "unlocked".to_owned(),
        Command::CancelGroup { group } => format!("cancelled group '{group}'"),
        _ => format!("{command}: ok"),
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
