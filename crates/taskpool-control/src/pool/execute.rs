//! Runs a parsed command against the pool, through the pool's public API only.

use std::time::Duration;

use serde_json::{json, Value};

use taskpool_protocol::{Command, ErrorKind, PoolKind, RemoteError, TasksReply};
use tokio_taskpool::{SimpleTaskPool, TaskId, TaskPool};

use super::replies::{bad_argument, flush_reply, refused, retire_reply, status_reply, task_reply};
use super::ControlledPool;
use crate::escaped::Escaped;
use crate::net::Peer;
use crate::server::{Access, Shared};

/// Runs `command` for `peer` and returns its result: `null` for a command
/// that only acts. Every command that may change the pool is logged, with
/// its outcome, at info level.
///
/// Cancel safety: only `flush` and `retire` wait. `flush` is cancel safe;
/// a `retire` cut short (its session gone) leaves the workers asked to stop
/// but cancels none. Every other command completes before its first await
/// point.
pub(crate) async fn execute(
    shared: &Shared,
    command: &Command,
    peer: &Peer,
    access: Access,
) -> Result<Value, RemoteError> {
    let pool = shared.pool.handle();
    if access == Access::ReadOnly && !command.is_query() {
        tracing::debug!(%peer, pool = %pool, command = command.name(), "read-only control server refused a command");
        return Err(RemoteError::new(
            ErrorKind::ReadOnly,
            if shared.config.read_only {
                format!(
                    "this control server of {pool} is read-only; '{}' would change the pool",
                    command.name()
                )
            } else {
                format!(
                    "this session of {pool} has a read-only token; '{}' would change the pool",
                    command.name()
                )
            },
        ));
    }
    if !command.applies_to(shared.pool.kind()) {
        return Err(RemoteError::new(
            ErrorKind::Unsupported,
            format!("'{}' does not apply to {pool}, a {}", command.name(), shared.pool.kind()),
        ));
    }
    let result = match too_many_tasks(shared, command) {
        Some(e) => Err(e),
        None => run(shared, command).await,
    };
    if !command.is_query() {
        // The command and the error carry the client's text: escaped, so
        // that it cannot forge a log line.
        let text = truncated(command.to_string(), 200);
        let command = Escaped(&text);
        match &result {
            Ok(_) => tracing::info!(%peer, pool = %pool, %command, "control command done"),
            Err(e) => {
                let error = e.to_string();
                let error = Escaped(&error);
                tracing::info!(%peer, pool = %pool, %command, %error, "control command refused")
            }
        }
    }
    result
}

