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

/// One row of the command table: what the help shows, which pools the
/// command applies to, whether it only reads, and its arguments, from which
/// both wire forms are read (`args.rs`) and written.
#[derive(Debug)]
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) usage: &'static str,
    pub(crate) about: &'static str,
    pub(crate) applies: Applies,
    /// Whether the command only reads: a read-only session runs these only.
    pub(crate) query: bool,
    pub(crate) params: &'static [Param],
}

/// One argument of a command: its field in the JSON form, what the usage
/// calls it, and how the text form writes it.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) name: &'static str,
    pub(crate) metavar: &'static str,
    pub(crate) text: TextForm,
    /// Whether the text form writes the argument as JSON (a function's
    /// argument, a map's items), rather than as a plain word.
    pub(crate) json: bool,
}

/// Where an argument goes in the text form.
#[derive(Debug)]
pub(crate) enum TextForm {
    /// The next word.
    Positional,
    /// Every word left.
    Rest,
    /// After one of these flags (`-n 3`, `--group=g`).
    Option(&'static [&'static str]),
}

const fn positional(name: &'static str, metavar: &'static str) -> Param {
    Param { name, metavar, text: TextForm::Positional, json: false }
}

const fn json_positional(name: &'static str, metavar: &'static str) -> Param {
    Param { name, metavar, text: TextForm::Positional, json: true }
}

const fn rest(name: &'static str, metavar: &'static str) -> Param {
    Param { name, metavar, text: TextForm::Rest, json: false }
}

const fn option(name: &'static str, metavar: &'static str, flags: &'static [&'static str]) -> Param {
    Param { name, metavar, text: TextForm::Option(flags), json: false }
}

const NUM_FLAGS: &[&str] = &["-n", "--num", "--num-concurrent"];
const GROUP: Param = option("group", "G", &["--group", "-g"]);
const N: &[Param] = &[positional("n", "N")];
const MAP: &[Param] = &[
    positional("function", "NAME"),
    json_positional("items", "JSON_ARRAY"),
    option("num_concurrent", "-n", NUM_FLAGS),
    GROUP,
];

/// A command that changes the pool.
const fn change(name: &'static str, usage: &'static str, about: &'static str, applies: Applies) -> Spec {
    Spec { name, usage, about, applies, query: false, params: &[] }
}

/// A command that only reads.
const fn query(name: &'static str, usage: &'static str, about: &'static str, applies: Applies) -> Spec {
    Spec { name, usage, about, applies, query: true, params: &[] }
}

impl Spec {
    const fn with(self, params: &'static [Param]) -> Spec {
        Spec { params, ..self }
    }
}

/// Every command, in the order the help lists them. Adding a command takes
/// a row here, a variant with its name (`variants.rs`), its parse arm
/// (`parse.rs`, both wire forms), its arguments' JSON form if it has any
/// (`json.rs`, from which the text form is written too), and one arm where
/// the server runs it.
pub(crate) const SPECS: &[Spec] = &[
    query("help", "help [COMMAND]", "usage of every command, or of one (also: COMMAND -h)", Applies::Any)
        .with(&[positional("command", "COMMAND")]),
    query("status", "status", "name, size, counts, lock state and every group", Applies::Any),
    query("tasks", "tasks", "running tasks with their group and age", Applies::Any),
    // A query without its argument; `SetPoolSize` changes the pool.
    query("pool-size", "pool-size [N|none]", "get the size limit, or set it (none = unlimited)", Applies::Any)
        .with(&[positional("size", "N|none")]),
    change("lock", "lock", "refuse new groups", Applies::Any),
    change("unlock", "unlock", "accept new groups again", Applies::Any),
    query("is-locked", "is-locked", "whether the pool is locked", Applies::Any),
    query("is-closed", "is-closed", "whether the pool is closed", Applies::Any),
    query("is-full", "is-full", "whether no task can start now for lack of room", Applies::Any),
    query("num-running", "num-running", "tasks running now", Applies::Any),
    query("num-waiting", "num-waiting", "starts waiting for room", Applies::Any),
    query("num-cancelled", "num-cancelled", "tasks cancelled so far", Applies::Any),
    query("num-ended", "num-ended", "tasks ended so far", Applies::Any),
    query("num-failed", "num-failed", "panics caught so far", Applies::Any),
    query("group-ids", "group-ids NAME...", "IDs of the alive tasks of these groups", Applies::Any)
        .with(&[rest("groups", "NAME")]),
    change("cancel", "cancel ID...", "cancel these tasks (all or none)", Applies::Any).with(&[rest("ids", "ID")]),
    change("cancel-group", "cancel-group NAME", "cancel every task of a group", Applies::Any)
        .with(&[positional("group", "NAME")]),
    change("cancel-all", "cancel-all", "cancel every task", Applies::Any),
    // It forgets the failures it reports.
    change("flush", "flush", "report and forget the failures since the last report", Applies::Any),
    change("start", "start N", "add N workers", Applies::SimpleTaskPool).with(N),
    change("stop", "stop N", "take N workers away (waiting starts first, then the newest)", Applies::SimpleTaskPool)
        .with(N),
    change("stop-all", "stop-all", "take every worker away", Applies::SimpleTaskPool),
    change(
        "retire",
        "retire N [SECONDS]",
        "take N workers away gracefully: ask them to stop, drop those still running after SECONDS (default 30)",
        Applies::SimpleTaskPool,
    )
    .with(&[positional("n", "N"), positional("timeout_secs", "SECONDS")]),
    query("registered", "registered", "functions that apply and the map commands may call", Applies::TaskPool),
    change(
        "apply",
        "apply NAME [ARGS_JSON] [-n NUM] [--group G]",
        "run a registered function NUM times (default 1) with one argument",
        Applies::TaskPool,
    )
    .with(&[positional("function", "NAME"), json_positional("argument", "ARGS_JSON"), option("num", "-n", NUM_FLAGS), GROUP]),
    change(
        "map",
        "map NAME JSON_ARRAY [-n K] [--group G]",
        "call a registered function once per item, K at a time (default 1)",
        Applies::TaskPool,
    )
    .with(MAP),
    change(
        "starmap",
        "starmap NAME JSON_ARRAY_OF_ARRAYS [-n K] [--group G]",
        "like map; each item is an array, for a function taking a tuple",
        Applies::TaskPool,
    )
    .with(MAP),
    change(
        "doublestarmap",
        "doublestarmap NAME JSON_ARRAY_OF_OBJECTS [-n K] [--group G]",
        "like map; each item is an object, for a function taking a struct",
        Applies::TaskPool,
    )
    .with(MAP),
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
