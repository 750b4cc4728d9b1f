//! The `result` shapes of the commands whose answer is more than a number
//! or a flag, as they travel in JSON mode. The text mode and `taskpool-ctl`
//! print them as tables through their `Display`.
//!
//! Each is `#[non_exhaustive]`, so that a field can be added without a
//! breaking change: make one with its `new` constructor and set the public
//! fields.

mod flush;
mod function_info;
mod group;
mod retire;
mod status;
mod table;
mod task;
mod tasks;

pub use flush::FlushReply;
pub use function_info::FunctionInfo;
pub use group::GroupReply;
pub use retire::RetireReply;
pub use status::StatusReply;
pub use task::TaskReply;
pub use tasks::TasksReply;
