//! Queries stay small whatever the pool holds and whatever a client sends
//! (issue 15, H1 and M3): `tasks` and `status` list at most the server's
//! row limit and say they were cut, `group-ids` takes a bounded number of
//! names, and names are short and printable.

use serde_json::json;
use taskpool_protocol::Command;
use tokio_taskpool::TaskPool;

use crate::support::{error_of, task_server, tcp_client, wait_until, within, Log, Raw};

#[tokio::test]
async fn tasks_and_status_are_cut_at_the_row_limit_and_say_so() {
    let (pool, log) = (TaskPool::builder().name("rows").build(), Log::default());
    let handle = task_server(&pool, &log)
        .max_reply_rows(5)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    for i in 0..7 {
        pool.apply(std::future::pending::<()>).num(2).group(format!("g{i}")).start().unwrap();
    }
    wait_until("14 tasks running", || pool.num_running() == 14).await;

    let mut client = tcp_client(&handle).await;
    let tasks = within("tasks", client.tasks()).await.unwrap();
    let mut lowest: Vec<u64> = pool.running_tasks().iter().map(|t| t.id.as_u64()).collect();
    lowest.sort_unstable();
    lowest.truncate(5);
    assert_eq!(tasks.tasks.iter().map(|t| t.id).collect::<Vec<_>>(), lowest);
    assert_eq!((tasks.total, tasks.truncated), (14, true));
    let status = within("status", client.status()).await.unwrap();
    let names: Vec<&str> = status.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["g0", "g1", "g2", "g3", "g4"]);
    assert_eq!((status.num_groups, status.groups_truncated), (7, true));

    // In text mode, the table ends with the marker.
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(raw.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-rows");
    raw.send_line("tasks").await;
    let lines = raw.lines(7).await;
    assert_eq!(lines[0], "ID  GROUP  AGE");
    assert_eq!(lines[6], "(truncated: 9 more not shown, 14 running tasks in all)");
    raw.send_line("status").await;
    let lines = raw.lines(10).await;
    assert_eq!(lines[9], "(truncated: 2 more not shown, 7 groups in all)");

    pool.cancel_all();
    wait_until("nothing running", || pool.num_running() == 0).await;
    let tasks = within("tasks", client.tasks()).await.unwrap();
    assert_eq!((tasks.tasks.len(), tasks.total, tasks.truncated), (0, 0, false));
    handle.shutdown().await;
}

#[tokio::test]
async fn group_ids_with_too_many_names_is_refused_and_the_session_goes_on() {
    let (pool, log) = (TaskPool::builder().name("names").build(), Log::default());
    let handle = task_server(&pool, &log)
        .read_only(true)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    pool.apply(std::future::pending::<()>).group("g").start().unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    // The attack of the review: one line of a name repeated to the limit.
    let names = vec!["g"; 10_000];
    let reply = raw.ask_json(&json!({"id": 1, "command": "group-ids", "args": {"groups": names}})).await;
    assert_eq!(
        error_of(&reply),
        ("bad_argument".into(), "group-ids: at most 64 group names per request, not 10000".into())
    );
    let reply = raw.ask_json(&json!({"id": 2, "command": "group-ids", "args": {"groups": ["g"]}})).await;
    assert_eq!(reply["result"].as_array().map(Vec::len), Some(1), "{reply}");
    pool.cancel_all();
    handle.shutdown().await;
}

#[test]
fn the_wire_and_the_library_take_the_same_names() {
    assert_eq!(Command::MAX_NAME_LEN, tokio_taskpool::MAX_GROUP_NAME_LEN);
}

