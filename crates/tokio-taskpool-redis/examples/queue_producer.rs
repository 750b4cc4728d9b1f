//! The producer of the `queue_worker` example, and a look at the queue:
//!
//! ```text
//! cargo run -p tokio-taskpool-redis --example queue_producer -- push 200
//! cargo run -p tokio-taskpool-redis --example queue_producer -- status
//! cargo run -p tokio-taskpool-redis --example queue_producer -- dead
//! cargo run -p tokio-taskpool-redis --example queue_producer -- requeue-dead
//! ```
//!
//! `push N` pushes N thumbnail jobs (every 50th with width 0, which always
//! fails and ends as a dead letter). Options: `--url URL` (default
//! `redis://127.0.0.1:6379/`), `--queue NAME` (default `thumbnails`).

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;
use tokio_taskpool_redis::RedisQueue;

/// One job, as `queue_worker` reads it.
#[derive(Debug, Serialize)]
struct Thumbnail {
    image: String,
    width: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("queue_producer: {err}");
            ExitCode::from(2)
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let url = option("--url").unwrap_or_else(|| "redis://127.0.0.1:6379/".into());
    let queue = RedisQueue::connect(&url, &option("--queue").unwrap_or_else(|| "thumbnails".into())).await?;
    // The words that are neither an option nor its value.
    let words: Vec<&str> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| !a.starts_with("--") && (*i == 0 || !args[i - 1].starts_with("--")))
        .map(|(_, a)| a.as_str())
        .collect();
    match words.first().copied() {
        Some("push") => {
            let n: u32 = words.get(1).ok_or("push needs a count")?.parse()?;
            let jobs: Vec<Thumbnail> = (0..n)
                .map(|i| Thumbnail {
                    image: format!("img-{i}.png"),
                    width: if i % 50 == 49 { 0 } else { 64 + i % 200 },
                })
                .collect();
            let ids = queue.push_many(&jobs).await?;
            println!(
                "pushed {} jobs, {} to {}",
                ids.len(),
                ids.first().map_or("-", |s| s),
                ids.last().map_or("-", |s| s)
            );
        }
        Some("status") => println!(
            "{} entries in the stream, {} of them being worked on; {} retries scheduled; {} dead letters",
            queue.len().await?,
            queue.num_pending().await?,
            queue.num_delayed().await?,
            queue.dead_letters(10_000).await?.len()
        ),
        Some("dead") => {
            let mut listing = String::new();
            for dead in queue.dead_letters(100).await? {
                listing += &format!(
                    "{} after {} deliveries: {} ({})\n",
                    dead.id, dead.deliveries, dead.item, dead.error
                );
            }
            // A closed pipe (`| head`) is not an error.
            match std::io::stdout().write_all(listing.as_bytes()) {
                Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
                other => other?,
            }
        }
        Some("requeue-dead") => {
            let mut moved = 0;
            for dead in queue.dead_letters(10_000).await? {
                moved += usize::from(queue.requeue_dead_letter(&dead.id).await?);
            }
            println!("re-queued {moved} dead letters");
        }
        _ => {
            return Err(
                "usage: queue_producer push N | status | dead | requeue-dead [--url URL] [--queue NAME]"
                    .into(),
            )
        }
    }
    Ok(())
}
