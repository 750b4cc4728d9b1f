//! The session behind the view: polls the pool, runs the commands the keys
//! ask for, and connects again with backoff when the server goes away.

use std::time::{Duration, Instant};

use serde_json::Value;
use taskpool_protocol::{ClientError, Command, ControlClient, ServerHello, StatusReply, TasksReply};
use tokio::sync::mpsc;

use crate::connect::{bounded, Connector};

/// The first wait before connecting again, doubled after each failure up
/// to [`MAX_BACKOFF`]: quick after a blip, gentle on a server that is down.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(16);

/// What the poller tells the screen.
#[derive(Debug)]
pub(crate) enum Update {
    /// A session is open (again).
    Connected(ServerHello),
    /// A poll: the pool's status and its running tasks, when they arrived.
    Polled { at: Instant, status: StatusReply, tasks: Option<TasksReply> },
    /// A command the keys asked for has been answered, or refused; the
    /// error is the server's or the connection's message.
    Done { command: Command, result: Result<Value, String> },
    /// No session: why, and when the next attempt is.
    Disconnected { error: String, retry_at: Instant },
}

/// Runs until `commands` closes (the view is leaving); returns the session
/// it then has, for an interactive session to go on with.
///
/// Every call on the session is made here, one at a time, and none is
/// raced against anything: a call dropped half-way would leave the
/// connection unusable (`ClientError::Broken`). Only the waits between
/// calls and the connecting (cancel safe) are raced against the commands.
pub(crate) async fn run(
    connector: Connector,
    mut client: Option<ControlClient>,
    interval: Duration,
    mut commands: mpsc::UnboundedReceiver<Command>,
    updates: mpsc::UnboundedSender<Update>,
) -> Option<ControlClient> {
    let mut backoff = FIRST_BACKOFF;
    loop {
        let Some(session) = client.as_mut() else {
            client = Some(connect(&connector, &mut commands, &updates, &mut backoff).await?);
            continue;
        };
        let next_poll = tokio::time::Instant::now() + interval;
        if let Err(e) = poll(session, connector.timeout, &updates).await {
            client = lost(e, &updates, &mut backoff);
            continue;
        }
        // Wait for the next poll, running commands meanwhile; each command
        // is followed by a poll at once, so its effect shows.
        let command = tokio::select! {
            () = tokio::time::sleep_until(next_poll) => continue,
            command = commands.recv() => command,
        };
        let Some(command) = command else { return client };
        match bounded(connector.timeout, session.call(&command)).await {
            Ok(value) => send(&updates, Update::Done { command, result: Ok(value) }),
            Err(ClientError::Remote(e)) => {
                send(&updates, Update::Done { command, result: Err(e.message().to_owned()) })
            }
            Err(e) => {
                let message = format!("{:#}", anyhow::Error::new(e));
                send(&updates, Update::Done { command, result: Err(message.clone()) });
                client = lost_message(message, &updates, &mut backoff);
            }
        }
    }
}

/// One poll: `status`, then `tasks` for the oldest running tasks. A server
/// that refuses `tasks` (an older one) still gives a view without them.
async fn poll(
    session: &mut ControlClient,
    timeout: Duration,
    updates: &mpsc::UnboundedSender<Update>,
) -> Result<(), ClientError> {
    let status = bounded(timeout, session.status()).await?;
    let at = Instant::now();
    let tasks = match bounded(timeout, session.tasks()).await {
        Ok(tasks) => Some(tasks),
        Err(ClientError::Remote(_)) => None,
        Err(e) => return Err(e),
    };
    send(updates, Update::Polled { at, status, tasks });
    Ok(())
}

/// Connects, waiting `backoff` (then longer) between attempts. Commands
/// that come meanwhile are answered as refused. `None` when the view is
/// leaving.
async fn connect(
    connector: &Connector,
    commands: &mut mpsc::UnboundedReceiver<Command>,
    updates: &mpsc::UnboundedSender<Update>,
    backoff: &mut Duration,
) -> Option<ControlClient> {
    loop {
        // Connecting is cancel safe: leaving drops the half-open connection.
        // Commands that come meanwhile are refused without starting the
        // attempt over.
        let connecting = connector.connect();
        tokio::pin!(connecting);
        let attempt = loop {
            tokio::select! {
                attempt = &mut connecting => break attempt,
                command = commands.recv() => match command {
                    Some(command) => refuse(command, updates),
                    None => return None,
                },
            }
        };
        match attempt {
            Ok(session) => {
                *backoff = FIRST_BACKOFF;
                send(updates, Update::Connected(session.server().clone()));
                return Some(session);
            }
            Err(e) => {
                let wait = next_backoff(backoff);
                let retry_at = tokio::time::Instant::now() + wait;
                send(
                    updates,
                    Update::Disconnected { error: format!("{e:#}"), retry_at: retry_at.into_std() },
                );
                loop {
                    tokio::select! {
                        () = tokio::time::sleep_until(retry_at) => break,
                        command = commands.recv() => match command {
                            Some(command) => refuse(command, updates),
                            None => return None,
                        },
                    }
                }
            }
        }
    }
}

/// The session is gone: says so, and starts the backoff from its start.
fn lost(
    e: ClientError,
    updates: &mpsc::UnboundedSender<Update>,
    backoff: &mut Duration,
) -> Option<ControlClient> {
    lost_message(format!("{:#}", anyhow::Error::new(e)), updates, backoff)
}

fn lost_message(
    error: String,
    updates: &mpsc::UnboundedSender<Update>,
    backoff: &mut Duration,
) -> Option<ControlClient> {
    // The first attempt is at once: the server may only have dropped this
    // one connection (an idle timeout, a restart that is already over).
    *backoff = FIRST_BACKOFF;
    send(updates, Update::Disconnected { error, retry_at: Instant::now() });
    None
}

/// The wait before the next attempt, doubling the one after it.
fn next_backoff(backoff: &mut Duration) -> Duration {
    let wait = *backoff;
    *backoff = (*backoff * 2).min(MAX_BACKOFF);
    wait
}

fn refuse(command: Command, updates: &mpsc::UnboundedSender<Update>) {
    send(updates, Update::Done { command, result: Err("not connected".to_owned()) });
}

/// Sends to the screen; a screen that has left has nothing to show.
fn send(updates: &mpsc::UnboundedSender<Update>, update: Update) {
    let _ = updates.send(update);
}
