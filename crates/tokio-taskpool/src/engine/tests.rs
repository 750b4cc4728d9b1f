//! The state transitions on their own: no runtime, no tasks, only events
//! and what the state says back. Tasks are never spawned here, so no abort
//! handle exists; a cancel of such a task raises the start gate instead.

use tokio::time::Instant;

use super::state::{Admission, CancelRefusal, Completion, OpenRefusal, PoolState, Registered};
use super::task_table::GroupKey;
use crate::report::{FailureStage, TaskFailure};
use crate::{GroupKind, TaskId};

fn state(limit: Option<usize>) -> PoolState {
    PoolState::new(limit)
}

fn open(state: &mut PoolState, name: &str, remaining: usize) -> GroupKey {
    let kind = if remaining > 0 { GroupKind::Apply } else { GroupKind::Map };
    state.open_group(Some(name.into()), kind, remaining).expect("the group opens").key
}

fn register(state: &mut PoolState, key: GroupKey, admission: Admission) -> TaskId {
    state.register_task(key, admission, Instant::now()).expect("the task is admitted").id
}

#[test]
fn a_counted_group_registers_its_starts_then_no_more() {
    let mut state = state(None);
    let key = open(&mut state, "g", 2);
    assert_eq!(state.num_waiting(), 2);
    let first = state.register_task(key, Admission::Counted, Instant::now());
    assert_eq!(first, Some(Registered { id: TaskId::from(0), index: 0, more: true }));
    let second = state.register_task(key, Admission::Counted, Instant::now());
    assert_eq!(second, Some(Registered { id: TaskId::from(1), index: 1, more: false }));
    assert_eq!(state.register_task(key, Admission::Counted, Instant::now()), None);
    assert_eq!((state.num_running(), state.num_waiting()), (2, 0));
}

#[test]
fn opening_is_refused_when_closed_locked_or_the_name_is_taken() {
    let mut state = state(None);
    open(&mut state, "g", 1);
    assert_eq!(
        state.open_group(Some("g".into()), GroupKind::Apply, 1).unwrap_err(),
        OpenRefusal::NameTaken("g".into())
    );
    state.set_locked(true);
    assert_eq!(state.open_group(None, GroupKind::Apply, 1).unwrap_err(), OpenRefusal::Locked);
    let _ = state.close();
    assert_eq!(state.open_group(None, GroupKind::Apply, 1).unwrap_err(), OpenRefusal::Closed);
}

#[test]
fn default_names_skip_names_in_use() {
    let mut state = state(None);
    open(&mut state, "apply-group-0", 1);
    let opened = state.open_group(None, GroupKind::Apply, 1).unwrap();
    assert_eq!(&*opened.name, "apply-group-1");
}

#[test]
fn a_completed_task_ends_and_its_group_is_forgotten_with_its_meta_task() {
    let mut state = state(Some(1));
    let key = open(&mut state, "g", 1);
    let id = register(&mut state, key, Admission::Counted);
    assert!(state.is_full());
    let after = state.meta_gone(key);
    assert!(!after.wakes(), "nobody waits");
    assert!(state.group_ids(&["g"]).is_ok(), "the group lives while its task does");
    let Completion::Ended { after, .. } = state.task_completed(id, None, false) else {
        panic!("not cancelled")
    };
    assert!(!after.wakes());
    assert_eq!((state.num_running(), state.num_ended(), state.is_full()), (0, 1, false));
    assert_eq!(state.group_ids(&["g"]), Err("g"), "nothing is kept per finished group");
    assert!(state.is_idle());
}

#[test]
fn transitions_wake_only_when_someone_waits() {
    let mut state = state(None);
    let key = open(&mut state, "g", 2);
    let first = register(&mut state, key, Admission::Counted);
    let second = register(&mut state, key, Admission::Counted);
    let Completion::Ended { after, .. } = state.task_completed(first, None, false) else { panic!() };
    assert!(!after.wakes());
    state.add_waiter();
    let Completion::Ended { after, .. } = state.task_completed(second, None, false) else { panic!() };
    assert!(after.wakes());
    state.remove_waiter();
}

#[test]
fn with_on_end_a_task_counts_as_ended_but_stays_until_forgotten() {
    let mut state = state(None);
    let key = open(&mut state, "g", 1);
    let id = register(&mut state, key, Admission::Counted);
    let _ = state.meta_gone(key);
    let Completion::Ended { .. } = state.task_completed(id, None, true) else { panic!() };
    assert_eq!(state.num_ended(), 1);
    assert!(state.is_alive(id) && !state.is_idle());
    assert_eq!(state.ending_tasks(), [id]);
    let _ = state.task_forgotten(id, false);
    assert_eq!(state.num_ended(), 1, "counted once");
    assert!(state.is_idle());
}

