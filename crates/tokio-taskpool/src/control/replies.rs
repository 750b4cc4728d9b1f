//! The `result` shapes of the commands whose answer is more than a number
//! or a flag, as they travel in JSON mode. The text mode and `taskpool-ctl`
//! print them as tables through their `Display`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{PoolReport, PoolStatus, TaskInfo};

/// The result of `status`.
///
/// ```
/// use tokio_taskpool::control::StatusReply;
/// use tokio_taskpool::TaskPool;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let pool = TaskPool::builder().name("docs").pool_size(4).build();
/// let status = StatusReply::from(pool.status());
/// assert_eq!(status.pool_size, Some(4));
/// assert!(status.to_string().starts_with("TaskPool-docs"));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusReply {
    /// The pool's display name.
    pub name: String,
    /// The size limit; `None` is unlimited.
    pub pool_size: Option<usize>,
    /// Tasks running now.
    pub running: usize,
    /// Starts waiting for room.
    pub waiting: usize,
    /// Tasks cancelled so far.
    pub cancelled: u64,
    /// Tasks ended so far.
    pub ended: u64,
    /// Panics caught so far.
    pub failed: u64,
    /// Whether the pool refuses new groups.
    pub locked: bool,
    /// Whether the pool is closed.
    pub closed: bool,
    /// The alive groups, oldest first.
    pub groups: Vec<GroupReply>,
}

/// One group in a [`StatusReply`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupReply {
    /// The group's name.
    pub name: String,
    /// How it was made: `apply`, `map`, `map_stream`, `starmap` or `start`.
    pub kind: String,
    /// Its alive tasks.
    pub tasks: usize,
    /// Its tasks started so far.
    pub started: u64,
    /// Whether it is still starting tasks.
    pub spawning: bool,
}

impl From<PoolStatus> for StatusReply {
    fn from(status: PoolStatus) -> Self {
        StatusReply {
            name: status.name,
            pool_size: status.pool_size,
            running: status.running,
            waiting: status.waiting,
            cancelled: status.cancelled,
            ended: status.ended,
            failed: status.failed,
            locked: status.locked,
            closed: status.closed,
            groups: status
                .groups
                .into_iter()
                .map(|g| GroupReply {
                    name: g.name,
                    kind: g.kind.to_string(),
                    tasks: g.tasks,
                    started: g.started,
                    spawning: g.spawning,
                })
                .collect(),
        }
    }
}

impl fmt::Display for StatusReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let size = self.pool_size.map_or_else(|| "unlimited".to_owned(), |s| s.to_string());
        let state = match (self.closed, self.locked) {
            (true, _) => "closed",
            (false, true) => "locked",
            (false, false) => "open",
        };
        writeln!(f, "{} ({state})", self.name)?;
        writeln!(f, "size {size}, running {}, waiting {}", self.running, self.waiting)?;
        write!(f, "ended {}, cancelled {}, failed {}", self.ended, self.cancelled, self.failed)?;
        if self.groups.is_empty() {
            return write!(f, "\nno groups");
        }
        let rows: Vec<[String; 5]> = self
            .groups
            .iter()
            .map(|g| {
                [
                    g.name.clone(),
                    g.kind.clone(),
                    g.tasks.to_string(),
                    g.started.to_string(),
                    if g.spawning { "yes" } else { "no" }.to_owned(),
                ]
            })
            .collect();
        write!(f, "\n{}", table(["GROUP", "KIND", "TASKS", "STARTED", "SPAWNING"], &rows))
    }
}

/// One running task in the result of `tasks`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskReply {
    /// The task's ID.
    pub id: u64,
    /// Its group.
    pub group: String,
    /// Seconds since it started.
    pub age_secs: f64,
}

impl From<TaskInfo> for TaskReply {
    fn from(task: TaskInfo) -> Self {
        TaskReply { id: task.id.as_u64(), group: task.group, age_secs: task.age.as_secs_f64() }
    }
}

