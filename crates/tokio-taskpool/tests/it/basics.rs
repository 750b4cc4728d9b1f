use std::collections::BTreeSet;
use std::future::pending;

use tokio_taskpool::{PoolHandle, SimpleTaskPool, SpawnError, TaskId, TaskPool};

use crate::support::{ids, settle};

#[test]
fn handles_are_send_sync_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<TaskPool>();
    check::<SimpleTaskPool>();
    check::<PoolHandle>();
    fn send<T: Send>(_: &T) {}
    let pool = TaskPool::new();
    send(&pool.flush());
    send(&pool.gather_and_close());
    send(&pool.until_closed());
    send(&pool.stop_gracefully(std::time::Duration::ZERO));
}

#[test]
fn names_and_display() {
    let named = TaskPool::builder().name("ingest").build();
    assert_eq!(named.name(), "ingest");
    assert_eq!(named.to_string(), "TaskPool-ingest");
    let a = TaskPool::new();
    let b = SimpleTaskPool::new(|| async {});
    let (ia, ib): (u64, u64) = (a.name().parse().unwrap(), b.name().parse().unwrap());
    assert_ne!(ia, ib, "unnamed pools get distinct process-wide indexes");
    assert_eq!(a.to_string(), format!("TaskPool-{ia}"));
    assert_eq!(b.to_string(), format!("SimpleTaskPool-{ib}"));
}

#[test]
fn task_id_traits() {
    let id = TaskId::from(12);
    assert_eq!(id.to_string(), "12");
    assert_eq!(format!("{id:?}"), "TaskId(12)");
    assert_eq!(id.as_u64(), 12);
    let set: BTreeSet<TaskId> = [TaskId::from(3), TaskId::from(1)].into();
    assert_eq!(set.into_iter().collect::<Vec<_>>(), ids(&[1, 3]));
}

#[tokio::test(start_paused = true)]
async fn ids_are_sequential_in_spawn_order_across_groups() {
    let pool = TaskPool::new();
    let a = pool.apply(pending::<()>).num(3).start().unwrap();
    settle().await;
    let b = pool.map(|_: u8| pending::<()>(), [1, 2]).num_concurrent(2).start().unwrap();
    settle().await;
    assert_eq!(pool.group_ids(&[a.name()]).unwrap().into_iter().collect::<Vec<_>>(), ids(&[0, 1, 2]));
    assert_eq!(pool.group_ids(&[b.name()]).unwrap().into_iter().collect::<Vec<_>>(), ids(&[3, 4]));
    assert_eq!(pool.group_ids(&[a.name(), b.name()]).unwrap().len(), 5);
}

#[tokio::test(start_paused = true)]
async fn default_group_names_per_kind() {
    let pool = TaskPool::new();
    let g0 = pool.apply(|| async {}).start().unwrap();
    let g1 = pool.apply(|| async {}).start().unwrap();
    let m0 = pool.map(|_: u8| async {}, [1]).start().unwrap();
    let s0 = pool.starmap(|_: u8, _: u8| async {}, [(1, 2)]).start().unwrap();
    let ms0 = pool.map_stream(|_: u8| async {}, futures::stream::iter([1])).start().unwrap();
    assert_eq!(
        [g0.name(), g1.name(), m0.name(), s0.name(), ms0.name()],
        ["apply-group-0", "apply-group-1", "map-group-0", "starmap-group-0", "map-group-1"]
    );
    let simple = SimpleTaskPool::new(|| async {});
    assert_eq!(simple.start(1).unwrap().name(), "start-group-0");
    assert_eq!(simple.start(1).unwrap().name(), "start-group-1");
}

#[tokio::test(start_paused = true)]
async fn default_names_skip_names_taken_by_the_user() {
    let pool = TaskPool::new();
    let mine = pool.apply(pending::<()>).group("apply-group-0").start().unwrap();
    let auto = pool.apply(pending::<()>).start().unwrap();
    assert_eq!((mine.name(), auto.name()), ("apply-group-0", "apply-group-1"));
}

