use std::future::pending;
use std::time::Duration;

use tokio::time::sleep;
use tokio_taskpool::{FailureStage, SimpleTaskPool, TaskPool};

use crate::support::{ids, settle, Log};

#[tokio::test(start_paused = true)]
async fn on_end_runs_once_per_task_that_ends_normally() {
    let log = Log::default();
    let pool = TaskPool::new();
    let (l1, l2) = (log.clone(), log.clone());
    pool.apply(|| async {})
        .num(3)
        .on_end(move |id| {
            let l = l1.clone();
            async move { l.push(format!("end {id}")) }
        })
        .on_cancel(move |id| {
            let l = l2.clone();
            async move { l.push(format!("cancel {id}")) }
        })
        .start()
        .unwrap();
    pool.gather_and_close().await;
    let mut entries = log.entries();
    entries.sort();
    assert_eq!(entries, ["end 0", "end 1", "end 2"]);
}

#[tokio::test(start_paused = true)]
async fn cancel_drops_future_then_on_cancel_then_on_end_with_counts_at_each_step() {
    struct Dropped(Log);
    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.push("future dropped");
        }
    }
    let log = Log::default();
    let pool = TaskPool::new();
    let (lf, lc, le) = (log.clone(), log.clone(), log.clone());
    let (pc, pe) = (pool.clone(), pool.clone());
    pool.apply(move || {
        let guard = Dropped(lf.clone());
        async move {
            let _guard = guard;
            pending::<()>().await
        }
    })
    .on_cancel(move |id| {
        let (l, p) = (lc.clone(), pc.clone());
        async move {
            l.push(format!(
                "on_cancel {id}: running={} cancelled={} ended={}",
                p.num_running(),
                p.num_cancelled(),
                p.num_ended()
            ));
        }
    })
    .on_end(move |id| {
        let (l, p) = (le.clone(), pe.clone());
        async move {
            l.push(format!(
                "on_end {id}: running={} cancelled={} ended={}",
                p.num_running(),
                p.num_cancelled(),
                p.num_ended()
            ));
        }
    })
    .start()
    .unwrap();
    settle().await;
    pool.cancel(&ids(&[0])).unwrap();
    pool.flush().await;
    assert_eq!(
        log.entries(),
        [
            "future dropped",
            "on_cancel 0: running=0 cancelled=1 ended=0",
            "on_end 0: running=0 cancelled=1 ended=1",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn on_end_sees_the_task_counted_as_ended() {
    let log = Log::default();
    let pool = TaskPool::new();
    let (l, p) = (log.clone(), pool.clone());
    pool.apply(|| async {})
        .on_end(move |_| {
            let (l, p) = (l.clone(), p.clone());
            async move { l.push(format!("running={} ended={}", p.num_running(), p.num_ended())) }
        })
        .start()
        .unwrap();
    pool.gather_and_close().await;
    assert_eq!(log.entries(), ["running=0 ended=1"]);
}

#[tokio::test(start_paused = true)]
async fn callbacks_may_call_back_into_the_pool() {
    // Callbacks run outside every internal lock: one that uses the pool
    // (even starting new work) must not deadlock.
    let pool = TaskPool::new();
    let p = pool.clone();
    pool.apply(|| async {})
        .on_end(move |_| {
            let p = p.clone();
            async move {
                let _ = p.status();
                p.apply(|| async {}).group("follow-up").start().unwrap();
            }
        })
        .start()
        .unwrap();
    settle().await;
    sleep(Duration::from_millis(1)).await;
    assert_eq!(pool.num_ended(), 2);
}

#[tokio::test(start_paused = true)]
async fn panicking_callbacks_are_caught_counted_and_reported() {
    let pool = TaskPool::new();
    pool.apply(pending::<()>)
        .num(2)
        .on_cancel(|id| async move { panic!("on_cancel of {id} failed") })
        .on_end(|id| async move {
            if id.as_u64() == 1 {
                panic!("on_end of {id} failed");
            }
        })
        .start()
        .unwrap();
    settle().await;
    pool.cancel_all();
    let report = pool.gather_and_close().await;
    assert_eq!(pool.num_failed(), 3);
    assert_eq!(report.num_failed(), 3);
    let mut stages: Vec<_> = report.failures().iter().map(|f| (f.id.unwrap().as_u64(), f.stage)).collect();
    stages.sort_by_key(|&(id, stage)| (id, stage == FailureStage::OnEnd));
    assert_eq!(stages, [(0, FailureStage::OnCancel), (1, FailureStage::OnCancel), (1, FailureStage::OnEnd)]);
    assert_eq!(pool.num_ended(), 2, "each task still ended exactly once");
}

#[tokio::test(start_paused = true)]
async fn simple_pool_callbacks_run_for_stopped_workers() {
    let log = Log::default();
    let (lc, le) = (log.clone(), log.clone());
    let pool = SimpleTaskPool::builder(pending::<()>)
        .on_cancel(move |id| {
            let l = lc.clone();
            async move { l.push(format!("cancel {id}")) }
        })
        .on_end(move |id| {
            let l = le.clone();
            async move { l.push(format!("end {id}")) }
        })
        .build();
    pool.start(2).unwrap();
    settle().await;
    pool.stop(1);
    pool.flush().await;
    assert_eq!(log.entries(), ["cancel 1", "end 1"]);
}
