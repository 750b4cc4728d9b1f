//! Every error path: each gets an error reply, the session goes on where it
//! can, and the pool is unaffected.

use std::time::Duration;

use serde_json::json;
use taskpool_control::ControlServer;
use taskpool_protocol::{ClientError, Command, ControlClient, ErrorKind};
use tokio_taskpool::TaskPool;

use crate::support::{error_of, task_server, tcp_client, wait_until, within, Log, Raw};

/// Asserts that nothing has happened to a fresh pool.
fn assert_untouched(pool: &TaskPool) {
    let status = pool.status();
    assert_eq!(
        (status.running, status.waiting, status.ended, status.cancelled, status.failed),
        (0, 0, 0, 0, 0),
        "the pool must be unaffected: {status:?}"
    );
    assert!(status.groups.is_empty() && !status.locked && !status.closed, "{status:?}");
    assert_eq!(status.pool_size, Some(3));
}

#[tokio::test]
async fn bad_requests_get_errors_and_the_session_goes_on() {
    let (pool, log) = (TaskPool::builder().name("bad").pool_size(3).build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;

    let cases = [
        ("this is not json".to_owned(), "bad_request", "not a valid request: expected ident at line 1 column 2"),
        (json!([1, 2]).to_string(), "bad_request", "a request must be a JSON object, not [1,2]"),
        (json!({"command": "frob"}).to_string(), "unknown_command", "unknown command 'frob' (try help)"),
        (
            json!({"command": "pool-size", "args": {"size": "x"}}).to_string(),
            "bad_argument",
            "pool-size: 'size' must be a whole number, not \"x\"",
        ),
        (json!({"command": "apply", "args": {"function": "nope"}}).to_string(), "unknown_function", "no function named 'nope' is registered (see registered)"),
        (
            json!({"command": "map", "args": {"function": "record", "items": ["ok", 2]}}).to_string(),
            "bad_argument",
            "map: item 1 is not a valid argument of record (alloc::string::String): invalid type: integer `2`, expected a string",
        ),
        (
            json!({"command": "starmap", "args": {"function": "add", "items": [{"a": 1}]}}).to_string(),
            "bad_argument",
            "starmap: item 0 must be an array, not {\"a\":1}",
        ),
        (
            json!({"command": "starmap", "args": {"function": "add", "items": [[1, 2, 3]]}}).to_string(),
            "bad_argument",
            "starmap: item 0 is not a valid argument of add ((u32, u32)): trailing characters at line 1 column 1",
        ),
        (
            json!({"command": "doublestarmap", "args": {"function": "job", "items": [{"name": "x"}]}}).to_string(),
            "bad_argument",
            "doublestarmap: item 0 is not a valid argument of job (it::support::Job): missing field `weight`",
        ),
        (
            json!({"command": "apply", "args": {"function": "add", "argument": "x"}}).to_string(),
            "bad_argument",
            "apply: the argument of add must be a (u32, u32): invalid type: string \"x\", expected a tuple of size 2",
        ),
        (json!({"command": "cancel", "args": {"ids": [42]}}).to_string(), "task_not_found", "TaskPool-bad has no task 42"),
        (json!({"command": "start", "args": {"n": 1}}).to_string(), "unsupported", "'start' does not apply to TaskPool-bad, a TaskPool"),
    ];
    for (line, kind, message) in cases {
        raw.send_line(&line).await;
        let reply: serde_json::Value = serde_json::from_str(&raw.expect_line().await).unwrap();
        let (got_kind, got_message) = error_of(&reply);
        // serde's wording of a tuple's length error varies; the rest is ours.
        if message.contains("trailing characters") {
            assert_eq!(got_kind, kind, "{line}");
            assert!(
                got_message.starts_with("starmap: item 0 is not a valid argument of add ((u32, u32)): "),
                "{got_message}"
            );
            continue;
        }
        assert_eq!((got_kind.as_str(), got_message.as_str()), (kind, message), "line {line}");
    }

    // The request's id comes back even when the request is bad.
    let reply = raw.ask_json(&json!({"id": "x-1", "command": "status", "extra": 1})).await;
    assert_eq!(reply["id"], json!("x-1"));
    assert_eq!(error_of(&reply).0, "bad_request");

    // Not UTF-8.
    raw.send(b"\xff\xfe\n").await;
    let reply: serde_json::Value = serde_json::from_str(&raw.expect_line().await).unwrap();
    assert_eq!(error_of(&reply), ("bad_request".into(), "the line is not valid UTF-8".into()));

    // Blank lines get no reply; the session still works.
    raw.send(b"\n  \n").await;
    let reply = raw.ask_json(&json!({"id": 9, "command": "num-running"})).await;
    assert_eq!(reply, json!({"id": 9, "ok": true, "result": 0}));
    assert!(log.entries().is_empty(), "no registered function ran: {:?}", log.entries());
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_refused() {
    let pool = TaskPool::builder().name("token").pool_size(3).build();
    let server = ControlServer::builder(&pool).token("correct-horse-battery-staple").build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let addr = handle.local_addr().unwrap();

    for (token, message) in [(None, "missing access token"), (Some("wrong"), "wrong access token")] {
        match within("connecting", ControlClient::connect_tcp(addr, token)).await {
            Err(ClientError::Handshake(e)) => {
                assert_eq!((e.kind(), e.message()), (&ErrorKind::Unauthorized, message))
            }
            other => panic!("token {token:?} must be refused, got {other:?}"),
        }
    }
    // In text mode, the refusal is an error line, then the server hangs up.
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(raw.ask(r#"{"terminal_width": 80, "token": "nope"}"#).await, "error: wrong access token");
    raw.expect_closed().await;
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(raw.ask(r#"{"terminal_width": 80}"#).await, "error: missing access token");
    raw.expect_closed().await;

    let mut client =
        within("connecting", ControlClient::connect_tcp(addr, Some("correct-horse-battery-staple")))
            .await
            .unwrap();
    assert_eq!(client.call(&Command::PoolSize).await.unwrap(), json!(3));
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    assert_eq!(
        raw.ask(r#"{"terminal_width": 80, "token": "correct-horse-battery-staple"}"#).await,
        "TaskPool-token"
    );
    assert_eq!(raw.ask("pool-size").await, "3");
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_read_only_server_runs_queries_only() {
    let (pool, log) = (TaskPool::builder().name("ro").pool_size(3).build(), Log::default());
    let handle = task_server(&pool, &log)
        .read_only(true)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut client = tcp_client(&handle).await;
    assert!(client.server().read_only);
    for line in
        ["status", "tasks", "pool-size", "num-running", "is-locked", "registered", "help", "group-ids"]
    {
        let command = Command::parse_line(line).unwrap();
        client.call(&command).await.unwrap_or_else(|e| panic!("query {line} refused: {e}"));
    }
    for line in [
        "pool-size 1",
        "lock",
        "unlock",
        "cancel 0",
        "cancel-group g",
        "cancel-all",
        "flush",
        "apply record '\"x\"'",
        "map record []",
    ] {
        let command = Command::parse_line(line).unwrap();
        match client.call(&command).await {
            Err(ClientError::Remote(e)) => {
                assert_eq!(e.kind(), "read_only", "{line}");
                assert!(e.message().starts_with("this control server of TaskPool-ro is read-only"), "{e}");
            }
            other => panic!("{line} must be refused by a read-only server, got {other:?}"),
        }
    }
    assert!(log.entries().is_empty());
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn an_oversized_line_is_dropped_and_the_session_goes_on() {
    let pool = TaskPool::builder().name("long").pool_size(3).build();
    let handle = ControlServer::builder(&pool)
        .max_line_len(1024)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    let long = format!(
        "{{\"command\": \"pool-size\", \"args\": {{\"size\": 1}}, \"pad\": \"{}\"}}",
        "x".repeat(100_000)
    );
    raw.send_line(&long).await;
    let reply: serde_json::Value = serde_json::from_str(&raw.expect_line().await).unwrap();
    assert_eq!(
        error_of(&reply),
        ("line_too_long".into(), "the line is longer than the limit of 1024 bytes and was dropped".into())
    );
    let reply = raw.ask_json(&json!({"command": "pool-size"})).await;
    assert_eq!(reply["result"], json!(3), "the session goes on and the long line did nothing");

    // An oversized hello ends the session.
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    raw.send_line(&"y".repeat(5000)).await;
    let reply: serde_json::Value = serde_json::from_str(&raw.expect_line().await).unwrap();
    assert_eq!(error_of(&reply).0, "line_too_long");
    raw.expect_closed().await;
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn sessions_beyond_the_limit_are_refused() {
    let pool = TaskPool::builder().name("many").pool_size(3).build();
    let handle = ControlServer::builder(&pool)
        .max_sessions(2)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let addr = handle.local_addr().unwrap();
    let first = tcp_client(&handle).await;
    let mut second = tcp_client(&handle).await;
    match within("connecting", ControlClient::connect_tcp(addr, None)).await {
        Err(ClientError::Handshake(e)) => assert_eq!(
            (e.kind(), e.message()),
            (&ErrorKind::TooManySessions, "too many control sessions are open; try again later")
        ),
        other => panic!("a third session must be refused, got {other:?}"),
    }
    // The open sessions are unaffected.
    assert_eq!(second.call(&Command::PoolSize).await.unwrap(), json!(3));
    // Once a session ends, its place is free again.
    drop(first);
    within("a free session place", async {
        loop {
            match ControlClient::connect_tcp(addr, None).await {
                Ok(client) => break client,
                Err(ClientError::Handshake(e)) if e.kind() == "too_many_sessions" => {
                    tokio::time::sleep(Duration::from_millis(5)).await
                }
                Err(e) => panic!("unexpected error: {e}"),
            }
        }
    })
    .await;
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn idle_sessions_are_closed_with_a_reason() {
    let pool = TaskPool::builder().name("idle").pool_size(3).build();
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .idle_timeout(Duration::from_millis(200))
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let mut raw = Raw::json(handle.local_addr().unwrap()).await;
    // Nothing is sent: the server speaks up, then hangs up.
    let reply: serde_json::Value = serde_json::from_str(&raw.expect_line().await).unwrap();
    assert_eq!(
        error_of(&reply),
        ("idle_timeout".into(), "nothing received for 200ms; closing the session".into())
    );
    raw.expect_closed().await;
    // A client that never says hello is closed too.
    let mut silent = Raw::tcp(handle.local_addr().unwrap()).await;
    assert!(silent.expect_line().await.contains("idle_timeout"));
    silent.expect_closed().await;
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn bad_handshakes_are_refused() {
    let pool = TaskPool::builder().name("hello").pool_size(3).build();
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let cases = [
        ("status", "bad_handshake"),
        ("{}", "bad_handshake"),
        (r#"{"protocol": "taskpool-control"}"#, "bad_handshake"),
        (r#"{"protocol": "other", "version": 1}"#, "bad_handshake"),
        (r#"{"protocol": "taskpool-control", "version": 2}"#, "unsupported_version"),
    ];
    for (hello, kind) in cases {
        let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
        let reply: serde_json::Value = serde_json::from_str(&raw.ask(hello).await).unwrap();
        assert_eq!(error_of(&reply).0, kind, "hello {hello}");
        raw.expect_closed().await;
    }
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    let reply: serde_json::Value =
        serde_json::from_str(&raw.ask(r#"{"protocol": "taskpool-control", "version": 2}"#).await).unwrap();
    assert_eq!(error_of(&reply).1, "this server speaks version 1 of the protocol, not 2");
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn a_misbehaving_client_blocks_neither_the_pool_nor_other_sessions() {
    let (pool, log) = (TaskPool::builder().name("stuck").pool_size(3).build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    // One client floods requests and never reads a reply, so its session
    // blocks writing; another sends half a line and stops.
    let mut flooder = Raw::json(handle.local_addr().unwrap()).await;
    let request = format!("{}\n", json!({"command": "help"}));
    let flood = request.repeat(2000);
    let flooding = tokio::spawn(async move {
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            let _ = flooder.send(flood.as_bytes()).await;
        })
        .await;
        flooder
    });
    let mut half = Raw::json(handle.local_addr().unwrap()).await;
    half.send(b"{\"command\": \"lo").await;

    let mut client = tcp_client(&handle).await;
    client.call(&Command::parse_line("apply hang -n 2").unwrap()).await.unwrap();
    wait_until("2 running", || pool.num_running() == 2).await;
    assert_eq!(client.call(&Command::NumRunning).await.unwrap(), json!(2));
    client.call(&Command::CancelAll).await.unwrap();
    wait_until("none running", || pool.num_running() == 0).await;
    assert!(!pool.is_locked(), "the half line never became a command");
    drop(flooding);
    handle.shutdown().await;
}
