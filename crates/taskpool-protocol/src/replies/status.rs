use std::fmt;

use serde::{Deserialize, Serialize};

use super::table::table;
use super::GroupReply;

/// The result of `status`.
///
/// ```
/// use taskpool_protocol::{GroupReply, StatusReply};
///
/// let mut status = StatusReply::new("TaskPool-docs");
/// status.pool_size = Some(4);
/// status.running = 2;
/// let mut group = GroupReply::new("workers", "apply");
/// group.tasks = 2;
/// status.groups.push(group);
/// assert!(status.to_string().starts_with("TaskPool-docs (open)\nsize 4, running 2"));
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
    /// The alive groups, oldest first; the oldest ones only when
    /// `groups_truncated`.
    pub groups: Vec<GroupReply>,
    /// How many groups were alive in all.
    #[serde(default)]
    pub num_groups: usize,
    /// Whether `groups` is cut short at the server's row limit.
    #[serde(default)]
    pub groups_truncated: bool,
}

impl StatusReply {
    /// The status of an open, empty pool named `name`: no size limit, every
    /// count zero, no groups. A server sets the fields from the pool's own
    /// status.
    pub fn new(name: impl Into<String>) -> StatusReply {
        StatusReply {
            name: name.into(),
            pool_size: None,
            running: 0,
            waiting: 0,
            cancelled: 0,
            ended: 0,
            failed: 0,
            locked: false,
            closed: false,
            groups: Vec::new(),
            num_groups: 0,
            groups_truncated: false,
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
        if self.groups.is_empty() && !self.groups_truncated {
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
        write!(f, "\n{}", table(["GROUP", "KIND", "TASKS", "STARTED", "SPAWNING"], &rows))?;
        if self.groups_truncated {
            let more = self.num_groups.saturating_sub(self.groups.len());
            write!(f, "\n(truncated: {more} more not shown, {} groups in all)", self.num_groups)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FlushReply, TasksReply};

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
            num_groups: 2,
            groups_truncated: false,
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
    fn a_truncated_status_says_how_many_groups_are_not_shown() {
        let mut status = StatusReply::new("TaskPool-x");
        status.groups.push(GroupReply::new("g", "apply"));
        status.num_groups = 1000;
        status.groups_truncated = true;
        assert!(
            status.to_string().ends_with(
                "\ng      apply  0      0        no\n(truncated: 999 more not shown, 1000 groups in all)"
            ),
            "{status}"
        );
        // A status of an older server, without the new fields, still reads.
        let old: StatusReply = serde_json::from_str(
            r#"{"name":"p","pool_size":null,"running":0,"waiting":0,"cancelled":0,"ended":0,"failed":0,"locked":false,"closed":false,"groups":[]}"#,
        )
        .unwrap();
        assert!(!old.groups_truncated);
    }

    #[test]
    fn empty_replies_say_so() {
        assert_eq!(TasksReply::default().to_string(), "no running tasks");
        assert_eq!(FlushReply { num_failed: 0, failures: vec![] }.to_string(), "ok");
        let flush = FlushReply { num_failed: 2, failures: vec!["task 1 panicked: x".into()] };
        assert_eq!(flush.to_string(), "2 failed\ntask 1 panicked: x");
    }
}