#[tokio::test]
async fn long_and_unprintable_names_are_refused_over_the_wire() {
    let (pool, log) = (TaskPool::builder().name("names").build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    let long = "n".repeat(Command::MAX_NAME_LEN + 1);
    for (args, message) in [
        (
            json!({"function": "record", "argument": "x", "group": long}),
            "apply: a group name may be at most 128 bytes long, not 129",
        ),
        (
            json!({"function": "record", "argument": "x", "group": "a\nb"}),
            r"apply: a group name may hold only printable characters, not \u{a}",
        ),
        (
            json!({"function": long, "argument": "x"}),
            "apply: a function name may be at most 128 bytes long, not 129",
        ),
    ] {
        let reply = raw.ask_json(&json!({"command": "apply", "args": args})).await;
        assert_eq!(error_of(&reply), ("bad_argument".to_owned(), message.to_owned()));
    }
    let mut text = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(text.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-names");
    assert_eq!(
        text.ask("map record [\"a\"] --group \"\u{1b}]0;pwned\u{7}\"").await,
        r"error: map: a group name may hold only printable characters, not \u{1b}"
    );
    let status = pool.status();
    assert!(status.groups.is_empty() && status.ended == 0, "nothing started: {status:?}");
    handle.shutdown().await;
}

#[tokio::test]
async fn one_command_asks_for_a_bounded_number_of_tasks() {
    // The default refuses the review's `apply pending -n 10^12` on an
    // unlimited pool.
    let (pool, log) = (TaskPool::builder().name("many").build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(raw.ask(r#"{"terminal_width": 80}"#).await, "TaskPool-many");
    assert_eq!(
        raw.ask("apply hang -n 1000000000000").await,
        "error: apply: -n asks for 1000000000000 tasks; this control server starts at most 10000 per command"
    );
    handle.shutdown().await;

    let handle = task_server(&pool, &log)
        .max_tasks_per_command(3)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    for (command, args, message) in [
        (
            "apply",
            json!({"function": "hang", "num": 4}),
            "apply: -n asks for 4 tasks; this control server starts at most 3 per command",
        ),
        (
            "map",
            json!({"function": "record", "items": ["a", "b", "c", "d"]}),
            "map: the items ask for 4 tasks; this control server starts at most 3 per command",
        ),
        (
            "starmap",
            json!({"function": "add", "items": [[1, 2], [1, 2], [1, 2], [1, 2]]}),
            "starmap: the items ask for 4 tasks; this control server starts at most 3 per command",
        ),
    ] {
        let reply = raw.ask_json(&json!({"command": command, "args": args})).await;
        assert_eq!(error_of(&reply), ("too_many_tasks".to_owned(), message.to_owned()));
    }
    let status = pool.status();
    assert!(status.groups.is_empty() && status.ended == 0, "nothing started: {status:?}");
    let reply = raw.ask_json(&json!({"command": "apply", "args": {"function": "hang", "num": 3}})).await;
    assert_eq!(reply["ok"], json!(true), "{reply}");
    wait_until("3 running", || pool.num_running() == 3).await;
    pool.cancel_all();
    handle.shutdown().await;

    let simple = crate::support::simple_pool("many");
    let handle = taskpool_control::ControlServer::builder(&simple)
        .max_tasks_per_command(3)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    let reply = raw.ask_json(&json!({"command": "start", "args": {"n": 4}})).await;
    assert_eq!(
        error_of(&reply),
        (
            "too_many_tasks".into(),
            "start: N asks for 4 tasks; this control server starts at most 3 per command".into()
        )
    );
    assert_eq!(simple.num_running() + simple.num_waiting(), 0);
    handle.shutdown().await;
}

/// The resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

/// The review's H1 and M3 attacks, rerun for the figures in RELIABILITY.md
/// (not a pass/fail test): 100,000 tasks in one group with a name of the
/// longest length allowed; a client sends the review's `group-ids` line
/// (one name 32,763 times) in a loop while another times `num-running`;
/// then 15 sessions ask `tasks` 200 times each and never read.
///
/// `cargo test -p taskpool-control --release --test it limits::attack_figures -- --ignored --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run by hand"]
async fn attack_figures() {
    use std::time::{Duration, Instant};

    let pool = TaskPool::builder().name("attack").build();
    let name = "g".repeat(Command::MAX_NAME_LEN);
    pool.apply(std::future::pending::<()>).num(100_000).group(name.clone()).start().unwrap();
    wait_until("100,000 running", || pool.num_running() == 100_000).await;
    let server = taskpool_control::ControlServer::builder(&pool)
        .read_only(true)
        .allow_unauthenticated_loopback(true)
        .max_sessions(32)
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();

    // H1.
    let line = format!("group-ids {}", vec!["g"; 32_763].join(" "));
    let mut attacker = Raw::tcp(addr).await;
    attacker.ask(r#"{"terminal_width": 80}"#).await;
    let mut victim = tcp_client(&handle).await;
    let (mut slowest_attack, mut slowest_query) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..50 {
        let started = Instant::now();
        let reply = attacker.ask(&line).await;
        slowest_attack = slowest_attack.max(started.elapsed());
        assert!(reply.starts_with("error: group-ids: at most 64"), "{reply}");
        let started = Instant::now();
        victim.call(&Command::NumRunning).await.unwrap();
        slowest_query = slowest_query.max(started.elapsed());
    }
    let started = Instant::now();
    let ids = pool.group_ids(&vec![name.as_str(); 64]).unwrap();
    let lock_64 = started.elapsed();
    println!(
        "H1: 50 group-ids lines of 32,763 names: slowest refusal {slowest_attack:?}, slowest num-running \
         of another session {slowest_query:?}; group_ids of 64 copies of the 100,000-task group's name: \
         {} IDs in {lock_64:?}",
        ids.len()
    );

    // M3.
    let before = rss_kib();
    let mut readers = Vec::new();
    for _ in 0..15 {
        let mut raw = Raw::tcp(addr).await;
        raw.ask(r#"{"terminal_width": 80}"#).await;
        raw.send("tasks\n".repeat(200).as_bytes()).await;
        readers.push(raw);
    }
    let mut peak = before;
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(15) {
        peak = peak.max(rss_kib());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let started = Instant::now();
    victim.call(&Command::NumRunning).await.unwrap();
    let query = started.elapsed();
    drop(readers);
    tokio::time::sleep(Duration::from_secs(1)).await;
    println!(
        "M3: 15 sessions x 200 unread `tasks` (100,000 tasks, 128-byte group name): RSS {before} KiB before, \
         peak {peak} KiB, {} KiB after; num-running meanwhile {query:?}",
        rss_kib()
    );
    pool.cancel_all();
    handle.shutdown().await;
}
