//! Memory: resident set size of idle tasks, pooled and raw, and of a long
//! map. Each case runs in a fresh child process (this binary, started again
//! with `TASKPOOL_MEMORY_CASE` set), so that no case inherits another's heap.
//!
//! - `idle_<kind>`: RSS growth for 10^6 idle tasks that wait on one shared
//!   never-firing signal, counted once all of them wait, divided by 10^6.
//!   Kinds: `spawn` (raw `tokio::spawn`, the `JoinHandle`s kept in a `Vec`),
//!   `joinset` (raw, in a `JoinSet`), `apply` (`TaskPool::apply(..).num(N)`)
//!   and `simple` (`SimpleTaskPool::start(N)`). Every kind runs the same
//!   user future (`IdleSignal::worker`); its size (`size_of_val`) is
//!   reported with the result, because tokio allocates a task as one cell
//!   aligned to 128 bytes on x86_64: a few bytes more future can cost 128
//!   more per task, so the pool's overhead depends on the user future's
//!   size in steps, not linearly.
//! - `map_10m`: RSS after every million tasks of one `map` over 10^7 items
//!   (`num_concurrent` 1024, no-op tasks, results read as they come).
//!
//! Results are printed and, when `TASKPOOL_BENCH_OUT` is set, appended to
//! `$TASKPOOL_BENCH_OUT/memory.jsonl`. `TASKPOOL_BENCH_QUICK=1` divides every
//! count by 100.

mod common;

use std::process::Command;

use common::{multi_thread, record, rss, should_skip, IdleSignal};
use tokio::task::JoinSet;
use tokio_taskpool::{SimpleTaskPool, TaskPool};

const CASE_VAR: &str = "TASKPOOL_MEMORY_CASE";
const IDLE_KINDS: [&str; 4] = ["spawn", "joinset", "apply", "simple"];

fn scale() -> usize {
    if std::env::var_os("TASKPOOL_BENCH_QUICK").is_some() {
        100
    } else {
        1
    }
}

fn main() {
    if let Ok(case) = std::env::var(CASE_VAR) {
        child(&case);
        return;
    }
    if should_skip() {
        return;
    }
    let (_, hwm) = rss();
    println!("memory: each case in a fresh process (this process's peak RSS so far: {} KiB)", hwm / 1024);
    for kind in IDLE_KINDS {
        run_child(&format!("idle_{kind}"));
    }
    run_child("map_10m");
}

/// Runs one case in a child process and passes its result lines on.
fn run_child(case: &str) {
    let exe = std::env::current_exe().expect("the bench binary's path");
    let output = Command::new(exe).env(CASE_VAR, case).output().expect("the child process runs");
    assert!(
        output.status.success(),
        "memory case {case} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        if let Some(json) = line.strip_prefix("JSON ") {
            record("memory", json);
        } else {
            println!("{line}");
        }
    }
}

fn child(case: &str) {
    match case.strip_prefix("idle_") {
        Some(kind) => idle(kind, 1_000_000 / scale()),
        None if case == "map_10m" => map_10m(10_000_000 / scale(), 1_000_000 / scale()),
        None => panic!("unknown memory case {case}"),
    }
}

/// Holds whatever keeps the idle tasks alive until the RSS is read.
enum Holder {
    Handles(#[allow(dead_code)] Vec<tokio::task::JoinHandle<()>>),
    Set(#[allow(dead_code)] JoinSet<()>),
    Pool(#[allow(dead_code)] TaskPool, #[allow(dead_code)] tokio_taskpool::GroupHandle<()>),
    Simple(#[allow(dead_code)] SimpleTaskPool),
}

fn idle(kind: &str, n: usize) {
    let runtime = multi_thread();
    let case = kind.to_owned();
    let (before, after, peak, future_size) = runtime.block_on(async move {
        tokio::spawn(async move {
            // Warm up the runtime, the pool code and the allocator's
            // per-thread arenas, so the baseline is a running program.
            let warm = TaskPool::new();
            warm.apply(|| async {}).num(1000).start().expect("an open pool").collect_all().await;
            let mut set = JoinSet::new();
            for _ in 0..1000 {
                set.spawn(async {});
            }
            while set.join_next().await.is_some() {}

            let signal = IdleSignal::new();
            // Made and dropped unpolled: it has not counted itself.
            let future_size = std::mem::size_of_val(&signal.worker(n));
            let (before, _) = rss();
            let holder = match case.as_str() {
                "spawn" => Holder::Handles((0..n).map(|_| tokio::spawn(signal.worker(n))).collect()),
                "joinset" => {
                    let mut set = JoinSet::new();
                    for _ in 0..n {
                        set.spawn(signal.worker(n));
                    }
                    Holder::Set(set)
                }
                "apply" => {
                    let pool = TaskPool::new();
                    let worker = signal.clone();
                    let group = pool.apply(move || worker.worker(n)).num(n).start().expect("an open pool");
                    Holder::Pool(pool, group)
                }
                "simple" => {
                    let worker = signal.clone();
                    let pool = SimpleTaskPool::new(move || worker.worker(n));
                    pool.start(n).expect("an open pool");
                    Holder::Simple(pool)
                }
                other => panic!("unknown idle kind {other}"),
            };
            signal.all_waiting().await;
            let (after, peak) = rss();
            // Leave the process without tearing a million tasks down.
            std::mem::forget(holder);
            (before, after, peak, future_size)
        })
        .await
        .expect("the measuring task does not panic")
    });
    let per_task = (after as f64 - before as f64) / n as f64;
    println!(
        "idle_{kind}: {n} idle tasks of a {future_size}-byte user future: RSS {} -> {} KiB (peak {} KiB): {per_task:.1} bytes per task",
        before / 1024,
        after / 1024,
        peak / 1024
    );
    println!(
        r#"JSON {{"case":"idle","kind":"{kind}","n":{n},"rss_before":{before},"rss_after":{after},"rss_peak":{peak},"bytes_per_task":{per_task:.1},"user_future_bytes":{future_size}}}"#
    );
    runtime.shutdown_background();
    std::process::exit(0);
}

fn map_10m(n: usize, every: usize) {
    let runtime = multi_thread();
    let samples = runtime.block_on(async move {
        tokio::spawn(async move {
            let pool = TaskPool::new();
            let (start, _) = rss();
            let mut samples = vec![(0, start)];
            let mut results = pool
                .map(|i: usize| async move { std::hint::black_box(i) }, 0..n)
                .num_concurrent(1024)
                .start()
                .expect("an open pool");
            let mut seen = 0;
            while results.next().await.is_some() {
                seen += 1;
                if seen % every == 0 {
                    samples.push((seen, rss().0));
                }
            }
            assert_eq!(pool.num_ended(), n as u64);
            samples
        })
        .await
        .expect("the measuring task does not panic")
    });
    let (_, peak) = rss();
    let line: Vec<String> =
        samples.iter().map(|(done, rss)| format!("{}M:{}", done / every, rss / 1024)).collect();
    println!("map_10m: RSS in KiB after each million tasks: {} (peak {} KiB)", line.join(" "), peak / 1024);
    let json: Vec<String> = samples.iter().map(|(done, rss)| format!("[{done},{rss}]")).collect();
    println!(r#"JSON {{"case":"map_10m","n":{n},"samples":[{}],"rss_peak":{peak}}}"#, json.join(","));
}