#[tokio::test(start_paused = true)]
async fn duplicate_group_name_is_refused_and_changes_nothing() {
    let pool = TaskPool::builder().name("p").build();
    pool.apply(pending::<()>).group("workers").start().unwrap();
    settle().await;
    let err = pool.map(|_: u8| async {}, [1, 2]).group("workers").start().unwrap_err();
    assert_eq!(err, SpawnError::GroupExists { pool: "TaskPool-p".into(), group: "workers".into() });
    assert_eq!(err.to_string(), "TaskPool-p already has a group named 'workers'");
    settle().await;
    assert_eq!(pool.num_running(), 1);
    assert_eq!(pool.status().groups.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn group_names_are_short_and_printable() {
    let pool = TaskPool::builder().name("p").build();
    let longest = "g".repeat(tokio_taskpool::MAX_GROUP_NAME_LEN);
    for bad in
        [format!("{longest}x"), "a\nforged line".into(), "\u{1b}]0;title\u{7}".into(), "a\u{202e}b".into()]
    {
        let err = pool.apply(pending::<()>).group(bad.clone()).start().unwrap_err();
        assert_eq!(err, SpawnError::BadGroupName { pool: "TaskPool-p".into(), group: bad.clone() });
        let err = pool.map(|_: u8| async {}, [1]).group(bad).start().unwrap_err();
        assert_eq!(err.kind(), "bad_group_name");
        assert!(!err.to_string().chars().any(char::is_control), "{err}");
    }
    settle().await;
    assert_eq!(pool.status().groups.len(), 0, "a refused name makes no group");
    pool.apply(pending::<()>).group(longest).start().unwrap();
    pool.apply(pending::<()>).group("spaces and ünïcödé").start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 2);
    pool.cancel_all();
}

#[tokio::test(start_paused = true)]
async fn unknown_group_is_an_error_naming_pool_and_group() {
    let pool = TaskPool::builder().name("p").build();
    let err = pool.group_ids(&["ghost"]).unwrap_err();
    assert_eq!((err.pool(), err.group()), ("TaskPool-p", "ghost"));
    assert_eq!(err.to_string(), "TaskPool-p has no group named 'ghost'");
    assert_eq!(pool.cancel_group("ghost").unwrap_err().kind(), "group_not_found");
}

#[tokio::test(start_paused = true)]
async fn apply_and_map_return_at_once_without_blocking() {
    // Pool size 0: nothing can start, yet the calls return immediately.
    let pool = TaskPool::builder().pool_size(0).build();
    let group = pool.apply(|| async {}).num(3).start().unwrap();
    pool.map(|_: u8| async {}, [1, 2]).start().unwrap();
    settle().await;
    assert_eq!(pool.num_running(), 0);
    assert_eq!(pool.num_waiting(), 4, "3 pending apply starts + 1 map item waiting for room");
    pool.set_pool_size(None);
    settle().await;
    assert_eq!(pool.num_ended(), 5);
    assert_eq!(group.collect_all().await.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn lock_refuses_new_groups_but_lets_existing_ones_go_on() {
    let pool = TaskPool::builder().name("p").pool_size(1).build();
    let group = pool.apply(|| async { tokio::task::yield_now().await }).num(3).start().unwrap();
    pool.lock();
    assert!(pool.is_locked());
    let err = pool.apply(|| async {}).start().unwrap_err();
    assert_eq!(err, SpawnError::PoolIsLocked { pool: "TaskPool-p".into() });
    assert_eq!(err.to_string(), "TaskPool-p is locked");
    assert_eq!(group.collect_all().await.len(), 3, "the locked pool still runs the group's queued starts");
    pool.unlock();
    assert!(pool.apply(|| async {}).start().is_ok());
}

#[tokio::test(start_paused = true)]
async fn status_reports_counts_groups_and_kinds() {
    let pool = TaskPool::builder().name("s").pool_size(2).build();
    pool.apply(pending::<()>).group("a").num(3).start().unwrap();
    settle().await;
    let status = pool.status();
    assert_eq!(status.name, "TaskPool-s");
    assert_eq!((status.pool_size, status.running, status.waiting), (Some(2), 2, 1));
    assert_eq!(status.groups.len(), 1);
    let group = &status.groups[0];
    assert_eq!(
        (group.name.as_str(), group.kind.to_string(), group.tasks, group.started),
        ("a", "apply".into(), 2, 2)
    );
    assert!(group.spawning);
    assert!(!status.locked && !status.closed);
    let tasks = pool.running_tasks();
    assert_eq!(tasks.iter().map(|t| t.id).collect::<Vec<_>>(), ids(&[0, 1]));
}

#[test]
#[should_panic(expected = "within a tokio runtime")]
fn spawning_outside_a_runtime_panics_clearly() {
    let pool = TaskPool::new();
    let _ = pool.apply(|| async {}).start();
}

#[test]
#[should_panic(expected = "num(0)")]
fn apply_num_zero_panics() {
    let pool = TaskPool::new();
    let _ = pool.apply(|| async {}).num(0);
}

#[test]
#[should_panic(expected = "num_concurrent(0)")]
fn map_num_concurrent_zero_panics() {
    let pool = TaskPool::new();
    let _ = pool.map(|_: u8| async {}, [1]).num_concurrent(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_from_many_tasks_of_a_multi_thread_runtime() {
    let pool = TaskPool::new();
    let mut callers = Vec::new();
    for _ in 0..8 {
        let pool = pool.clone();
        callers.push(tokio::spawn(async move {
            for _ in 0..50 {
                pool.apply(|| async { tokio::task::yield_now().await }).num(4).start().unwrap();
            }
        }));
    }
    for caller in callers {
        caller.await.unwrap();
    }
    let report = pool.gather_and_close().await;
    assert!(report.is_clean());
    assert_eq!(pool.num_ended(), 8 * 50 * 4);
    assert_eq!(pool.num_running(), 0);
    assert!(pool.status().groups.is_empty());
}

/// One name repeated in a `group_ids` request is looked up once: a request
/// of 30,000 copies of a name of 10,000 tasks costs what one copy costs.
#[tokio::test(start_paused = true)]
async fn group_ids_counts_each_name_once() {
    let pool = TaskPool::new();
    let group = pool.apply(std::future::pending::<()>).num(10_000).start().unwrap();
    while pool.num_running() < 10_000 {
        tokio::task::yield_now().await;
    }
    let names = vec![group.name(); 30_000];
    let ids = pool.group_ids(&names).unwrap();
    assert_eq!(ids.len(), 10_000);
    group.cancel();
}
