//! Every command through `taskpool-ctl HOST -- COMMAND`, on both pool kinds.

use serde_json::{json, Value};
use taskpool_control::ControlServer;
use tokio_taskpool::{SimpleTaskPool, TaskPool};

use crate::support::{ctl, one, socket_path, target, wait_until};

#[tokio::test]
async fn every_simple_pool_command_over_unix() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-simple").build();
    let handle = ControlServer::builder(&pool).build().listen_unix(socket_path("simple")).await.unwrap();

    assert_eq!(one(&handle, &["start", "5"]).await.ok(), "start-group-0");
    wait_until("5 workers", || pool.num_running() == 5).await;
    assert_eq!(one(&handle, &["num-running"]).await.ok(), "5");
    assert_eq!(one(&handle, &["pool-size"]).await.ok(), "none");
    assert_eq!(one(&handle, &["pool-size", "3"]).await.ok(), "ok");
    assert_eq!(pool.pool_size(), Some(3));
    assert_eq!(one(&handle, &["pool-size"]).await.ok(), "3");
    assert_eq!(one(&handle, &["is-full"]).await.ok(), "true");
    assert_eq!(one(&handle, &["stop", "2"]).await.ok(), "[4,3]");
    wait_until("3 workers", || pool.num_running() == 3).await;
    assert_eq!(one(&handle, &["group-ids", "start-group-0"]).await.ok(), "[0,1,2]");
    assert_eq!(one(&handle, &["cancel", "2"]).await.ok(), "ok");
    wait_until("2 workers", || pool.num_running() == 2).await;
    assert_eq!(one(&handle, &["num-cancelled"]).await.ok(), "3");
    assert_eq!(one(&handle, &["num-waiting"]).await.ok(), "0");

    let tasks = one(&handle, &["tasks"]).await.ok();
    let lines: Vec<&str> = tasks.lines().collect();
    assert_eq!(lines[0], "ID  GROUP          AGE");
    assert!(
        lines[1].starts_with("0   start-group-0  ") && lines[2].starts_with("1   start-group-0  "),
        "{tasks}"
    );
    assert_eq!(lines.len(), 3);

    let status = one(&handle, &["status"]).await.ok();
    assert_eq!(
        status,
        "SimpleTaskPool-ctl-simple (open)\n\
         size 3, running 2, waiting 0\n\
         ended 3, cancelled 3, failed 0\n\
         GROUP          KIND   TASKS  STARTED  SPAWNING\n\
         start-group-0  start  2      5        no"
    );

    assert_eq!(one(&handle, &["lock"]).await.ok(), "ok");
    assert_eq!(one(&handle, &["is-locked"]).await.ok(), "true");
    assert_eq!(one(&handle, &["unlock"]).await.ok(), "ok");
    assert_eq!(one(&handle, &["cancel-group", "start-group-0"]).await.ok(), "ok");
    wait_until("no workers", || pool.num_running() == 0).await;
    one(&handle, &["start", "2"]).await.ok();
    wait_until("2 workers again", || pool.num_running() == 2).await;
    assert_eq!(one(&handle, &["stop-all"]).await.ok(), "[6,5]");
    one(&handle, &["start", "1"]).await.ok();
    wait_until("1 worker", || pool.num_running() == 1).await;
    assert_eq!(one(&handle, &["cancel-all"]).await.ok(), "ok");
    wait_until("no workers", || pool.num_running() == 0).await;
    assert_eq!(one(&handle, &["num-ended"]).await.ok(), pool.num_ended().to_string());
    assert_eq!(one(&handle, &["num-failed"]).await.ok(), "0");
    assert_eq!(one(&handle, &["is-closed"]).await.ok(), "false");
    assert_eq!(one(&handle, &["flush"]).await.ok(), "ok");
    assert!(one(&handle, &["help"]).await.ok().contains("stop-all"));
    assert_eq!(
        one(&handle, &["stop", "-h"]).await.ok(),
        "stop N\n    take N workers away (waiting starts first, then the newest)"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn task_pool_commands_over_tcp_start_registered_functions() {
    let pool = TaskPool::builder().name("ctl-task").build();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (tx2, tx3) = (tx.clone(), tx.clone());
    let server = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .register("echo", move |text: String| {
            let tx = tx.clone();
            async move { tx.send(text).unwrap() }
        })
        .register("add", move |(a, b): (i64, i64)| {
            let tx = tx2.clone();
            async move { tx.send((a + b).to_string()).unwrap() }
        })
        .register("hang", |(): ()| std::future::pending::<()>())
        .register("point", move |p: std::collections::BTreeMap<String, i64>| {
            let tx = tx3.clone();
            async move { tx.send(format!("{p:?}")).unwrap() }
        })
        .build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();

    assert_eq!(
        one(&handle, &["registered"]).await.ok(),
        "add((i64, i64))\necho(alloc::string::String)\nhang(())\n\
         point(alloc::collections::btree::map::BTreeMap<alloc::string::String, i64>)"
    );
    // The shell has removed the quotes: each JSON argument is one word.
    assert_eq!(
        one(&handle, &["map", "echo", r#"["a b", "c"]"#, "-n", "2", "--group", "words"]).await.ok(),
        "words"
    );
    assert_eq!(one(&handle, &["starmap", "add", "[[1, 2], [-5, 3]]"]).await.ok(), "starmap-group-0");
    assert!(one(&handle, &["doublestarmap", "point", r#"[{"x": 1}]"#]).await.ok().starts_with("map-group-"));
    assert!(one(&handle, &["apply", "echo", r#""once""#, "-n", "2"]).await.ok().starts_with("apply-group-"));
    let mut got = Vec::new();
    for _ in 0..7 {
        got.push(crate::support::within("a registered function to run", rx.recv()).await.unwrap());
    }
    got.sort();
    assert_eq!(got, ["-2", "3", "a b", "c", "once", "once", "{\"x\": 1}"]);

    assert_eq!(one(&handle, &["apply", "hang", "-n", "2", "--group", "h"]).await.ok(), "h");
    wait_until("2 hanging", || pool.num_running() == 2).await;
    // --json prints the server's response line as is.
    let raw: Value = serde_json::from_str(&one_json(&handle, &["group-ids", "h"]).await).unwrap();
    assert_eq!(raw, json!({"id": 0, "ok": true, "result": [7, 8]}));
    handle.shutdown().await;
}

async fn one_json(handle: &taskpool_control::ControlHandle, command: &[&str]) -> String {
    let target = target(handle);
    let mut args = vec!["--json"];
    args.extend(target.iter().map(String::as_str));
    args.push("--");
    args.extend_from_slice(command);
    ctl(&args, "", &[]).await.ok()
}
