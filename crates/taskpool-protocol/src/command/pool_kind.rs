use std::fmt;

/// The two kinds of pool a control server may serve; some commands apply
/// to one kind only (see [`Command::applies_to`](crate::Command::applies_to)).
///
/// ```
/// use taskpool_protocol::PoolKind;
///
/// assert_eq!(PoolKind::SimpleTaskPool.as_str(), "SimpleTaskPool");
/// assert_eq!(PoolKind::TaskPool.to_string(), "TaskPool");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PoolKind {
    /// A `TaskPool`: `apply` and the map commands run registered functions.
    TaskPool,
    /// A `SimpleTaskPool`: `start`, `stop`, `stop-all` and `retire` apply.
    SimpleTaskPool,
}

impl PoolKind {
    /// `TaskPool` or `SimpleTaskPool`, as the server's hello says it
    /// ([`ServerHello::pool_kind`](crate::ServerHello::pool_kind)).
    pub fn as_str(self) -> &'static str {
        match self {
            PoolKind::TaskPool => "TaskPool",
            PoolKind::SimpleTaskPool => "SimpleTaskPool",
        }
    }
}

impl fmt::Display for PoolKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
