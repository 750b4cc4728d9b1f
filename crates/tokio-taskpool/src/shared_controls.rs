//! The controls that both pool kinds share, declared once.
//!
//! `TaskPool` and `SimpleTaskPool` each have every shared control as a
//! method of their own (no `Deref` between handles), delegating in one line
//! to the [`PoolHandle`](crate::PoolHandle) they hold, where each control is
//! documented in full with its example. This macro writes those
//! delegations, so that the list exists once.

/// Writes the shared controls as methods delegating to `self.$handle`.
macro_rules! shared_controls {
    ($handle:ident) => {
        /// A handle to the shared controls of this pool, for code that works
        /// with either pool kind; see [`PoolHandle`](crate::PoolHandle).
        pub fn handle(&self) -> crate::PoolHandle {
            self.$handle.clone()
        }

        /// The pool's name; see [`PoolHandle::name`](crate::PoolHandle::name).
        pub fn name(&self) -> &str {
            self.$handle.name()
        }

        /// The size limit (`None`: unlimited); see
        /// [`PoolHandle::pool_size`](crate::PoolHandle::pool_size).
        pub fn pool_size(&self) -> Option<usize> {
            self.$handle.pool_size()
        }

        /// Changes the size limit while tasks run: a number, or `None`; see
        /// [`PoolHandle::set_pool_size`](crate::PoolHandle::set_pool_size).
        pub fn set_pool_size(&self, pool_size: impl Into<Option<usize>>) {
            self.$handle.set_pool_size(pool_size)
        }

        /// Whether the pool refuses new groups; see
        /// [`PoolHandle::is_locked`](crate::PoolHandle::is_locked).
        pub fn is_locked(&self) -> bool {
            self.$handle.is_locked()
        }

        /// Makes the pool refuse new groups; see
        /// [`PoolHandle::lock`](crate::PoolHandle::lock).
        pub fn lock(&self) {
            self.$handle.lock()
        }

        /// Lets the pool accept new groups again; see
        /// [`PoolHandle::unlock`](crate::PoolHandle::unlock).
        pub fn unlock(&self) {
            self.$handle.unlock()
        }

        /// Whether the pool is closed and all of it has ended; see
        /// [`PoolHandle::is_closed`](crate::PoolHandle::is_closed).
        pub fn is_closed(&self) -> bool {
            self.$handle.is_closed()
        }

        /// Closes the pool for new groups, at once; see
        /// [`PoolHandle::close`](crate::PoolHandle::close).
        pub fn close(&self) {
            self.$handle.close()
        }

        /// How many tasks run now; see
        /// [`PoolHandle::num_running`](crate::PoolHandle::num_running).
        pub fn num_running(&self) -> usize {
            self.$handle.num_running()
        }

        /// How many starts wait for room; see
        /// [`PoolHandle::num_waiting`](crate::PoolHandle::num_waiting).
        pub fn num_waiting(&self) -> usize {
            self.$handle.num_waiting()
        }

        /// How many tasks were cancelled so far; see
        /// [`PoolHandle::num_cancelled`](crate::PoolHandle::num_cancelled).
        pub fn num_cancelled(&self) -> u64 {
            self.$handle.num_cancelled()
        }

        /// How many tasks ended so far; see
        /// [`PoolHandle::num_ended`](crate::PoolHandle::num_ended).
        pub fn num_ended(&self) -> u64 {
            self.$handle.num_ended()
        }

        /// How many panics were caught so far; see
        /// [`PoolHandle::num_failed`](crate::PoolHandle::num_failed).
        pub fn num_failed(&self) -> u64 {
            self.$handle.num_failed()
        }

        /// Whether the pool has no free room; see
        /// [`PoolHandle::is_full`](crate::PoolHandle::is_full).
        pub fn is_full(&self) -> bool {
            self.$handle.is_full()
        }

        /// The alive tasks of the named groups; see
        /// [`PoolHandle::group_ids`](crate::PoolHandle::group_ids).
        ///
        /// # Errors
        ///
        /// [`GroupNotFound`](crate::GroupNotFound) for the first unknown name.
        pub fn group_ids(
            &self,
            groups: &[&str],
        ) -> Result<std::collections::BTreeSet<crate::TaskId>, crate::GroupNotFound> {
            self.$handle.group_ids(groups)
        }

        /// Cancels running tasks, all or nothing; see
        /// [`PoolHandle::cancel`](crate::PoolHandle::cancel).
        ///
        /// # Errors
        ///
        /// [`CancelError`](crate::CancelError) for the first refused ID.
        pub fn cancel(&self, ids: &[crate::TaskId]) -> Result<(), crate::CancelError> {
            self.$handle.cancel(ids)
        }

        /// Cancels a group by name; see
        /// [`PoolHandle::cancel_group`](crate::PoolHandle::cancel_group).
        ///
        /// # Errors
        ///
        /// [`GroupNotFound`](crate::GroupNotFound) when no such group is alive.
        pub fn cancel_group(&self, group: &str) -> Result<usize, crate::GroupNotFound> {
            self.$handle.cancel_group(group)
        }

        /// Cancels every group and task; see
        /// [`PoolHandle::cancel_all`](crate::PoolHandle::cancel_all).
        pub fn cancel_all(&self) {
            self.$handle.cancel_all()
        }

        /// Waits for the callbacks of ended tasks and reports failures; see
        /// [`PoolHandle::flush`](crate::PoolHandle::flush) (cancel safe).
        pub async fn flush(&self) -> crate::PoolReport {
            self.$handle.flush().await
        }

        /// Closes the pool, waits for everything and reports failures; see
        /// [`PoolHandle::gather_and_close`](crate::PoolHandle::gather_and_close)
        /// for its cancel safety and for tasks that never end.
        pub async fn gather_and_close(&self) -> crate::PoolReport {
            self.$handle.gather_and_close().await
        }

        /// Waits until the pool is closed and all of it has ended; see
        /// [`PoolHandle::until_closed`](crate::PoolHandle::until_closed) (cancel safe).
        pub async fn until_closed(&self) {
            self.$handle.until_closed().await
        }

        /// Signals every task to stop, waits up to `timeout`, drops the
        /// rest; see [`PoolHandle::stop_gracefully`](crate::PoolHandle::stop_gracefully).
        pub async fn stop_gracefully(&self, timeout: std::time::Duration) -> crate::GracefulStop {
            self.$handle.stop_gracefully(timeout).await
        }

        /// Asks these tasks to stop gracefully, waits up to `timeout`, drops
        /// the rest; see [`PoolHandle::retire_tasks`](crate::PoolHandle::retire_tasks).
        ///
        /// # Errors
        ///
        /// [`CancelError`](crate::CancelError) for the first ID not running.
        pub async fn retire_tasks(
            &self,
            ids: &[crate::TaskId],
            timeout: std::time::Duration,
        ) -> Result<crate::GracefulStop, crate::CancelError> {
            self.$handle.retire_tasks(ids, timeout).await
        }

        /// Closes a group and asks its tasks to stop gracefully, waits up to
        /// `timeout`, drops the rest; see
        /// [`PoolHandle::retire_group`](crate::PoolHandle::retire_group).
        ///
        /// # Errors
        ///
        /// [`GroupNotFound`](crate::GroupNotFound) when no such group is alive.
        pub async fn retire_group(
            &self,
            group: &str,
            timeout: std::time::Duration,
        ) -> Result<crate::GracefulStop, crate::GroupNotFound> {
            self.$handle.retire_group(group, timeout).await
        }

        /// A snapshot of counters and groups; see
        /// [`PoolHandle::status`](crate::PoolHandle::status).
        pub fn status(&self) -> crate::PoolStatus {
            self.$handle.status()
        }

        /// The running tasks with group and age; see
        /// [`PoolHandle::running_tasks`](crate::PoolHandle::running_tasks).
        pub fn running_tasks(&self) -> Vec<crate::TaskInfo> {
            self.$handle.running_tasks()
        }

        /// The `max` oldest running tasks and how many run in all; see
        /// [`PoolHandle::running_tasks_up_to`](crate::PoolHandle::running_tasks_up_to).
        pub fn running_tasks_up_to(&self, max: usize) -> (Vec<crate::TaskInfo>, usize) {
            self.$handle.running_tasks_up_to(max)
        }
    };
}

pub(crate) use shared_controls;