async fn run(shared: &Shared, command: &Command) -> Result<Value, RemoteError> {
    let pool = shared.pool.handle();
    Ok(match command {
        Command::Help { command } => {
            let simple = shared.pool.kind() == PoolKind::SimpleTaskPool;
            json!(Command::help(command.as_deref(), simple)?)
        }
        Command::PoolSize => json!(pool.pool_size()),
        Command::SetPoolSize { size } => {
            pool.set_pool_size(*size);
            Value::Null
        }
        Command::Lock => {
            pool.lock();
            Value::Null
        }
        Command::Unlock => {
            pool.unlock();
            Value::Null
        }
        Command::IsLocked => json!(pool.is_locked()),
        Command::IsClosed => json!(pool.is_closed()),
        Command::IsFull => json!(pool.is_full()),
        Command::NumRunning => json!(pool.num_running()),
        Command::NumWaiting => json!(pool.num_waiting()),
        Command::NumCancelled => json!(pool.num_cancelled()),
        Command::NumEnded => json!(pool.num_ended()),
        Command::NumFailed => json!(pool.num_failed()),
        Command::GroupIds { groups } => {
            let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
            ids(pool.group_ids(&groups).map_err(refused)?)
        }
        Command::Cancel { ids } => {
            if ids.is_empty() {
                return Err(bad_argument("cancel: expected at least one task ID"));
            }
            let ids: Vec<TaskId> = ids.iter().copied().map(TaskId::from).collect();
            pool.cancel(&ids).map_err(refused)?;
            Value::Null
        }
        Command::CancelGroup { group } => {
            pool.cancel_group(group).map_err(refused)?;
            Value::Null
        }
        Command::CancelAll => {
            pool.cancel_all();
            Value::Null
        }
        Command::Flush => json!(flush_reply(pool.flush().await)),
        Command::Status => json!(status_reply(pool.status(), shared.config.max_reply_rows)),
        Command::Tasks => {
            // Only the rows that go out are read from the pool (oldest
            // first, by ID), so the pool's lock is held for those alone; the
            // reply says how many there were in all.
            let (tasks, total) = pool.running_tasks_up_to(shared.config.max_reply_rows);
            json!(TasksReply::new(tasks.into_iter().map(task_reply).collect(), total))
        }
        Command::Registered => json!(shared.registry.list()),
        Command::Start { n } => {
            if *n == 0 {
                return Err(bad_argument("start: N must be at least 1"));
            }
            json!(simple(shared)?.start(*n).map_err(refused)?.name())
        }
        Command::Stop { n } => ids(simple(shared)?.stop(*n)),
        Command::StopAll => ids(simple(shared)?.stop_all()),
        Command::Retire { n, timeout_secs } => {
            let retired = simple(shared)?.retire(*n, Duration::from_secs(*timeout_secs)).await;
            json!(retire_reply(retired))
        }
        Command::Apply { function, argument, num, group } => {
            if *num == 0 {
                return Err(bad_argument("apply: -n must be at least 1"));
            }
            let name =
                shared.registry.apply(task_pool(shared)?, function, argument.clone(), *num, group.clone())?;
            json!(name)
        }
        Command::Map { style, function, items, num_concurrent, group } => {
            if *num_concurrent == 0 {
                return Err(bad_argument(format!("{}: -n must be at least 1", style.as_str())));
            }
            let pool = task_pool(shared)?;
            json!(shared.registry.map(
                pool,
                function,
                *style,
                items.clone(),
                *num_concurrent,
                group.clone()
            )?)
        }
        // A command of a newer protocol crate than this server knows.
        other => {
            return Err(RemoteError::new(
                ErrorKind::Unsupported,
                format!("this control server does not know '{}'", other.name()),
            ))
        }
    })
}

/// The refusal of a command that asks for more tasks than the server lets
/// one command start.
fn too_many_tasks(shared: &Shared, command: &Command) -> Option<RemoteError> {
    let (asked, what) = match command {
        Command::Start { n } => (*n, "N asks"),
        Command::Apply { num, .. } => (*num, "-n asks"),
        Command::Map { items, .. } => (items.len(), "the items ask"),
        _ => return None,
    };
    let max = shared.config.max_tasks_per_command;
    (asked > max).then(|| {
        RemoteError::new(
            ErrorKind::TooManyTasks,
            format!(
                "{}: {what} for {asked} tasks; this control server starts at most {max} per command",
                command.name()
            ),
        )
    })
}

fn ids(ids: impl IntoIterator<Item = TaskId>) -> Value {
    json!(ids.into_iter().map(TaskId::as_u64).collect::<Vec<_>>())
}

fn simple(shared: &Shared) -> Result<&SimpleTaskPool, RemoteError> {
    match &shared.pool {
        ControlledPool::SimpleTaskPool(pool) => Ok(pool),
        ControlledPool::TaskPool(pool) => Err(RemoteError::new(
            ErrorKind::Unsupported,
            format!("{pool} is a TaskPool, not a SimpleTaskPool"),
        )),
    }
}

fn task_pool(shared: &Shared) -> Result<&TaskPool, RemoteError> {
    match &shared.pool {
        ControlledPool::TaskPool(pool) => Ok(pool),
        ControlledPool::SimpleTaskPool(pool) => Err(RemoteError::new(
            ErrorKind::Unsupported,
            format!("{pool} is a SimpleTaskPool, not a TaskPool"),
        )),
    }
}

fn truncated(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}
