//! What the server sends is printed with control characters escaped: a
//! pool's name (chosen by the application; group names are printable only)
//! must not clear the operator's screen, retitle the window or hide text.

use taskpool_control::ControlServer;
use tokio_taskpool::TaskPool;

use crate::support::{one, wait_until};

/// Clears the screen, sets the window title (ended by BEL), hides text.
const EVIL: &str = "evil\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}[8m";
const EVIL_ESCAPED: &str = r"evil\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}[8m";

fn has_control(text: &str) -> bool {
    text.chars().any(|c| c.is_control() && c != '\n')
}

#[tokio::test]
async fn server_text_is_printed_with_control_characters_escaped() {
    let pool = TaskPool::builder().name(EVIL).build();
    let _group = pool.apply(std::future::pending::<()>).start().unwrap();
    wait_until("the task runs", || pool.num_running() == 1).await;
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();

    // In a result: the pool's name heads the status.
    let out = one(&handle, &["status"]).await.ok();
    assert!(!has_control(&out), "raw control characters in {out:?}");
    assert!(out.starts_with(&format!("TaskPool-{EVIL_ESCAPED} (open)")), "{out}");
    // In an error: such a name cannot even be sent (names are printable
    // only), and the refusal is printed without the raw name.
    let missing = format!("{EVIL}-missing");
    let err = one(&handle, &["cancel-group", &missing]).await.fails(2);
    assert!(!has_control(&err), "raw control characters in {err:?}");
    assert!(err.contains(r"may hold only printable characters, not \u{1b}"), "{err}");

    pool.cancel_all();
    handle.shutdown().await;
}
