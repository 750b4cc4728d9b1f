//! A pool served to tokio-console: built with `--cfg tokio_unstable`, every
//! pooled task is named `POOL/GROUP/ID` (and each group's meta task
//! `POOL/GROUP/meta`), so the console lists the tasks by pool and group.
//!
//! ```text
//! RUSTFLAGS="--cfg tokio_unstable" cargo run -p tokio-taskpool --example tokio_console
//! tokio-console          # in another terminal (cargo install --locked tokio-console)
//! ```
//!
//! Without the cfg it only prints these lines: console-subscriber is a
//! dev-dependency only under `cfg(tokio_unstable)`, so ordinary builds and
//! CI never compile it.

#[cfg(not(tokio_unstable))]
fn main() {
    println!("This example needs tokio's unstable API, for task names and the console:");
    println!("  RUSTFLAGS=\"--cfg tokio_unstable\" cargo run -p tokio-taskpool --example tokio_console");
    println!("then, in another terminal: tokio-console");
}

#[cfg(tokio_unstable)]
#[tokio::main]
async fn main() {
    use std::time::Duration;

    use tokio_taskpool::TaskPool;

    // Serves the console's gRPC API on 127.0.0.1:6669.
    console_subscriber::init();
    println!("serving tokio-console on 127.0.0.1:6669; run `tokio-console`; Ctrl-C to stop");
    let pool = TaskPool::builder().name("console-demo").pool_size(6).build();
    // Two long-lived workers in a named group, and every second a few
    // short tasks in a default-named group (apply-group-N).
    let _workers = pool
        .apply(|| async {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        })
        .num(2)
        .group("workers")
        .start()
        .expect("the pool is open");
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let short = || tokio::time::sleep(Duration::from_millis(700));
                pool.apply(short).num(3).start().expect("the pool is open");
            }
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    pool.cancel_all();
    pool.gather_and_close().await;
}
