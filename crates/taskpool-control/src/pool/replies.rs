//! The pool's own types as the protocol's replies and errors. They live
//! here, not as `From` impls in either crate, because the protocol crate
//! knows nothing of the pool.

use std::fmt::Display;

use taskpool_protocol::{
    ErrorKind, FlushReply, GroupReply, RemoteError, RetireReply, StatusReply, TaskReply,
};
use tokio_taskpool::{
    CancelError, GracefulStop, GroupNotFound, PoolReport, PoolStatus, SpawnError, TaskInfo,
};

/// `status`: the pool's snapshot, with at most `max_rows` groups (the
/// oldest).
pub(crate) fn status_reply(status: PoolStatus, max_rows: usize) -> StatusReply {
    let mut reply = StatusReply::new(status.name);
    reply.pool_size = status.pool_size;
    reply.running = status.running;
    reply.waiting = status.waiting;
    reply.cancelled = status.cancelled;
    reply.ended = status.ended;
    reply.failed = status.failed;
    reply.locked = status.locked;
    reply.closed = status.closed;
    reply.num_groups = status.groups.len();
    reply.groups_truncated = status.groups.len() > max_rows;
    reply.groups = status
        .groups
        .into_iter()
        .take(max_rows)
        .map(|g| {
            let mut group = GroupReply::new(g.name, g.kind.to_string());
            group.tasks = g.tasks;
            group.started = g.started;
            group.spawning = g.spawning;
            group
        })
        .collect();
    reply
}

/// One row of `tasks`.
pub(crate) fn task_reply(task: TaskInfo) -> TaskReply {
    TaskReply::new(task.id.as_u64(), task.group, task.age.as_secs_f64())
}

/// `flush`: the failures since the last report.
pub(crate) fn flush_reply(report: PoolReport) -> FlushReply {
    FlushReply::new(report.num_failed(), report.failures().iter().map(ToString::to_string).collect())
}

/// `retire`: which workers stopped in time and which were dropped.
pub(crate) fn retire_reply(stop: GracefulStop) -> RetireReply {
    RetireReply::new(stop.stopped_in_time(), stop.dropped().iter().map(|id| id.as_u64()).collect())
}

/// The pool's refusals, each with its own stable `kind` word.
pub(crate) trait PoolRefusal: Display {
    fn kind(&self) -> &'static str;
}

impl PoolRefusal for SpawnError {
    fn kind(&self) -> &'static str {
        SpawnError::kind(self)
    }
}

impl PoolRefusal for CancelError {
    fn kind(&self) -> &'static str {
        CancelError::kind(self)
    }
}

impl PoolRefusal for GroupNotFound {
    fn kind(&self) -> &'static str {
        GroupNotFound::kind(self)
    }
}

/// A refusal of the pool as the wire's error: its kind and its message.
pub(crate) fn refused(err: impl PoolRefusal) -> RemoteError {
    RemoteError::new(ErrorKind::from_word(err.kind()), err.to_string())
}

/// A `bad_argument` error with `message`.
pub(crate) fn bad_argument(message: impl Into<String>) -> RemoteError {
    RemoteError::new(ErrorKind::BadArgument, message)
}
