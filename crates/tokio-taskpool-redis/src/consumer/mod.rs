//! Consuming a queue: a group of a pool whose input reads the queue's
//! stream as places free up, with the lease keeping, takeover, retries and
//! dead letters around it.
//!
//! - [`builder`]: the options, and `start`, which wires the parts together.
//! - [`reader`]: the group's input, which never reads more than the free places.
//! - [`keeper`]: lease refreshes, due retries, the final count.
//! - [`acker`]: acknowledgements in batches.
//! - [`settle`]: retries, dead letters.
//! - [`handle`]: the running consumer.

mod acker;
mod builder;
mod consumer_stop;
mod core;
mod delivery;
mod handle;
mod keeper;
mod options;
mod reader;
mod settle;

pub use builder::ConsumerBuilder;
pub use consumer_stop::ConsumerStop;
pub use handle::QueueConsumer;

use redis::streams::StreamInfoConsumersReply;

use crate::RedisQueue;

/// Makes the stream and its consumer group if they do not exist. The
/// group starts at the stream's beginning, so that items pushed before
/// any consumer joined are read too.
pub(crate) async fn create_group(queue: &RedisQueue) -> Result<(), redis::RedisError> {
    let keys = &queue.inner.keys;
    let mut conn = queue.inner.conn.clone();
    let created = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(keys.stream())
        .arg(keys.group())
        .arg("0")
        .arg("MKSTREAM")
        .query_async::<()>(&mut conn)
        .await;
    match created {
        Err(err) if err.code() == Some("BUSYGROUP") || err.to_string().contains("BUSYGROUP") => Ok(()),
        other => other,
    }
}

/// A consumer name unique to this start: `{instance}/{pid}-{ms}-{random}`,
/// where the instance defaults to the host name.
pub(crate) fn consumer_name(instance: Option<&str>) -> String {
    let prefix = match instance {
        Some(instance) => instance.to_owned(),
        None => host_name(),
    };
    let started =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis());
    format!("{prefix}/{}-{started}-{:08x}", std::process::id(), crate::backoff::random_u64() as u32)
}

/// The machine's name, for consumer names; `worker` where it cannot be read.
fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_owned())
}

/// The consumers of earlier processes of `instance` (named
/// `{instance}/...`, other than `me`).
pub(crate) async fn predecessors(
    queue: &RedisQueue,
    instance: &str,
    me: &str,
) -> Result<Vec<String>, redis::RedisError> {
    let keys = &queue.inner.keys;
    let mut conn = queue.inner.conn.clone();
    let reply: StreamInfoConsumersReply = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(keys.stream())
        .arg(keys.group())
        .query_async(&mut conn)
        .await?;
    let prefix = format!("{instance}/");
    Ok(reply
        .consumers
        .into_iter()
        .map(|consumer| consumer.name)
        .filter(|name| name.starts_with(&prefix) && name != me)
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn consumer_names_differ_per_start_and_keep_the_instance() {
        let a = super::consumer_name(Some("worker-1"));
        let b = super::consumer_name(Some("worker-1"));
        assert!(a.starts_with("worker-1/") && b.starts_with("worker-1/"));
        assert_ne!(a, b);
    }
}
