//! Helpers of the control tests.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UnixStream};
use tokio_taskpool::control::{ControlClient, ControlHandle, ControlServer, ControlServerBuilder};
use tokio_taskpool::{SimpleTaskPool, TaskPool};

use crate::support::Log;

/// The longest any test waits for something that should happen at once.
pub(crate) const WAIT: Duration = Duration::from_secs(10);

/// Awaits `fut`, failing the test with `what` if it takes longer than [`WAIT`].
pub(crate) async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(value) => value,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// Waits until `cond` holds, failing the test with `what` after [`WAIT`].
pub(crate) async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    within(what, async {
        while !cond() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    })
    .await
}

/// A path for a Unix socket that no other test uses; removed by the server.
pub(crate) fn socket_path(name: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tp-{}-{n}-{name}.sock", std::process::id()))
}

/// The argument of the `job` function, for doublestarmap.
#[derive(Deserialize)]
pub(crate) struct Job {
    pub(crate) name: String,
    pub(crate) weight: u32,
}

/// A server builder for `pool` with the functions the tests call:
/// `record(String)` and `hang(())` for map and apply, `add((u32, u32))` for
/// starmap, `job(Job)` for doublestarmap. Each records what it was given.
pub(crate) fn task_server(pool: &TaskPool, log: &Log) -> ControlServerBuilder {
    let (l1, l2, l3) = (log.clone(), log.clone(), log.clone());
    ControlServer::builder(pool)
        .register("record", move |text: String| {
            let log = l1.clone();
            async move { log.push(text) }
        })
        .register("add", move |(a, b): (u32, u32)| {
            let log = l2.clone();
            async move { log.push(format!("{a}+{b}={}", a + b)) }
        })
        .register("job", move |job: Job| {
            let log = l3.clone();
            async move { log.push(format!("{}:{}", job.name, job.weight)) }
        })
        .register("hang", |(): ()| std::future::pending::<()>())
}

/// A SimpleTaskPool of workers that run until cancelled.
pub(crate) fn simple_pool(name: &str) -> SimpleTaskPool {
    SimpleTaskPool::builder(std::future::pending::<()>).name(name).build()
}

pub(crate) async fn tcp_client(handle: &ControlHandle) -> ControlClient {
    within("connecting", ControlClient::connect_tcp(handle.local_addr().unwrap(), None))
        .await
        .expect("the JSON client connects")
}

/// A connection that sends and reads raw lines, for what the JSON client
/// never sends.
pub(crate) struct Raw {
    reader: BufReader<Box<dyn AsyncReadWrite>>,
}

pub(crate) trait AsyncReadWrite: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> AsyncReadWrite for T {}

impl Raw {
    pub(crate) async fn tcp(handle: &ControlHandle) -> Raw {
        let stream = within("connecting", TcpStream::connect(handle.local_addr().unwrap())).await.unwrap();
        Raw { reader: BufReader::new(Box::new(stream)) }
    }

    pub(crate) async fn unix(handle: &ControlHandle) -> Raw {
        let stream = within("connecting", UnixStream::connect(handle.unix_path().unwrap())).await.unwrap();
        Raw { reader: BufReader::new(Box::new(stream)) }
    }

    /// Opens a JSON-mode session and checks the server's hello.
    pub(crate) async fn json(handle: &ControlHandle) -> Raw {
        let mut raw = Raw::tcp(handle).await;
        let hello = raw.ask_json(&json!({"protocol": "taskpool-control", "version": 1})).await;
        assert_eq!(hello["ok"], json!(true), "hello refused: {hello}");
        raw
    }

    pub(crate) async fn send(&mut self, bytes: &[u8]) {
        within("sending", self.reader.get_mut().write_all(bytes)).await.unwrap();
    }

    pub(crate) async fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\n").as_bytes()).await;
    }

    /// The next line, without its newline; `None` at the end of the stream.
    pub(crate) async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        let n = within("a reply line", self.reader.read_line(&mut line)).await.unwrap_or(0);
        (n > 0).then(|| line.trim_end_matches('\n').to_owned())
    }

    pub(crate) async fn expect_line(&mut self) -> String {
        self.line().await.expect("a reply, not the end of the stream")
    }

    /// Reads `n` lines (a multi-line text reply).
    pub(crate) async fn lines(&mut self, n: usize) -> Vec<String> {
        let mut lines = Vec::new();
        for _ in 0..n {
            lines.push(self.expect_line().await);
        }
        lines
    }

    pub(crate) async fn ask(&mut self, line: &str) -> String {
        self.send_line(line).await;
        self.expect_line().await
    }

    pub(crate) async fn ask_json(&mut self, request: &Value) -> Value {
        let reply = self.ask(&request.to_string()).await;
        serde_json::from_str(&reply).unwrap_or_else(|e| panic!("reply {reply:?} is not JSON: {e}"))
    }

    /// Asserts that the server closes the connection.
    pub(crate) async fn expect_closed(&mut self) {
        if let Some(line) = self.line().await {
            panic!("expected the server to close the connection, got {line:?}");
        }
    }
}

/// The `error` of a JSON response, as (kind, message).
pub(crate) fn error_of(response: &Value) -> (String, String) {
    assert_eq!(response["ok"], json!(false), "expected an error response: {response}");
    let error = &response["error"];
    (error["kind"].as_str().unwrap().to_owned(), error["message"].as_str().unwrap().to_owned())
}
