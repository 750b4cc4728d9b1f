//! The text mode, as asyncio-taskpool's client speaks it: a JSON hello with
//! the terminal width, the pool's name back, then one command per line and
//! one reply per command.

use tokio_taskpool::TaskPool;

use crate::support::{task_server, wait_until, Log, Raw};

#[tokio::test]
async fn text_mode_speaks_like_the_reference_server() {
    let (pool, log) = (TaskPool::builder().name("text").build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(raw.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-text");

    assert_eq!(raw.ask("pool-size").await, "none");
    assert_eq!(raw.ask("pool-size 4").await, "ok");
    assert_eq!(pool.pool_size(), Some(4));
    assert_eq!(raw.ask("pool-size").await, "4");
    assert_eq!(raw.ask("is-locked").await, "false");
    assert_eq!(raw.ask("  lock  ").await, "ok");
    assert!(pool.is_locked());
    assert_eq!(raw.ask("unlock").await, "ok");

    // Quoting: single quotes, and unquoted JSON with spaces inside.
    assert_eq!(raw.ask(r#"map record '["a b", "c"]' -n 3 --group first"#).await, "first");
    assert_eq!(raw.ask(r#"map record ["d e", "it's"] --group second"#).await, "second");
    assert_eq!(raw.ask(r#"apply record "\"quoted \\\" arg\"""#).await, "apply-group-0");
    wait_until("5 items recorded", || log.entries().len() == 5).await;
    let mut entries = log.entries();
    entries.sort();
    assert_eq!(entries, ["a b", "c", "d e", "it's", "quoted \" arg"]);

    // Errors are one line each and the session goes on.
    assert_eq!(raw.ask("frob").await, "error: unknown command 'frob' (try help)");
    assert_eq!(raw.ask("map record '[1").await, "error: unterminated single quote");
    assert_eq!(
        raw.ask("map nope []").await,
        "error: no function named 'nope' is registered (see registered)"
    );
    assert_eq!(raw.ask("cancel-group nope").await, "error: TaskPool-text has no group named 'nope'");
    assert_eq!(raw.ask("stop 1").await, "error: 'stop' does not apply to TaskPool-text, a TaskPool");

    // Help, and multi-line replies.
    raw.send_line("cancel -h").await;
    assert_eq!(raw.lines(2).await, ["cancel ID...", "    cancel these tasks (all or none)"]);
    raw.send_line("registered").await;
    assert_eq!(
        raw.lines(4).await,
        ["add((u32, u32))", "hang(())", "job(it::support::Job)", "record(alloc::string::String)"]
    );
    wait_until("the groups to end", || pool.status().groups.is_empty()).await;
    raw.send_line("status").await;
    assert_eq!(
        raw.lines(4).await,
        [
            "TaskPool-text (open)",
            "size 4, running 0, waiting 0",
            "ended 5, cancelled 0, failed 0",
            "no groups"
        ]
    );
    assert_eq!(raw.ask("tasks").await, "no running tasks");
    handle.shutdown().await;
}
