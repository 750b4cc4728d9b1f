//! Exit codes and messages when things go wrong, and that the pool is
//! unaffected by them.

use serde_json::Value;
use taskpool_control::ControlServer;
use tokio_taskpool::SimpleTaskPool;

use crate::support::{ctl, one, socket_path, target};

fn pool(name: &str) -> SimpleTaskPool {
    SimpleTaskPool::builder(std::future::pending::<()>).name(name).pool_size(4).build()
}

fn assert_untouched(pool: &SimpleTaskPool) {
    let status = pool.status();
    assert_eq!(
        (status.running, status.waiting, status.ended, status.pool_size),
        (0, 0, 0, Some(4)),
        "{status:?}"
    );
    assert!(!status.locked && status.groups.is_empty(), "{status:?}");
}

#[tokio::test]
async fn refused_commands_exit_1_with_the_error_on_stderr() {
    let pool = pool("ctl-refused");
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let run = one(&handle, &["cancel-group", "nope"]).await;
    assert_eq!(run.stdout, "");
    assert_eq!(run.fails(1), "error: SimpleTaskPool-ctl-refused has no group named 'nope'");
    assert_eq!(
        one(&handle, &["cancel", "3"]).await.fails(1),
        "error: SimpleTaskPool-ctl-refused has no task 3"
    );
    assert_eq!(
        one(&handle, &["apply", "f"]).await.fails(1),
        "error: 'apply' does not apply to SimpleTaskPool-ctl-refused, a SimpleTaskPool"
    );

    // With --json the error response is printed too.
    let mut args = vec!["--json".to_owned()];
    args.extend(target(&handle));
    args.extend(["--".to_owned(), "cancel".to_owned(), "7".to_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = ctl(&args, "", &[]).await;
    let response: Value = serde_json::from_str(run.stdout.trim_end()).unwrap();
    assert_eq!(response["error"]["kind"], "task_not_found");
    assert_eq!(run.fails(1), "error: SimpleTaskPool-ctl-refused has no task 7");
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn bad_commands_exit_2_without_reaching_the_pool() {
    let pool = pool("ctl-bad");
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    assert_eq!(one(&handle, &["frob"]).await.fails(2), "taskpool-ctl: unknown command 'frob' (try help)");
    assert_eq!(
        one(&handle, &["start", "many"]).await.fails(2),
        "taskpool-ctl: start: N must be a whole number, not 'many'"
    );
    assert_eq!(one(&handle, &["start", "0"]).await.fails(2), "taskpool-ctl: start: N must be at least 1");
    // Usage errors come from clap, also with code 2.
    assert!(ctl(&["tcp", "127.0.0.1"], "", &[]).await.fails(2).contains("required"));
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn the_token_comes_from_the_flag_or_the_environment() {
    let pool = pool("ctl-token");
    let handle = ControlServer::builder(&pool)
        .token("correct-horse-battery-staple")
        .build()
        .listen_unix(socket_path("token"))
        .await
        .unwrap();
    let path = handle.unix_path().unwrap().to_str().unwrap().to_owned();

    let missing = ctl(&["unix", &path, "--", "status"], "", &[]).await;
    assert_eq!(
        missing.fails(2),
        format!("taskpool-ctl: cannot open a session with {path}: the server refused the session: missing access token")
    );
    let wrong = ctl(&["--token", "guess", "unix", &path, "--", "start", "1"], "", &[]).await;
    assert!(wrong.fails(2).ends_with("the server refused the session: wrong access token"));
    let wrong_env = ctl(&["unix", &path, "--", "start", "1"], "", &[("TASKPOOL_CTL_TOKEN", "guess")]).await;
    assert!(wrong_env.fails(2).ends_with("wrong access token"));
    assert_untouched(&pool);

    let flag =
        ctl(&["--token", "correct-horse-battery-staple", "unix", &path, "--", "pool-size"], "", &[]).await;
    assert_eq!((flag.code, flag.stdout.as_str()), (0, "4\n"), "{flag:?}");
    assert!(flag.stderr.contains("is visible to other users in the process list"), "{flag:?}");
    assert_eq!(
        ctl(
            &["unix", &path, "--", "pool-size"],
            "",
            &[("TASKPOOL_CTL_TOKEN", "correct-horse-battery-staple")]
        )
        .await
        .ok(),
        "4"
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn a_read_only_server_refuses_changes() {
    let pool = pool("ctl-ro");
    let handle = ControlServer::builder(&pool)
        .read_only(true)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    assert_eq!(
        one(&handle, &["start", "3"]).await.fails(1),
        "error: this control server of SimpleTaskPool-ctl-ro is read-only; 'start' would change the pool"
    );
    assert_eq!(one(&handle, &["num-running"]).await.ok(), "0");
    assert_untouched(&pool);
    handle.shutdown().await;
}

#[tokio::test]
async fn no_server_exits_2() {
    let path = socket_path("nobody");
    let run = ctl(&["unix", path.to_str().unwrap(), "--", "status"], "", &[]).await;
    let message = run.fails(2);
    assert!(
        message.starts_with(&format!(
            "taskpool-ctl: cannot open a session with {}: connection error: ",
            path.display()
        )),
        "{message}"
    );
}