#[test]
fn cancel_is_all_or_nothing_and_names_the_refused_task() {
    let mut state = state(None);
    let key = open(&mut state, "g", 3);
    let [a, b, c] = [(); 3].map(|_| register(&mut state, key, Admission::Counted));
    let Completion::Ended { .. } = state.task_completed(c, None, false) else { panic!() };
    assert_eq!(state.cancel_tasks(&[a, c]).unwrap_err(), (c, CancelRefusal::AlreadyEnded));
    assert_eq!(
        state.cancel_tasks(&[a, TaskId::from(9)]).unwrap_err(),
        (TaskId::from(9), CancelRefusal::NotFound)
    );
    assert_eq!(state.num_running(), 2, "nothing was cancelled");
    let _ = state.cancel_tasks(&[a]).unwrap();
    assert_eq!(state.cancel_tasks(&[a, b]).unwrap_err(), (a, CancelRefusal::AlreadyCancelled));
    assert_eq!((state.num_running(), state.num_cancelled()), (1, 1));
}

#[test]
fn a_cancel_before_the_abort_handle_closes_the_start_gate_until_the_task_is_gone() {
    let mut state = state(None);
    let key = open(&mut state, "g", 2);
    let a = register(&mut state, key, Admission::Counted);
    let b = register(&mut state, key, Admission::Counted);
    assert!(state.lock_free().start_gate_open());
    let _ = state.cancel_tasks(&[a]).unwrap();
    assert!(!state.lock_free().start_gate_open(), "a's first poll must ask");
    assert_eq!(state.cancelled_before_start(a), (true, 1));
    assert_eq!(state.cancelled_before_start(b), (false, 1));
    let _ = state.task_dropped(a, false);
    assert!(state.lock_free().start_gate_open(), "the gate opens once a is gone");
}

#[test]
fn a_completion_that_loses_the_race_to_a_cancel_counts_as_cancelled() {
    let mut state = state(None);
    let key = open(&mut state, "g", 1);
    let id = register(&mut state, key, Admission::Counted);
    let _ = state.cancel_tasks(&[id]).unwrap();
    assert!(matches!(state.task_completed(id, None, false), Completion::CancelledFirst));
    let _ = state.task_dropped(id, false);
    assert_eq!((state.num_cancelled(), state.num_ended(), state.num_running()), (1, 1, 0));
}

#[test]
fn cancel_group_closes_the_group_and_cancels_only_its_running_tasks() {
    let mut state = state(None);
    let g = open(&mut state, "g", 5);
    let h = open(&mut state, "h", 1);
    let g0 = register(&mut state, g, Admission::Counted);
    let h0 = register(&mut state, h, Admission::Counted);
    let g1 = register(&mut state, g, Admission::Counted);
    let (cancelled, _) = state.cancel_group("g").expect("g exists");
    assert_eq!(cancelled, 2);
    assert_eq!(
        state.register_task(g, Admission::Counted, Instant::now()),
        None,
        "a closed group starts nothing"
    );
    assert_eq!(state.num_waiting(), 0, "its pending starts are withdrawn");
    assert!(state.cancelled_before_start(g0).0 && state.cancelled_before_start(g1).0);
    assert!(!state.cancelled_before_start(h0).0);
    assert!(state.cancel_group("nope").is_none());
}

#[test]
fn group_ids_walks_the_group_links_and_counts_each_name_once() {
    let mut state = state(None);
    let g = open(&mut state, "g", 4);
    let h = open(&mut state, "h", 1);
    let g0 = register(&mut state, g, Admission::Counted);
    let h0 = register(&mut state, h, Admission::Counted);
    let g1 = register(&mut state, g, Admission::Counted);
    let g2 = register(&mut state, g, Admission::Counted);
    let Completion::Ended { .. } = state.task_completed(g1, None, false) else { panic!() };
    let all: Vec<TaskId> = state.group_ids(&["g", "g", "g"]).unwrap().into_iter().collect();
    assert_eq!(all, [g0, g2]);
    let both: Vec<TaskId> = state.group_ids(&["h", "g"]).unwrap().into_iter().collect();
    assert_eq!(both, [g0, h0, g2]);
    assert_eq!(state.group_ids(&["g", "x"]), Err("x"));
}

