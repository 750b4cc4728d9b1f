use super::variants::unknown_command;
use super::{Command, PoolKind};
use crate::RemoteError;

/// Which pools a command applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Applies {
    Any,
    TaskPool,
    SimpleTaskPool,
}

/// What the help shows about one command.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) usage: &'static str,
    pub(crate) about: &'static str,
    pub(crate) applies: Applies,
}

const fn spec(name: &'static str, usage: &'static str, about: &'static str, applies: Applies) -> Spec {
    Spec { name, usage, about, applies }
}

/// Every command, in the order the help lists them.
pub(crate) const SPECS: &[Spec] = &[
    spec("help", "help [COMMAND]", "usage of every command, or of one (also: COMMAND -h)", Applies::Any),
    spec("status", "status", "name, size, counts, lock state and every group", Applies::Any),
    spec("tasks", "tasks", "running tasks with their group and age", Applies::Any),
    spec("pool-size", "pool-size [N|none]", "get the size limit, or set it (none = unlimited)", Applies::Any),
    spec("lock", "lock", "refuse new groups", Applies::Any),
    spec("unlock", "unlock", "accept new groups again", Applies::Any),
    spec("is-locked", "is-locked", "whether the pool is locked", Applies::Any),
    spec("is-closed", "is-closed", "whether the pool is closed", Applies::Any),
    spec("is-full", "is-full", "whether no task can start now for lack of room", Applies::Any),
    spec("num-running", "num-running", "tasks running now", Applies::Any),
    spec("num-waiting", "num-waiting", "starts waiting for room", Applies::Any),
    spec("num-cancelled", "num-cancelled", "tasks cancelled so far", Applies::Any),
    spec("num-ended", "num-ended", "tasks ended so far", Applies::Any),
    spec("num-failed", "num-failed", "panics caught so far", Applies::Any),
    spec("group-ids", "group-ids NAME...", "IDs of the alive tasks of these groups", Applies::Any),
    spec("cancel", "cancel ID...", "cancel these tasks (all or none)", Applies::Any),
    spec("cancel-group", "cancel-group NAME", "cancel every task of a group", Applies::Any),
    spec("cancel-all", "cancel-all", "cancel every task", Applies::Any),
    spec("flush", "flush", "report and forget the failures since the last report", Applies::Any),
    spec("start", "start N", "add N workers", Applies::SimpleTaskPool),
    spec(
        "stop",
        "stop N",
        "take N workers away (waiting starts first, then the newest)",
        Applies::SimpleTaskPool,
    ),
    spec("stop-all", "stop-all", "take every worker away", Applies::SimpleTaskPool),
    spec(
        "retire",
        "retire N [SECONDS]",
        "take N workers away gracefully: ask them to stop, drop those still running after SECONDS (default 30)",
        Applies::SimpleTaskPool,
    ),
    spec("registered", "registered", "functions that apply and the map commands may call", Applies::TaskPool),
    spec(
        "apply",
        "apply NAME [ARGS_JSON] [-n NUM] [--group G]",
        "run a registered function NUM times (default 1) with one argument",
        Applies::TaskPool,
    ),
    spec(
        "map",
        "map NAME JSON_ARRAY [-n K] [--group G]",
        "call a registered function once per item, K at a time (default 1)",
        Applies::TaskPool,
    ),
    spec(
        "starmap",
        "starmap NAME JSON_ARRAY_OF_ARRAYS [-n K] [--group G]",
        "like map; each item is an array, for a function taking a tuple",
        Applies::TaskPool,
    ),
    spec(
        "doublestarmap",
        "doublestarmap NAME JSON_ARRAY_OF_OBJECTS [-n K] [--group G]",
        "like map; each item is an object, for a function taking a struct",
        Applies::TaskPool,
    ),
];

pub(crate) fn find_spec(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|spec| spec.name == name)
}

impl Command {
    /// The usage text of every command for a pool of the given kind, or of
    /// one command; this is what `help` and `COMMAND -h` answer.
    ///
    /// # Errors
    ///
    /// `unknown_command` when `command` names no command.
    ///
    /// ```
    /// use taskpool_protocol::Command;
    ///
    /// let help = Command::help(Some("start"), true).unwrap();
    /// assert!(help.starts_with("start N"));
    /// assert!(!Command::help(None, false).unwrap().contains("start N"));
    /// ```
    pub fn help(command: Option<&str>, simple_pool: bool) -> Result<String, RemoteError> {
        if let Some(name) = command {
            let spec = find_spec(name).ok_or_else(|| unknown_command(name))?;
            let mut text = format!("{}\n    {}", spec.usage, spec.about);
            match spec.applies {
                Applies::TaskPool if simple_pool => text.push_str("\n    (TaskPool only)"),
                Applies::SimpleTaskPool if !simple_pool => text.push_str("\n    (SimpleTaskPool only)"),
                _ => {}
            }
            return Ok(text);
        }
        let specs: Vec<&Spec> = SPECS
            .iter()
            .filter(|spec| match spec.applies {
                Applies::Any => true,
                Applies::TaskPool => !simple_pool,
                Applies::SimpleTaskPool => simple_pool,
            })
            .collect();
        let width = specs.iter().map(|spec| spec.usage.len()).max().unwrap_or(0);
        let mut text = String::from("commands (COMMAND -h shows one):");
        for spec in specs {
            text.push_str(&format!("\n  {:width$}  {}", spec.usage, spec.about));
        }
        Ok(text)
    }
}

impl Command {
    /// Whether this command applies to a pool of `kind`: most apply to
    /// both, `start`, `stop`, `stop-all` and `retire` only to a
    /// `SimpleTaskPool`, `registered`, `apply` and the map commands only to
    /// a `TaskPool`. A server answers the others with `unsupported`.
    ///
    /// ```
    /// use taskpool_protocol::{Command, PoolKind};
    ///
    /// assert!(Command::Status.applies_to(PoolKind::SimpleTaskPool));
    /// assert!(Command::Start { n: 1 }.applies_to(PoolKind::SimpleTaskPool));
    /// assert!(!Command::Start { n: 1 }.applies_to(PoolKind::TaskPool));
    /// assert!(!Command::Registered.applies_to(PoolKind::SimpleTaskPool));
    /// ```
    pub fn applies_to(&self, kind: PoolKind) -> bool {
        let spec = find_spec(self.name()).expect("every command has a spec");
        match spec.applies {
            Applies::Any => true,
            Applies::TaskPool => kind == PoolKind::TaskPool,
            Applies::SimpleTaskPool => kind == PoolKind::SimpleTaskPool,
        }
    }
}
