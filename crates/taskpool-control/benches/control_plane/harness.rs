//! What this bench shares with the pool crate's benches
//! (`crates/tokio-taskpool/benches/common`), which another crate's bench
//! cannot include: the runtime, the JSON-lines output for `bench/compare`,
//! and the rules for when to run.

use std::io::Write;

use tokio::runtime::{Builder, Runtime};

/// The multi-thread runtime of every bench: 2 workers.
pub(crate) fn multi_thread() -> Runtime {
    Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a multi-thread runtime")
}

/// Appends one JSON object (already formatted) as a line to
/// `$TASKPOOL_BENCH_OUT/<file>.jsonl`, when that variable is set, for
/// `bench/compare`.
pub(crate) fn record(file: &str, json: &str) {
    let Some(dir) = std::env::var_os("TASKPOOL_BENCH_OUT").map(std::path::PathBuf::from) else { return };
    std::fs::create_dir_all(&dir).expect("the bench output directory can be made");
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(format!("{file}.jsonl")))
        .expect("the bench output file can be opened");
    writeln!(out, "{json}").expect("the bench output file can be written");
}

/// Whether the binary was started by `cargo bench --no-run`-style test
/// discovery (`--list`) or `cargo test --benches` (no `--bench`), in which
/// case a custom harness should do nothing.
pub(crate) fn should_skip() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--list") || !args.iter().any(|a| a == "--bench")
}

/// Whether `TASKPOOL_BENCH_QUICK` asks for a smoke test: few samples.
pub(crate) fn quick() -> bool {
    std::env::var_os("TASKPOOL_BENCH_QUICK").is_some()
}
