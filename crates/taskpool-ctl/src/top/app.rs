//! The screen loop: draws the model, feeds it the keys and the poller's
//! updates, and hands the session back when the view is left.

use std::io::{self, IsTerminal};
use std::time::{Duration, Instant};

use anyhow::Context;
use crossterm::event::Event;
use taskpool_protocol::{Command, ControlClient};
use tokio::runtime::Runtime;
use tokio::sync::mpsc;

use super::input::{self, Reaction};
use super::keys::Keys;
use super::model::Model;
use super::options::TopOptions;
use super::poller::{self, Update};
use super::terminal::FullScreen;
use super::view;
use crate::connect::Connector;

/// How often the screen is redrawn without news: enough for the
/// reconnect countdown and for messages to go away.
const REDRAW: Duration = Duration::from_millis(250);

/// How long a leaving view waits for the poller to hand back the session
/// (it may be waiting on a slow server); after that the session is
/// dropped and the next command connects again.
const HAND_BACK: Duration = Duration::from_secs(1);

/// Runs the live view until `q` or Ctrl-C, starting on `client` when
/// given. Returns the session the view ends with, if it has one.
///
/// # Errors
///
/// When stdin or stdout is not a terminal, or the terminal fails.
pub(crate) fn run(
    runtime: &Runtime,
    connector: &Connector,
    client: Option<ControlClient>,
    options: &TopOptions,
) -> anyhow::Result<Option<ControlClient>> {
    if !io::stdin().is_terminal() || !io::stdout().is_terminal() {
        anyhow::bail!("top needs a terminal: its input and output cannot be redirected");
    }
    let model = Model::new(connector.describe(), client.as_ref().map(|c| c.server().clone()));
    runtime.block_on(async {
        let mut screen = FullScreen::enter().context("cannot open the full-screen view")?;
        let (key_sender, keys) = mpsc::unbounded_channel();
        let reader = Keys::start(key_sender).context("cannot read the keyboard")?;
        let (command_sender, commands) = mpsc::unbounded_channel();
        let (update_sender, updates) = mpsc::unbounded_channel();
        let mut poller =
            tokio::spawn(poller::run(connector.clone(), client, options.interval, commands, update_sender));

        let result = screen_loop(&mut screen, model, keys, updates, command_sender).await;
        // The keyboard first, then the screen: nothing reads or draws on
        // the terminal once it is given back.
        drop(reader);
        drop(screen);
        // `command_sender` is gone with the loop, which tells the poller
        // to stop.
        let client = match tokio::time::timeout(HAND_BACK, &mut poller).await {
            Ok(Ok(client)) => client,
            _ => {
                poller.abort();
                None
            }
        };
        result.map(|()| client)
    })
}

async fn screen_loop(
    screen: &mut FullScreen,
    mut model: Model,
    mut keys: mpsc::UnboundedReceiver<io::Result<Event>>,
    mut updates: mpsc::UnboundedReceiver<Update>,
    commands: mpsc::UnboundedSender<Command>,
) -> anyhow::Result<()> {
    let mut redraw = tokio::time::interval(REDRAW);
    redraw.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        // Each draw asks the terminal for its size, so a resize shows at
        // the next draw, which its event brings at once.
        screen.terminal().draw(|frame| view::draw(frame, &model, Instant::now())).context("cannot draw")?;
        tokio::select! {
            event = keys.recv() => match event {
                Some(Ok(Event::Key(key))) => match input::on_key(&mut model, key) {
                    Reaction::Quit => return Ok(()),
                    Reaction::Send(command) => {
                        model.say(format!("{command} ..."), false);
                        // The poller answers every command, even when it
                        // cannot send it (`Update::Done`); it outlives
                        // this loop, so the send cannot fail.
                        let _ = commands.send(command);
                    }
                    Reaction::Redraw => {}
                },
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(anyhow::Error::new(e).context("cannot read the keyboard")),
                None => anyhow::bail!("the keyboard reader stopped"),
            },
            update = updates.recv() => match update {
                Some(update) => model.apply(update),
                None => anyhow::bail!("the poller stopped"),
            },
            _ = redraw.tick() => {}
        }
    }
}
