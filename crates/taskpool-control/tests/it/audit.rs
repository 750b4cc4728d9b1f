//! Every command that changes the pool is logged, with who sent it.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use taskpool_control::ControlServer;
use taskpool_protocol::{Command, ControlClient};
use tokio_taskpool::TaskPool;

use crate::support::{socket_path, tcp_client, within, Raw};

/// A `tracing` writer that keeps what it is given.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// The log of the whole test binary. A global subscriber, because
/// `tracing` caches per call site whether anyone is interested, across
/// threads: with a thread-local subscriber, another test's thread can make
/// this test's events disappear.
fn captured_log() -> &'static Captured {
    static CAPTURED: OnceLock<Captured> = OnceLock::new();
    CAPTURED.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .finish();
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other test of this binary installs a global subscriber");
        captured
    })
}

#[tokio::test]
async fn changes_are_logged_with_the_peer() {
    let captured = captured_log();
    let pool = TaskPool::builder().name("audit").build();
    let server = ControlServer::builder(&pool).allow_unauthenticated_loopback(true).build();
    let tcp = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let unix = server.listen_unix(socket_path("audit")).await.unwrap();
    let mut over_tcp = tcp_client(&tcp).await;
    over_tcp.call(&Command::PoolSize).await.unwrap();
    over_tcp.call(&Command::SetPoolSize { size: Some(5) }).await.unwrap();
    over_tcp.call(&Command::NumRunning).await.unwrap();
    let mut over_unix =
        within("connecting", ControlClient::connect_unix(unix.unix_path().unwrap(), None)).await.unwrap();
    over_unix.call(&Command::Lock).await.unwrap();
    over_unix.call(&Command::CancelGroup { group: "nope".into() }).await.unwrap_err();

    let log = captured.text();
    // Other tests log here too: keep this test's pool only.
    let lines: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("control command") && line.contains("pool=TaskPool-audit"))
        .collect();
    assert_eq!(lines.len(), 3, "only the commands that may change the pool are logged:\n{log}");
    assert!(
        lines[0].contains("peer=tcp:127.0.0.1:") && lines[0].contains("command=pool-size 5"),
        "{}",
        lines[0]
    );
    let uid = std::fs::metadata(unix.unix_path().unwrap())
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap();
    assert!(
        lines[1].contains(&format!("peer=unix:uid={uid}")) && lines[1].contains("command=lock"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("control command refused") && lines[2].contains("has no group named 'nope'"),
        "{}",
        lines[2]
    );
    tcp.shutdown().await;
    unix.shutdown().await;
}

#[tokio::test]
async fn loopback_without_a_token_is_logged_as_such() {
    let captured = captured_log();
    let pool = TaskPool::builder().name("open-loopback").build();
    let server = ControlServer::builder(&pool).allow_unauthenticated_loopback(true).build();
    let handle = server.listen_tcp("127.0.0.1:0").await.unwrap();
    let log = captured.text();
    let warned: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.contains("WARN")
                && l.contains("TaskPool-open-loopback")
                && l.contains("without an access token")
        })
        .collect();
    assert_eq!(warned.len(), 1, "{log}");
    assert!(warned[0].contains(&handle.endpoint().to_string()), "{}", warned[0]);
    handle.shutdown().await;
}

#[tokio::test]
async fn peer_text_is_escaped_in_the_log() {
    let captured = captured_log();
    let pool = TaskPool::builder().name("escape-audit").build();
    let handle = ControlServer::builder(&pool)
        .allow_unauthenticated_loopback(true)
        .build()
        .listen_tcp("127.0.0.1:0")
        .await
        .unwrap();
    // A group name that would forge a log line, clear the screen and go
    // back to the start of the line.
    let forged = "2026-01-01T00:00:00.000000Z  INFO forged: control command done command=cancel-all";
    let group = format!("x\n{forged}\r\u{1b}[2J");
    let mut client = tcp_client(&handle).await;
    // Names are printable only: refused before it reaches the pool or the log.
    let e = client.call(&Command::CancelGroup { group }).await.unwrap_err();
    assert_eq!(e.remote().unwrap().kind(), "bad_argument", "{e}");
    // The same in a hello's protocol, logged before any token is checked.
    let mut raw = Raw::tcp(handle.local_addr().unwrap()).await;
    let reply = raw.ask(r#"{"protocol": "evil\u001b[2J\nforged hello"}"#).await;
    assert!(reply.contains("bad_handshake"), "{reply}");

    let log = captured.text();
    assert!(!log.contains('\u{1b}') && !log.contains('\r'), "raw control characters in the log:\n{log:?}");
    for line in log.lines() {
        assert!(!line.starts_with(forged) && !line.starts_with("forged hello"), "a forged line: {line:?}");
    }
    let refused: Vec<&str> =
        log.lines().filter(|l| l.contains("pool=TaskPool-escape-audit") && l.contains("refused")).collect();
    assert_eq!(refused, Vec::<&str>::new(), "a refused name is not a pool change");
    assert!(
        log.lines()
            .any(|l| l.contains("control handshake of") && l.contains("evil\\u{1b}[2J\\nforged hello")),
        "{log}"
    );
    handle.shutdown().await;
}
