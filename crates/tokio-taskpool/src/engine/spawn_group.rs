//! Opening a group and spawning its meta task: what every spawning call
//! (`apply`, `map`, `start` …) does before it returns.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;
use tracing::Instrument;

use super::group_core::{Callbacks, GroupCore};
use super::inner::PoolInner;
use super::meta::MetaGuard;
use super::observed;
use super::state::OpenRefusal;
use crate::GroupKind;

/// What a group is made of, besides its meta task.
#[derive(Debug)]
pub(crate) struct GroupSpec {
    pub(crate) kind: GroupKind,
    /// The name the caller chose, or `None` for a default name.
    pub(crate) name: Option<String>,
    /// The starts a counted group wants (apply, start); 0 for map groups.
    pub(crate) remaining: usize,
    /// A map group's tasks at a time; `None` for counted groups.
    pub(crate) num_concurrent: Option<usize>,
    pub(crate) callbacks: Callbacks,
}

/// Opens a group and spawns its meta task, made by `meta` from the group's
/// shared core. Returns the group.
///
/// # Panics
///
/// Outside a tokio runtime.
#[track_caller]
pub(crate) fn spawn_group<M, Fut>(
    pool: &Arc<PoolInner>,
    spec: GroupSpec,
    meta: M,
) -> Result<Arc<GroupCore>, OpenRefusal>
where
    M: FnOnce(MetaGuard, Arc<GroupCore>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if tokio::runtime::Handle::try_current().is_err() {
        panic!("{} can only start tasks from within a tokio runtime", pool.display);
    }
    let named_by_user = spec.name.is_some();
    let opened = pool.lock().open_group(spec.name, spec.kind, spec.remaining)?;
    let group = Arc::new(GroupCore {
        // Registers a named group's handles: outside the lock, as it may
        // call the recorder.
        metrics: pool.metrics.group(&opened.name, named_by_user),
        pool: pool.clone(),
        key: opened.key,
        name: opened.name,
        callbacks: spec.callbacks,
        stop_signal: opened.stop_signal,
        // A client may ask for any number; more slots than tokio's
        // semaphore can hold would panic, and are unlimited in effect.
        slots: spec.num_concurrent.map(|n| Semaphore::new(n.min(Semaphore::MAX_PERMITS))),
        unstarted: OnceLock::new(),
    });
    tracing::debug!("{} made group '{}' ({})", pool.display, group.name, spec.kind);
    // Spawned outside the lock for the same reason as tasks (see `start_task`).
    // The `meta_spawned` transition below also publishes the gauges that
    // opening the group changed (`taskpool_starts_waiting`).
    let alive = MetaGuard { pool: pool.clone(), key: group.key };
    let span = observed::group_span(&group);
    let name = || format!("{}/{}/meta", pool.display, group.name);
    let handle = observed::spawn_named(name, meta(alive, group.clone()).instrument(span));
    pool.transition(|state| ((), state.meta_spawned(group.key, handle.abort_handle())));
    Ok(group)
}