/// The result of `tasks`, printable as a table.
///
/// ```
/// use tokio_taskpool::control::TasksReply;
///
/// let tasks: TasksReply = serde_json::from_str(r#"[{"id":3,"group":"g","age_secs":1.5}]"#).unwrap();
/// assert_eq!(tasks.to_string(), "ID  GROUP  AGE\n3   g      1.5s");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TasksReply(pub Vec<TaskReply>);

impl fmt::Display for TasksReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("no running tasks");
        }
        let rows: Vec<[String; 3]> = self
            .0
            .iter()
            .map(|t| [t.id.to_string(), t.group.clone(), format!("{:.1}s", t.age_secs)])
            .collect();
        f.write_str(&table(["ID", "GROUP", "AGE"], &rows))
    }
}

/// The result of `flush`: the failures since the last report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlushReply {
    /// How many panics were caught since the last report.
    pub num_failed: u64,
    /// The most recent of them, in words, oldest first.
    pub failures: Vec<String>,
}

impl From<PoolReport> for FlushReply {
    fn from(report: PoolReport) -> Self {
        FlushReply {
            num_failed: report.num_failed(),
            failures: report.failures().iter().map(ToString::to_string).collect(),
        }
    }
}

impl fmt::Display for FlushReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.num_failed == 0 {
            return f.write_str("ok");
        }
        write!(f, "{} failed", self.num_failed)?;
        for failure in &self.failures {
            write!(f, "\n{failure}")?;
        }
        Ok(())
    }
}

/// The result of `retire`: how many workers stopped in time, and which
/// were dropped at the timeout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RetireReply {
    /// Workers that ended by themselves after being asked.
    pub stopped_in_time: usize,
    /// Workers still running at the timeout, which were cancelled.
    pub dropped: Vec<u64>,
}

impl From<crate::GracefulStop> for RetireReply {
    fn from(stop: crate::GracefulStop) -> Self {
        RetireReply {
            stopped_in_time: stop.stopped_in_time(),
            dropped: stop.dropped().iter().map(|id| id.as_u64()).collect(),
        }
    }
}

impl fmt::Display for RetireReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} stopped in time", self.stopped_in_time)?;
        if !self.dropped.is_empty() {
            let ids: Vec<String> = self.dropped.iter().map(u64::to_string).collect();
            write!(f, "; dropped at the timeout: {}", ids.join(" "))?;
        }
        Ok(())
    }
}

/// One entry of the result of `registered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FunctionInfo {
    /// The name that `apply` and the map commands take.
    pub name: String,
    /// The Rust type of its argument (`std::any::type_name`), which each
    /// JSON argument must deserialize into.
    pub argument: String,
}

/// Left-aligned columns, two spaces apart, no trailing spaces.
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let mut widths = header.map(str::len);
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:w$}  ", w = widths[i]));
            }
        }
        line.trim_end().to_owned()
    };
    let mut out = line(header);
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.each_ref().map(String::as_str)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_prints_a_table_of_groups() {
        let status = StatusReply {
            name: "TaskPool-x".into(),
            pool_size: None,
            running: 3,
            waiting: 1,
            cancelled: 2,
            ended: 5,
            failed: 0,
            locked: true,
            closed: false,
            groups: vec![
                GroupReply {
                    name: "apply-group-0".into(),
                    kind: "apply".into(),
                    tasks: 2,
                    started: 2,
                    spawning: false,
                },
                GroupReply { name: "g".into(), kind: "map".into(), tasks: 1, started: 10, spawning: true },
            ],
        };
        assert_eq!(
            status.to_string(),
            "TaskPool-x (locked)\n\
             size unlimited, running 3, waiting 1\n\
             ended 5, cancelled 2, failed 0\n\
             GROUP          KIND   TASKS  STARTED  SPAWNING\n\
             apply-group-0  apply  2      2        no\n\
             g              map    1      10       yes"
        );
    }

    #[test]
    fn empty_replies_say_so() {
        assert_eq!(TasksReply::default().to_string(), "no running tasks");
        assert_eq!(FlushReply { num_failed: 0, failures: vec![] }.to_string(), "ok");
        let flush = FlushReply { num_failed: 2, failures: vec!["task 1 panicked: x".into()] };
        assert_eq!(flush.to_string(), "2 failed\ntask 1 panicked: x");
    }
}
