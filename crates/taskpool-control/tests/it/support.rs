//! Helpers of the control tests that know the server; the generic ones
//! (bounded waits, socket paths, raw connections) are in
//! `taskpool-test-support`.

use serde::Deserialize;
use taskpool_control::{ControlHandle, ControlServer, ControlServerBuilder};
use taskpool_protocol::ControlClient;
pub(crate) use taskpool_test_support::{error_of, socket_path, wait_until, within, Log, Raw};
use tokio_taskpool::{SimpleTaskPool, TaskPool};

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
