//! Drives the server with asyncio-taskpool's own control client
//! (`python -m asyncio_taskpool.control tcp HOST PORT`), feeding it commands
//! on its standard input as a user would type them.
//!
//! The Python interpreter is `$TASKPOOL_PYTHON` when set (then a missing
//! interpreter or package is a failure), else `.venv/bin/python` at the
//! repository root (made by `scripts/python-venv`); when neither works the
//! test is skipped with a printed reason.

use std::path::PathBuf;
use std::process::Stdio;

use taskpool_control::ControlHandle;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio_taskpool::{SimpleTaskPool, TaskPool};

use crate::support::{simple_pool, task_server, wait_until, within, Log};

/// The environment variable naming the Python interpreter to use.
const PYTHON_VAR: &str = "TASKPOOL_PYTHON";

/// The Python with asyncio-taskpool installed, or why there is none.
fn python() -> Result<PathBuf, String> {
    let (python, required) = match std::env::var_os(PYTHON_VAR) {
        Some(path) => (PathBuf::from(path), true),
        None => (PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python"), false),
    };
    let check = std::process::Command::new(&python)
        .args(["-c", "import asyncio_taskpool.control.client"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let problem = match check {
        Ok(output) if output.status.success() => return Ok(python),
        // The last line of a traceback names the problem, e.g. asyncio-taskpool
        // 1.2.0 imports typing_extensions without declaring it.
        Ok(output) => String::from_utf8_lossy(&output.stderr).lines().last().unwrap_or("").to_owned(),
        Err(e) => e.to_string(),
    };
    let why = format!("{} cannot import asyncio_taskpool.control.client ({problem})", python.display());
    if required {
        panic!("{PYTHON_VAR} is set, but {why}");
    }
    Err(format!("{why}; run scripts/python-venv or set {PYTHON_VAR}"))
}

/// Runs the reference client against `handle` with `input` on its stdin
/// and returns its stdout.
async fn run_reference_client(python: &PathBuf, handle: &ControlHandle, input: &str) -> String {
    let addr = handle.local_addr().unwrap();
    let mut child = Command::new(python)
        .args(["-m", "asyncio_taskpool.control", "tcp", &addr.ip().to_string(), &addr.port().to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the Python client starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).await.unwrap();
    drop(stdin); // end of input: the client says goodbye (Ctrl-D)
    let output = within("the Python client to finish", child.wait_with_output()).await.unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the Python client failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    stdout
}

/// The replies in the client's output: it prints "> " before each command
/// and the reply after it.
fn replies(stdout: &str) -> Vec<String> {
    stdout.split("> ").skip(1).map(|reply| reply.trim_end().to_owned()).collect()
}

#[tokio::test]
async fn the_reference_client_drives_a_simple_pool() {
    let python = match python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let pool: SimpleTaskPool = simple_pool("py");
    let handle = taskpool_control::ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let input = "start 3\nnum-running\npool-size 2\npool-size\nstop 1\nfrob\nstart x\nis-locked\nexit\n";
    // num-running may read before the workers are up; everything else is exact.
    let stdout = run_reference_client(&python, &handle, input).await;
    assert!(stdout.starts_with("Connected to SimpleTaskPool-py\n"), "{stdout}");
    let replies = replies(&stdout);
    assert_eq!(replies.len(), 9, "one reply per command, then the exit prompt: {replies:?}");
    assert_eq!(replies[0], "start-group-0");
    assert!(["0", "1", "2", "3"].contains(&replies[1].as_str()), "{replies:?}");
    assert_eq!(
        replies[2..8],
        [
            "ok",
            "2",
            "[2]",
            "error: unknown command 'frob' (try help)",
            "error: start: N must be a whole number, not 'x'",
            "false"
        ]
    );
    assert!(stdout.trim_end().ends_with("Disconnected from control server."), "{stdout}");
    assert_eq!(pool.pool_size(), Some(2));
    wait_until("2 workers left", || pool.num_running() == 2 && pool.num_waiting() == 0).await;
    handle.shutdown().await;
}

#[tokio::test]
async fn the_reference_client_drives_a_task_pool_with_quoted_arguments() {
    let python = match python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let (pool, log) = (TaskPool::builder().name("py-map").build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    // The reference client lowercases every line it sends.
    let input =
        "map record '[\"a b\", \"c\"]' -n 2 --group words\nstarmap add [[1, 2]]\ncancel-group nope\nexit\n";
    let stdout = run_reference_client(&python, &handle, input).await;
    assert!(stdout.starts_with("Connected to TaskPool-py-map\n"), "{stdout}");
    let replies = replies(&stdout);
    assert_eq!(
        replies[..3],
        ["words", "starmap-group-0", "error: TaskPool-py-map has no group named 'nope'"]
    );
    wait_until("3 items recorded", || log.entries().len() == 3).await;
    let mut entries = log.entries();
    entries.sort();
    assert_eq!(entries, ["1+2=3", "a b", "c"]);
    handle.shutdown().await;
}
