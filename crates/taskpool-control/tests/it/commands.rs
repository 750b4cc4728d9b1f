//! Every command, through the JSON client, on both pool kinds, over TCP
//! and Unix sockets.

use serde_json::{json, Value};
use taskpool_control::ControlServer;
use taskpool_protocol::{ClientError, Command, ControlClient, MapStyle, StatusReply};
use tokio_taskpool::{TaskId, TaskPool};

use crate::support::{simple_pool, socket_path, task_server, tcp_client, wait_until, within, Log};

async fn call(client: &mut ControlClient, line: &str) -> Value {
    let command = Command::parse_line(line).unwrap_or_else(|e| panic!("{line:?} does not parse: {e}"));
    within(line, client.call(&command)).await.unwrap_or_else(|e| panic!("{line:?} failed: {e}"))
}

async fn refused(client: &mut ControlClient, line: &str) -> (String, String) {
    let command = Command::parse_line(line).unwrap_or_else(|e| panic!("{line:?} does not parse: {e}"));
    match within(line, client.call(&command)).await {
        Err(ClientError::Remote(e)) => (e.kind().to_string(), e.message().to_owned()),
        other => panic!("{line:?} should be refused by the server, got {other:?}"),
    }
}

/// Drives every TaskPool command and checks each against the pool itself.
async fn task_pool_commands(client: &mut ControlClient, pool: &TaskPool, log: &Log) {
    let name = pool.to_string();
    assert_eq!(client.server().pool, name);
    assert_eq!(client.server().pool_kind, "TaskPool");

    let help = call(client, "help").await;
    assert!(help.as_str().unwrap().contains("map NAME JSON_ARRAY [-n K] [--group G]"), "{help}");
    assert!(
        !help.as_str().unwrap().contains("stop-all"),
        "a TaskPool's help lists no SimpleTaskPool command"
    );
    let help = call(client, "cancel -h").await;
    assert_eq!(help, json!("cancel ID...\n    cancel these tasks (all or none)"));

    // Size.
    assert_eq!(call(client, "pool-size").await, Value::Null);
    assert_eq!(call(client, "pool-size 2").await, Value::Null);
    assert_eq!(pool.pool_size(), Some(2));
    assert_eq!(call(client, "pool-size").await, json!(2));

    // The registered functions, with their argument types.
    let registered = call(client, "registered").await;
    let names: Vec<&str> =
        registered.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["add", "hang", "job", "record"]);
    assert_eq!(registered[0]["argument"], json!("(u32, u32)"));
    assert_eq!(registered[3]["argument"], json!("alloc::string::String"));
    assert!(registered[2]["argument"].as_str().unwrap().ends_with("support::Job"), "{registered}");

    // apply: three tasks in a pool of two.
    assert_eq!(call(client, "apply hang -n 3 --group hangers").await, json!("hangers"));
    wait_until("2 running and 1 waiting", || pool.num_running() == 2 && pool.num_waiting() == 1).await;
    assert_eq!(call(client, "num-running").await, json!(2));
    assert_eq!(call(client, "num-waiting").await, json!(1));
    assert_eq!(call(client, "is-full").await, json!(true));
    let expected: Vec<u64> = pool.group_ids(&["hangers"]).unwrap().into_iter().map(TaskId::as_u64).collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(call(client, "group-ids hangers").await, json!(expected));
    let tasks = within("tasks", client.tasks()).await.unwrap();
    let task_ids: Vec<u64> = tasks.tasks.iter().map(|t| t.id).collect();
    assert_eq!(task_ids, expected);
    assert!(tasks.tasks.iter().all(|t| t.group == "hangers" && t.age_secs >= 0.0));
    let status: StatusReply = within("status", client.status()).await.unwrap();
    assert_eq!(
        (status.name.as_str(), status.pool_size, status.running, status.waiting),
        (name.as_str(), Some(2), 2, 1)
    );
    assert_eq!(status.groups.len(), 1);
    let group = &status.groups[0];
    assert_eq!(
        (group.name.as_str(), group.kind.as_str(), group.tasks, group.spawning),
        ("hangers", "apply", 2, true)
    );

    // Raising the size starts the waiting task.
    assert_eq!(call(client, "pool-size none").await, Value::Null);
    assert_eq!(pool.pool_size(), None);
    wait_until("3 running", || pool.num_running() == 3).await;
    assert_eq!(call(client, "is-full").await, json!(false));

    // cancel, then cancel-group.
    let first = expected[0];
    assert_eq!(call(client, &format!("cancel {first}")).await, Value::Null);
    wait_until("one task cancelled", || pool.num_cancelled() == 1).await;
    assert_eq!(call(client, "num-cancelled").await, json!(1));
    let (kind, _) = refused(client, &format!("cancel {first}")).await;
    assert!(kind == "already_cancelled" || kind == "already_ended", "{kind}");
    assert_eq!(
        refused(client, "cancel 999").await,
        ("task_not_found".into(), format!("{name} has no task 999"))
    );
    assert_eq!(call(client, "cancel-group hangers").await, Value::Null);
    wait_until("every hanger cancelled", || pool.num_running() == 0 && pool.num_cancelled() == 3).await;
    assert_eq!(
        refused(client, "cancel-group hangers").await,
        ("group_not_found".into(), format!("{name} has no group named 'hangers'"))
    );

    // The map commands; arguments with spaces survive.
    assert_eq!(call(client, r#"map record '["a b", "c"]' -n 2 --group words"#).await, json!("words"));
    assert_eq!(call(client, "starmap add [[1, 2], [3, 4]]").await, json!("starmap-group-0"));
    let group = call(client, r#"doublestarmap job [{"name": "x y", "weight": 3}]"#).await;
    assert!(group.as_str().unwrap().starts_with("map-group-"), "{group}");
    assert!(matches!(
        Command::parse_line("starmap add [[5, 6]]").unwrap(),
        Command::Map { style: MapStyle::Starmap, .. }
    ));
    wait_until("5 map items done", || log.entries().len() == 5).await;
    let mut entries = log.entries();
    entries.sort();
    assert_eq!(entries, ["1+2=3", "3+4=7", "a b", "c", "x y:3"]);

    // lock / unlock.
    assert_eq!(call(client, "is-locked").await, json!(false));
    assert_eq!(call(client, "lock").await, Value::Null);
    assert!(pool.is_locked());
    assert_eq!(call(client, "is-locked").await, json!(true));
    assert_eq!(
        refused(client, "apply record '\"z\"'").await,
        ("pool_is_locked".into(), format!("{name} is locked"))
    );
    assert_eq!(call(client, "unlock").await, Value::Null);
    assert!(!pool.is_locked());
    let group = call(client, "apply record '\"solo\"'").await;
    assert!(group.as_str().unwrap().starts_with("apply-group-"), "{group}");
    wait_until("the solo task ran", || log.entries().contains(&"solo".to_owned())).await;

    // cancel-all.
    call(client, "apply hang -n 2").await;
    wait_until("2 hanging", || pool.num_running() == 2).await;
    assert_eq!(call(client, "cancel-all").await, Value::Null);
    wait_until("none running", || pool.num_running() == 0).await;

    // Counters agree with the pool.
    wait_until("every task ended", || pool.num_ended() == 11).await;
    assert_eq!(call(client, "num-ended").await, json!(pool.num_ended()));
    assert_eq!(call(client, "num-cancelled").await, json!(5));
    assert_eq!(call(client, "num-failed").await, json!(0));
    assert_eq!(call(client, "is-closed").await, json!(false));
    assert_eq!(call(client, "flush").await, json!({"num_failed": 0, "failures": []}));

    // SimpleTaskPool commands do not apply.
    let (kind, message) = refused(client, "start 1").await;
    assert_eq!(
        (kind.as_str(), message),
        ("unsupported", format!("'start' does not apply to {name}, a TaskPool"))
    );
}

#[tokio::test]
async fn every_task_pool_command_over_tcp() {
    let (pool, log) = (TaskPool::builder().name("cmd-tcp").build(), Log::default());
    let handle = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let mut client = tcp_client(&handle).await;
    task_pool_commands(&mut client, &pool, &log).await;
    handle.shutdown().await;
}

#[tokio::test]
async fn every_task_pool_command_over_unix() {
    let (pool, log) = (TaskPool::builder().name("cmd-unix").build(), Log::default());
    let handle = task_server(&pool, &log).build().listen_unix(socket_path("cmd")).await.unwrap();
    let mut client =
        within("connecting", ControlClient::connect_unix(handle.unix_path().unwrap(), None)).await.unwrap();
    task_pool_commands(&mut client, &pool, &log).await;
    handle.shutdown().await;
}

#[tokio::test]
async fn every_simple_pool_command() {
    let pool = simple_pool("cmd-simple");
    let handle = ControlServer::builder(&pool).build().listen_unix(socket_path("simple")).await.unwrap();
    let mut client =
        within("connecting", ControlClient::connect_unix(handle.unix_path().unwrap(), None)).await.unwrap();
    assert_eq!(client.server().pool_kind, "SimpleTaskPool");
    let help = call(&mut client, "help").await;
    assert!(help.as_str().unwrap().contains("stop-all") && !help.as_str().unwrap().contains("apply NAME"));

    assert_eq!(call(&mut client, "start 3").await, json!("start-group-0"));
    wait_until("3 workers", || pool.num_running() == 3).await;
    assert_eq!(call(&mut client, "start 2").await, json!("start-group-1"));
    wait_until("5 workers", || pool.num_running() == 5).await;
    assert_eq!(call(&mut client, "stop 2").await, json!([4, 3]));
    wait_until("3 workers left", || pool.num_running() == 3).await;
    let status = within("status", client.status()).await.unwrap();
    assert_eq!(status.running, 3);
    assert_eq!(status.groups.iter().map(|g| g.kind.as_str()).collect::<Vec<_>>(), ["start"]);
    assert_eq!(call(&mut client, "stop-all").await, json!([2, 1, 0]));
    wait_until("no workers", || pool.num_running() == 0).await;
    assert_eq!(call(&mut client, "stop 1").await, json!([]));
    assert_eq!(call(&mut client, "num-cancelled").await, json!(5));

    for line in ["apply hang", "map record []", "registered"] {
        let (kind, _) = refused(&mut client, line).await;
        assert_eq!(kind, "unsupported", "{line}");
    }
    handle.shutdown().await;
}

#[tokio::test]
async fn failures_are_reported_by_flush() {
    let pool = TaskPool::builder().name("cmd-flush").build();
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .register("boom", |message: String| async move { panic!("{message}") })
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let mut client = tcp_client(&handle).await;
    call(&mut client, "apply boom '\"kaput\"' --group bad").await;
    wait_until("the task failed", || pool.num_failed() == 1).await;
    let report = call(&mut client, "flush").await;
    assert_eq!(report["num_failed"], json!(1));
    let failure = report["failures"][0].as_str().unwrap();
    assert!(failure.contains("'bad'") && failure.ends_with("kaput"), "{failure}");
    assert_eq!(call(&mut client, "flush").await["num_failed"], json!(0), "flush forgets what it reported");
    handle.shutdown().await;
}

#[tokio::test]
async fn several_servers_and_sessions_share_one_pool() {
    let (pool, log) = (TaskPool::builder().name("cmd-shared").build(), Log::default());
    let tcp = task_server(&pool, &log)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let unix = ControlServer::builder(&pool)
        .read_only(true)
        .build()
        .listen_unix(socket_path("shared"))
        .await
        .unwrap();
    let mut writer = tcp_client(&tcp).await;
    let mut other = tcp_client(&tcp).await;
    let mut reader =
        within("connecting", ControlClient::connect_unix(unix.unix_path().unwrap(), None)).await.unwrap();
    assert!(reader.server().read_only && !writer.server().read_only);
    call(&mut writer, "pool-size 7").await;
    assert_eq!(call(&mut other, "pool-size").await, json!(7));
    assert_eq!(call(&mut reader, "pool-size").await, json!(7));
    tcp.shutdown().await;
    unix.shutdown().await;
}

#[test]
fn client_and_server_types_are_send_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ControlServer>();
    send_sync::<taskpool_control::ControlHandle>();
    send_sync::<ControlClient>();
    fn send<T: Send>(_: &T) {}
    let server = ControlServer::builder(TaskPool::new()).allow_unauthenticated_loopback(true).build();
    send(&server.listen_tcp("127.0.0.1:0"));
    send(&server.listen_unix("/nonexistent/never-bound.sock"));
    // Compiled, never run: the client's and the handle's futures are Send too.
    #[allow(dead_code)]
    fn futures_are_send(client: &mut ControlClient, handle: taskpool_control::ControlHandle) {
        send(&client.call(&Command::Status));
        send(&client.status());
        send(&handle.shutdown());
        send(&ControlClient::connect_unix("/nonexistent", None));
    }
}

#[tokio::test]
async fn retire_takes_workers_away_gracefully() {
    // Workers 0 and 1 stop when asked; worker 2 ignores it.
    let pool = tokio_taskpool::SimpleTaskPool::builder(|| async {
        if tokio_taskpool::current::id() == Some(TaskId::from(2)) {
            std::future::pending::<()>().await;
        }
        tokio_taskpool::current::stop_requested().await;
    })
    .name("cmd-retire")
    .build();
    let handle = ControlServer::builder(&pool).build().listen_unix(socket_path("retire")).await.unwrap();
    let mut client =
        within("connecting", ControlClient::connect_unix(handle.unix_path().unwrap(), None)).await.unwrap();
    call(&mut client, "start 3").await;
    wait_until("3 workers", || pool.num_running() == 3).await;
    // The newest (2) ignores the signal and is dropped at the 0 s timeout;
    // the next newest (1) stops in time.
    assert_eq!(call(&mut client, "retire 2 0").await, json!({ "stopped_in_time": 1, "dropped": [2] }));
    let command = Command::parse_line("retire 5").unwrap();
    assert_eq!(command, Command::Retire { n: 5, timeout_secs: 30 });
    let reply = within("retire", client.call(&command)).await.unwrap();
    assert_eq!(command.render(&reply), "1 stopped in time");
    assert_eq!((pool.num_running(), pool.num_cancelled()), (0, 1));
    let err = Command::parse_line("retire 1 soon").unwrap_err();
    assert_eq!(err.message(), "retire: SECONDS must be a whole number, not 'soon'");
    handle.shutdown().await;
}