#[test]
fn stop_withdraws_pending_starts_newest_group_first_then_cancels_newest_tasks() {
    let mut state = state(Some(2));
    let a = open(&mut state, "a", 2);
    let t0 = register(&mut state, a, Admission::Counted);
    let t1 = register(&mut state, a, Admission::Counted);
    let b = open(&mut state, "b", 2);
    assert_eq!(state.num_waiting(), 2);
    let (stopped, _) = state.stop_newest(3);
    assert_eq!(stopped, [t1], "two pending starts withdrawn, then the newest task");
    assert_eq!(state.num_waiting(), 0);
    assert_eq!(state.register_task(b, Admission::Counted, Instant::now()), None);
    let (stopped, _) = state.stop_newest(5);
    assert_eq!(stopped, [t0]);
    assert_eq!(state.num_running(), 0);
}

#[test]
fn a_graceful_stop_closes_every_group_signals_and_then_cancels_the_rest() {
    let mut state = state(None);
    let g = open(&mut state, "g", 3);
    let signal = state.open_group(None, GroupKind::Map, 0).unwrap().stop_signal;
    let t0 = register(&mut state, g, Admission::Counted);
    let t1 = register(&mut state, g, Admission::Counted);
    let (running, _) = state.begin_graceful_stop();
    assert_eq!(running, 2);
    assert!(signal.is_cancelled());
    assert_eq!(state.num_waiting(), 0);
    let Completion::Ended { .. } = state.task_completed(t0, None, false) else { panic!() };
    let (dropped, _) = state.cancel_every_running();
    assert_eq!(dropped, [t1]);
    let fresh = state.open_group(None, GroupKind::Map, 0).unwrap().stop_signal;
    assert!(!fresh.is_cancelled(), "groups made afterwards get a fresh signal");
}

#[test]
fn huge_counted_groups_do_not_overflow_the_waiting_count() {
    let mut state = state(Some(0));
    open(&mut state, "a", usize::MAX);
    open(&mut state, "b", 3);
    assert_eq!(state.num_waiting(), usize::MAX, "saturates instead of wrapping");
    let (stopped, _) = state.stop_newest(usize::MAX - 1);
    assert!(stopped.is_empty());
    assert_eq!(state.num_waiting(), 4, "withdrew b's 3 and all but 4 of a's");
    let (stopped, _) = state.stop_newest(usize::MAX);
    assert!(stopped.is_empty());
    assert_eq!(state.num_waiting(), 0, "usize::MAX withdraws everything");
}

#[test]
fn shrinking_below_the_running_count_holds_room_back_until_tasks_end() {
    let mut state = state(Some(2));
    let g = open(&mut state, "g", 2);
    let t0 = register(&mut state, g, Admission::Counted);
    let t1 = register(&mut state, g, Admission::Counted);
    state.resize(Some(1));
    assert!(state.is_full());
    let Completion::Ended { .. } = state.task_completed(t0, None, false) else { panic!() };
    assert!(state.is_full(), "one runs under a limit of one");
    let Completion::Ended { .. } = state.task_completed(t1, None, false) else { panic!() };
    assert!(!state.is_full());
    assert_eq!(state.limit(), Some(1));
}

#[test]
fn failures_are_counted_and_the_newest_kept_until_reported() {
    let mut state = state(None);
    let g = open(&mut state, "g", 1);
    let id = register(&mut state, g, Admission::Counted);
    let failure =
        TaskFailure { id: Some(id), group: "g".into(), stage: FailureStage::Task, message: "boom".into() };
    let Completion::Ended { .. } = state.task_completed(id, Some(failure.clone()), false) else { panic!() };
    assert_eq!(state.num_failed(), 1);
    let report = state.take_report();
    assert_eq!((report.num_failed(), report.failures()), (1, &[failure][..]));
    assert!(state.take_report().is_clean());
    assert_eq!(state.num_failed(), 1, "the total stays");
}

#[test]
fn running_tasks_lists_oldest_first_with_ages_and_groups() {
    let mut state = state(None);
    let g = open(&mut state, "g", 2);
    let h = open(&mut state, "h", 0);
    let t0 = register(&mut state, g, Admission::Counted);
    let t1 = register(&mut state, h, Admission::Open);
    let _ = state.cancel_tasks(&[t0]).unwrap();
    let later = Instant::now() + std::time::Duration::from_secs(3);
    let tasks = state.running_tasks(later, usize::MAX);
    assert_eq!(tasks.len(), 1);
    assert!(state.running_tasks(later, 0).is_empty());
    assert_eq!((tasks[0].id, tasks[0].group.as_str(), tasks[0].age.as_secs()), (t1, "h", 3));
}
