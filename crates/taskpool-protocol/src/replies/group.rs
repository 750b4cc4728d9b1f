use serde::{Deserialize, Serialize};

/// One group in a [`StatusReply`](crate::StatusReply).
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

impl GroupReply {
    /// A group named `name`, made by `kind` (`apply`, `map`, ...), with no
    /// tasks, none started, and no longer spawning.
    ///
    /// ```
    /// use taskpool_protocol::GroupReply;
    ///
    /// let mut group = GroupReply::new("urls", "map");
    /// group.spawning = true;
    /// assert_eq!((group.name.as_str(), group.tasks), ("urls", 0));
    /// ```
    pub fn new(name: impl Into<String>, kind: impl Into<String>) -> GroupReply {
        GroupReply { name: name.into(), kind: kind.into(), tasks: 0, started: 0, spawning: false }
    }
}
