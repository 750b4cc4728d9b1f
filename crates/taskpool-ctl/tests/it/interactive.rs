//! The interactive session at a terminal (rustyline), through a
//! pseudo-terminal made by util-linux's `script`. Each line is typed only
//! once the prompt for it is shown, as a person would.

use std::process::Stdio;

use taskpool_control::ControlServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_taskpool::SimpleTaskPool;

use crate::support::{socket_path, wait_until, within};

#[tokio::test]
async fn an_interactive_session_edits_lines_and_keeps_history() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux's `script`, used to make a pseudo-terminal, is not installed");
        return;
    }
    let pool = SimpleTaskPool::builder(std::future::pending::<()>).name("ctl-tty").build();
    let handle = ControlServer::builder(&pool).build().listen_unix(socket_path("tty")).await.unwrap();
    let home = std::env::temp_dir().join(format!("tpctl-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();

    let command =
        format!("{} unix {}", env!("CARGO_BIN_EXE_taskpool-ctl"), handle.unix_path().unwrap().display());
    let mut child = tokio::process::Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .env("HOME", &home)
        .env_remove("TASKPOOL_CTL_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("script starts");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let prompt = "SimpleTaskPool-ctl-tty> ";

    // Types `keys` once the `n`th prompt has been shown.
    for (n, keys) in [(1, "start 2\r"), (2, "pool-size\r"), (3, "frob\r"), (4, "\x04")] {
        within(&format!("prompt {n}; output so far: {seen:?}"), async {
            while seen.matches(prompt).count() < n {
                let mut chunk = [0u8; 1024];
                let read = stdout.read(&mut chunk).await.unwrap();
                assert!(read > 0, "the session ended early: {seen:?}");
                seen.push_str(&String::from_utf8_lossy(&chunk[..read]));
            }
        })
        .await;
        stdin.write_all(keys.as_bytes()).await.unwrap();
    }
    let mut rest = Vec::new();
    within("the session to end", stdout.read_to_end(&mut rest)).await.unwrap();
    seen.push_str(&String::from_utf8_lossy(&rest));
    let status = within("the client to exit", child.wait()).await.unwrap();
    assert!(status.success(), "Ctrl-D leaves with success: {status:?}\n{seen}");

    assert!(seen.contains("connected to SimpleTaskPool-ctl-tty (SimpleTaskPool)"), "{seen}");
    assert!(seen.contains("start-group-0\r\n"), "{seen}");
    assert!(seen.contains("none\r\n"), "{seen}");
    assert!(seen.contains("error: unknown command 'frob' (try help)"), "{seen}");
    wait_until("2 workers", || pool.num_running() == 2).await;
    let history = std::fs::read_to_string(home.join(".taskpool_ctl_history")).unwrap();
    assert_eq!(
        history.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>(),
        ["start 2", "pool-size", "frob"]
    );
    std::fs::remove_dir_all(&home).unwrap();
    handle.shutdown().await;
}
