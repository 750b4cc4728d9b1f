//! The alive groups of a pool: their records, the index by name, and the
//! default names (`apply-group-3`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::task::AbortHandle;

use super::task_table::GroupKey;
use crate::{GroupKind, TaskId};

/// One alive group: its meta task may still start tasks, or some of its
/// tasks are alive. Forgotten once neither holds.
#[derive(Debug)]
pub(crate) struct GroupRecord {
    pub(crate) name: Arc<str>,
    pub(crate) kind: GroupKind,
    /// Set right after the meta task's spawn.
    pub(crate) meta: Option<AbortHandle>,
    pub(crate) meta_alive: bool,
    /// The oldest and newest alive task of the group (see `TaskEntry::prev`).
    pub(crate) oldest: Option<TaskId>,
    pub(crate) newest: Option<TaskId>,
    /// Alive tasks: running, cancelled or ending.
    pub(crate) alive: usize,
    pub(crate) started: u64,
    /// Starts still wanted by a counted group (apply, start); withdrawn by `stop`.
    pub(crate) remaining: usize,
    /// Set by cancellation and graceful stop: the group starts nothing more.
    pub(crate) closed: bool,
    /// A map group's meta task holds an item and waits for room.
    pub(crate) waiting_for_room: bool,
}

/// The alive groups, by creation order (so that iterating backwards goes
/// newest first) and by name.
#[derive(Debug, Default)]
pub(crate) struct GroupTable {
    records: BTreeMap<GroupKey, GroupRecord>,
    by_name: HashMap<Arc<str>, GroupKey>,
    next_key: GroupKey,
    default_name_counters: HashMap<&'static str, u64>,
}

impl GroupTable {
    pub(crate) fn contains_name(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    pub(crate) fn key_of(&self, name: &str) -> Option<GroupKey> {
        self.by_name.get(name).copied()
    }

    /// The next free default name such as `apply-group-3`.
    pub(crate) fn default_name(&mut self, kind: GroupKind) -> Arc<str> {
        let prefix = kind.default_prefix();
        let counter = self.default_name_counters.entry(prefix).or_insert(0);
        loop {
            let name = format!("{prefix}-group-{counter}");
            *counter += 1;
            if !self.by_name.contains_key(name.as_str()) {
                return name.into();
            }
        }
    }

    /// Adds a group whose name is known to be free.
    pub(crate) fn insert(&mut self, name: Arc<str>, kind: GroupKind, remaining: usize) -> GroupKey {
        let key = self.next_key;
        self.next_key += 1;
        self.by_name.insert(name.clone(), key);
        self.records.insert(
            key,
            GroupRecord {
                name,
                kind,
                meta: None,
                meta_alive: true,
                oldest: None,
                newest: None,
                alive: 0,
                started: 0,
                remaining,
                closed: false,
                waiting_for_room: false,
            },
        );
        key
    }

    pub(crate) fn get(&self, key: GroupKey) -> Option<&GroupRecord> {
        self.records.get(&key)
    }

    pub(crate) fn get_mut(&mut self, key: GroupKey) -> Option<&mut GroupRecord> {
        self.records.get_mut(&key)
    }

    /// Forgets a group once its meta task is gone and no task of it is
    /// alive: a long-lived pool keeps nothing per finished group.
    pub(crate) fn forget_if_done(&mut self, key: GroupKey) {
        let done = self.records.get(&key).is_some_and(|g| !g.meta_alive && g.alive == 0);
        if done {
            let group = self.records.remove(&key).expect("checked above");
            self.by_name.remove(&group.name);
        }
    }

    pub(crate) fn keys(&self) -> Vec<GroupKey> {
        self.records.keys().copied().collect()
    }

    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &GroupRecord> + '_ {
        self.records.values()
    }

    pub(crate) fn iter_mut_newest_first(&mut self) -> impl Iterator<Item = &mut GroupRecord> + '_ {
        self.records.values_mut().rev()
    }
}
