//! Sessions without a terminal: commands piped in on stdin.

use taskpool_control::ControlServer;
use tokio_taskpool::SimpleTaskPool;

use crate::support::{ctl, target, wait_until};

#[tokio::test]
async fn piped_commands_run_in_one_session() {
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-piped").build();
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    let target = target(&handle);
    let args: Vec<&str> = target.iter().map(String::as_str).collect();

    let run = ctl(&args, "pool-size 2\n\n  start 3  \npool-size\nexit\nstart 100\n", &[]).await;
    assert_eq!(run.ok(), "ok\nstart-group-0\n2", "no prompts, one result per command, nothing after exit");
    wait_until("2 running and 1 waiting", || pool.num_running() == 2 && pool.num_waiting() == 1).await;

    // A failing command is reported and the session goes on; the exit code
    // says that something failed.
    let run = ctl(&args, "frob\ncancel-group nope\nmap f '[1\nstop 1\n", &[]).await;
    assert_eq!(run.stdout, "[]\n", "stop withdrew the waiting start, so no running worker was cancelled");
    assert_eq!(
        run.fails(1),
        "error: unknown command 'frob' (try help)\n\
         error: SimpleTaskPool-ctl-piped has no group named 'nope'\n\
         error: unterminated single quote"
    );
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 0));
    handle.shutdown().await;
}
