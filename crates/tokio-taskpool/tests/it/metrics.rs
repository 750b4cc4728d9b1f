//! The `metrics` feature: after a known run, what a recorder holds equals
//! the pool's own counts, with a `group` label only for groups the user
//! named and never a task ID; and the same metrics scraped over HTTP from
//! metrics-exporter-prometheus, as `examples/prometheus.rs` serves them.
//!
//! One recorder is installed for the whole test binary (the `metrics`
//! facade has one global recorder); each test makes pools of its own name
//! and reads only their series.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics::{Counter, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder};
use metrics::{SharedString, Unit};
use tokio_taskpool::TaskPool;

use crate::support::settle;

/// A label set, sorted by key.
type Labels = BTreeMap<String, String>;

/// A histogram that keeps every sample.
#[derive(Debug, Default)]
struct Samples(Mutex<Vec<f64>>);

impl HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0.lock().unwrap().push(value);
    }
}

/// A gauge's value as `f64` bits.
#[derive(Debug, Default)]
struct GaugeValue(AtomicU64);

impl GaugeFn for GaugeValue {
    fn increment(&self, value: f64) {
        self.set(self.get() + value);
    }

    fn decrement(&self, value: f64) {
        self.set(self.get() - value);
    }

    fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::SeqCst);
    }
}

impl GaugeValue {
    fn get(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::SeqCst))
    }
}

#[derive(Debug, Default)]
struct Store {
    counters: Mutex<HashMap<Key, Arc<AtomicU64>>>,
    gauges: Mutex<HashMap<Key, Arc<GaugeValue>>>,
    histograms: Mutex<HashMap<Key, Arc<Samples>>>,
    /// How many times each key was registered: the pool registers once per
    /// pool or named group, never per task.
    registrations: Mutex<HashMap<Key, usize>>,
}

/// Keeps every value it is given, by key.
#[derive(Clone, Debug, Default)]
struct TestRecorder(Arc<Store>);

impl TestRecorder {
    fn count_registration(&self, key: &Key) {
        *self.0.registrations.lock().unwrap().entry(key.clone()).or_default() += 1;
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        self.count_registration(key);
        let counter = self.0.counters.lock().unwrap().entry(key.clone()).or_default().clone();
        Counter::from_arc(counter)
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        self.count_registration(key);
        Gauge::from_arc(self.0.gauges.lock().unwrap().entry(key.clone()).or_default().clone())
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        self.count_registration(key);
        Histogram::from_arc(self.0.histograms.lock().unwrap().entry(key.clone()).or_default().clone())
    }
}

/// The recorder of this test binary, installed on first use.
fn recorder() -> &'static TestRecorder {
    static RECORDER: OnceLock<TestRecorder> = OnceLock::new();
    RECORDER.get_or_init(|| {
        let recorder = TestRecorder::default();
        metrics::set_global_recorder(recorder.clone()).expect("no other recorder in this test binary");
        recorder
    })
}

fn labels_of(key: &Key) -> Labels {
    key.labels().map(|label| (label.key().to_owned(), label.value().to_owned())).collect()
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect()
}

/// Every series of metric `name` of pool `pool`, by label set.
fn series<V>(
    map: &Mutex<HashMap<Key, V>>,
    name: &str,
    pool: &str,
    value: impl Fn(&V) -> f64,
) -> BTreeMap<Labels, f64> {
    map.lock()
        .unwrap()
        .iter()
        .filter(|(key, _)| key.name() == name && labels_of(key).get("pool").map(String::as_str) == Some(pool))
        .map(|(key, v)| (labels_of(key), value(v)))
        .collect()
}

fn counters(name: &str, pool: &str) -> BTreeMap<Labels, f64> {
    series(&recorder().0.counters, name, pool, |c| c.load(Ordering::SeqCst) as f64)
}

fn gauge(name: &str, pool: &str) -> f64 {
    let all = series(&recorder().0.gauges, name, pool, |g| g.get());
    assert_eq!(all.len(), 1, "one series of {name} for {pool}: {all:?}");
    all.into_values().next().unwrap()
}

fn histograms(name: &str, pool: &str) -> BTreeMap<Labels, Vec<f64>> {
    let map = recorder().0.histograms.lock().unwrap();
    map.iter()
        .filter(|(key, _)| key.name() == name && labels_of(key).get("pool").map(String::as_str) == Some(pool))
        .map(|(key, samples)| (labels_of(key), samples.0.lock().unwrap().clone()))
        .collect()
}

fn counter(name: &str, with: &[(&str, &str)]) -> f64 {
    let wanted = labels(with);
    counters(name, &wanted["pool"]).get(&wanted).copied().unwrap_or(0.0)
}

/// A named group of 3 tasks that end after 1 s, a default-named group of 2
/// that panic after 1 s, both at once in a pool of 2 (so starts wait), then
/// a default-named group of 2 that never end, cancelled after 5 s. At each
/// step the gauges equal the pool's counts; at the end the counters and the
/// histograms' counts do, with exact durations and waits on the paused clock.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_known_run_is_recorded_as_the_pool_counts_it() {
    let rec = recorder();
    let pool = TaskPool::builder().name("metrics-run").pool_size(2).build();
    let p = "TaskPool-metrics-run";
    assert_eq!(gauge("taskpool_pool_size", p), 2.0);

    let named = pool
        .apply(|| async { tokio::time::sleep(Duration::from_secs(1)).await })
        .num(3)
        .group("named")
        .start()
        .unwrap();
    let panicking = pool
        .apply(|| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            panic!("on purpose");
        })
        .num(2)
        .start()
        .unwrap();
    settle().await;
    // The named group took both places; its third start and both of the
    // other group wait.
    assert_eq!((pool.num_running(), pool.num_waiting()), (2, 3));
    assert_eq!(gauge("taskpool_tasks_running", p), 2.0);
    assert_eq!(gauge("taskpool_starts_waiting", p), 3.0);

    named.collect_all().await;
    panicking.collect_all().await;
    let stuck = pool.apply(std::future::pending::<()>).num(2).start().unwrap();
    settle().await;
    assert_eq!(gauge("taskpool_tasks_running", p), pool.num_running() as f64);
    assert_eq!(gauge("taskpool_tasks_running", p), 2.0);
    tokio::time::sleep(Duration::from_secs(5)).await;
    stuck.cancel();
    stuck.collect_all().await;

    // The pool's own counts.
    let (ended, cancelled, failed) = (pool.num_ended(), pool.num_cancelled(), pool.num_failed());
    assert_eq!((ended, cancelled, failed), (7, 2, 2));
    assert_eq!(gauge("taskpool_tasks_running", p), pool.num_running() as f64);
    assert_eq!(gauge("taskpool_starts_waiting", p), pool.num_waiting() as f64);
    assert_eq!(gauge("taskpool_tasks_running", p), 0.0);

    // Started: one series per named group, one for all default-named groups.
    let started = counters("taskpool_tasks_started_total", p);
    assert_eq!(
        started,
        BTreeMap::from([(labels(&[("pool", p)]), 4.0), (labels(&[("pool", p), ("group", "named")]), 3.0)]),
        "the group label only for the named group: {started:?}"
    );
    assert_eq!(started.values().sum::<f64>(), ended as f64);

    // Finished, by outcome, equal the pool's counts; a task that panicked
    // is counted as failed by the pool.
    let finished = |outcome| {
        counters("taskpool_tasks_finished_total", p)
            .iter()
            .filter(|(l, _)| l["outcome"] == outcome)
            .map(|(_, v)| *v)
            .sum::<f64>()
    };
    assert_eq!(finished("ok"), (ended - cancelled - failed) as f64);
    assert_eq!(finished("panicked"), failed as f64);
    assert_eq!(finished("cancelled"), cancelled as f64);
    assert_eq!(
        counter("taskpool_tasks_finished_total", &[("pool", p), ("group", "named"), ("outcome", "ok")]),
        3.0
    );
    assert_eq!(counter("taskpool_tasks_finished_total", &[("pool", p), ("outcome", "panicked")]), 2.0);
    assert_eq!(counter("taskpool_tasks_finished_total", &[("pool", p), ("outcome", "cancelled")]), 2.0);

    // Histograms: one sample per task, durations and waits to the
    // nanosecond on the paused clock.
    let durations = histograms("taskpool_task_duration_seconds", p);
    let named_ok = labels(&[("pool", p), ("group", "named"), ("outcome", "ok")]);
    assert_eq!(durations[&named_ok], vec![1.0; 3]);
    assert_eq!(durations[&labels(&[("pool", p), ("outcome", "panicked")])], vec![1.0; 2]);
    assert_eq!(durations[&labels(&[("pool", p), ("outcome", "cancelled")])], vec![5.0; 2]);
    assert_eq!(durations.values().map(Vec::len).sum::<usize>() as u64, ended);
    let waits = histograms("taskpool_start_wait_seconds", p);
    // A wait runs from when the group's meta task began to wait for room
    // for that start. The named group's third start waited for its first
    // two (1 s); the panicking group's first for them too (1 s), its second
    // from that start to the end of the next task (1 s); the never-ending
    // group started at once.
    assert_eq!(waits[&labels(&[("pool", p), ("group", "named")])], vec![0.0, 0.0, 1.0]);
    assert_eq!(waits[&labels(&[("pool", p)])], vec![1.0, 1.0, 0.0, 0.0]);

    // No label but pool, group and outcome, so never a task ID; every
    // handle registered once, not per task.
    let registrations = rec.0.registrations.lock().unwrap();
    let ours: Vec<(&Key, &usize)> =
        registrations.iter().filter(|(key, _)| labels_of(key)["pool"] == p).collect();
    for (key, times) in &ours {
        assert!(
            labels_of(key).keys().all(|k| ["pool", "group", "outcome"].contains(&k.as_str())),
            "unexpected label in {key:?}"
        );
        assert!(labels_of(key).get("group").is_none_or(|g| g == "named"), "{key:?}");
        assert_eq!(**times, 1, "{key:?} registered {times} times");
    }
}

/// A map group waits for room item by item; an item held while the pool is
/// full shows in the waiting gauge; a wait for the group's own
/// `num_concurrent` slot is not a wait for room.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_map_group_records_its_waits_and_waiting_items() {
    recorder();
    let pool = TaskPool::builder().name("metrics-map").pool_size(1).build();
    let p = "TaskPool-metrics-map";
    let work = |secs: u64| async move { tokio::time::sleep(Duration::from_secs(secs)).await };
    let group = pool.map(work, [1, 1, 1, 1]).num_concurrent(2).group("m").start().unwrap();
    settle().await;
    assert_eq!((pool.num_running(), pool.num_waiting()), (1, 1));
    assert_eq!(gauge("taskpool_tasks_running", p), 1.0);
    assert_eq!(gauge("taskpool_starts_waiting", p), 1.0);
    group.collect_all().await;
    assert_eq!(gauge("taskpool_starts_waiting", p), 0.0);
    let waits = histograms("taskpool_start_wait_seconds", p);
    assert_eq!(waits[&labels(&[("pool", p), ("group", "m")])], vec![0.0, 1.0, 1.0, 1.0]);
    assert_eq!(
        counter("taskpool_tasks_finished_total", &[("pool", p), ("group", "m"), ("outcome", "ok")]),
        4.0
    );

    // One at a time with room to spare: each item waits for the group's own
    // slot, which is not a wait for room in the pool.
    pool.set_pool_size(10);
    let one_by_one = pool.map(work, [1, 1, 1]).num_concurrent(1).group("k").start().unwrap();
    one_by_one.collect_all().await;
    let waits = histograms("taskpool_start_wait_seconds", p);
    assert_eq!(waits[&labels(&[("pool", p), ("group", "k")])], vec![0.0; 3]);
}

/// The size gauge follows the limit; unlimited is +Inf.
#[tokio::test]
async fn the_size_gauge_follows_the_limit() {
    recorder();
    let pool = TaskPool::builder().name("metrics-size").build();
    let p = "TaskPool-metrics-size";
    assert_eq!(gauge("taskpool_pool_size", p), f64::INFINITY);
    pool.set_pool_size(5);
    assert_eq!(gauge("taskpool_pool_size", p), 5.0);
    pool.set_pool_size(0);
    assert_eq!(gauge("taskpool_pool_size", p), 0.0);
    pool.set_pool_size(None);
    assert_eq!(gauge("taskpool_pool_size", p), f64::INFINITY);
}

/// A gauge whose `set` takes a while between being called and storing,
/// as an exporter that takes a lock might: a thread that publishes a count
/// it read earlier can then store it after another thread stored a newer one.
#[derive(Debug, Default)]
struct SlowGauge(AtomicU64);

impl GaugeFn for SlowGauge {
    fn increment(&self, _: f64) {
        unreachable!("the pool sets its gauges")
    }

    fn decrement(&self, _: f64) {
        unreachable!("the pool sets its gauges")
    }

    fn set(&self, value: f64) {
        std::thread::sleep(Duration::from_micros(20));
        self.0.store(value.to_bits(), Ordering::SeqCst);
    }
}

/// Slow gauges by name; no counters or histograms.
#[derive(Debug, Default)]
struct SlowGauges(Mutex<HashMap<String, Arc<SlowGauge>>>);

impl Recorder for SlowGauges {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, _: &Key, _: &Metadata<'_>) -> Counter {
        Counter::noop()
    }

    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.0.lock().unwrap().entry(key.name().to_owned()).or_default().clone())
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

/// With tasks starting and ending on two worker threads at once, and an
/// exporter slow to store a value, the gauges end at the pool's counts,
/// never at a count one thread read before another thread's change. (The
/// pool's handles come from this test's recorder: it is the local recorder
/// while the pool is made.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gauges_end_at_the_counts_on_many_threads() {
    let slow = SlowGauges::default();
    let pool = metrics::with_local_recorder(&slow, || {
        TaskPool::builder().name("metrics-threads").pool_size(8).build()
    });
    let value = |name: &str| f64::from_bits(slow.0.lock().unwrap()[name].0.load(Ordering::SeqCst));
    for round in 0..30 {
        let groups: Vec<_> = (0..4)
            .map(|_| pool.apply(|| async { tokio::task::yield_now().await }).num(40).start().unwrap())
            .collect();
        for group in groups {
            group.collect_all().await;
        }
        assert_eq!((pool.num_running(), pool.num_waiting()), (0, 0));
        assert_eq!(value("taskpool_tasks_running"), 0.0, "round {round}");
        assert_eq!(value("taskpool_starts_waiting"), 0.0, "round {round}");
    }
}

/// `GET /metrics` over plain HTTP/1.1; the body.
async fn scrape(addr: std::net::SocketAddr) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("the exporter listens");
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    body.to_owned()
}

/// The value of the one line of `body` for `name` whose labels include all
/// of `with` (and, unless listed, no `group` label).
fn scraped(body: &str, name: &str, with: &[(&str, &str)]) -> f64 {
    let matching: Vec<&str> = body
        .lines()
        .filter(|line| line.split(['{', ' ']).next() == Some(name))
        .filter(|line| with.iter().all(|(k, v)| line.contains(&format!("{k}=\"{v}\""))))
        .filter(|line| with.iter().any(|(k, _)| *k == "group") || !line.contains("group=\""))
        .collect();
    assert_eq!(matching.len(), 1, "one line of {name} with {with:?} in:\n{body}");
    let value = matching[0].rsplit(' ').next().unwrap();
    value.parse().unwrap_or_else(|_| panic!("a number: {value}"))
}

/// The setup of `examples/prometheus.rs`, on a free port: a pool's metrics
/// scraped over HTTP equal its counts. The recorder is installed for this
/// pool only (`with_local_recorder` while the pool and its named group are
/// made, which is when they take their handles), as the binary's global
/// recorder is the test recorder above.
#[tokio::test]
async fn the_prometheus_exporter_serves_the_pools_metrics() {
    use metrics_exporter_prometheus::PrometheusBuilder;

    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap()
    };
    let (prometheus, exporter) =
        PrometheusBuilder::new().with_http_listener(addr).build().expect("the exporter builds");
    tokio::spawn(exporter);
    let (pool, ok, failing) = metrics::with_local_recorder(&prometheus, || {
        let pool = TaskPool::builder().name("scraped").pool_size(3).build();
        let ok = pool.apply(|| async { 7 }).num(5).group("ok-jobs").start().unwrap();
        let failing = pool.apply(|| async { panic!("on purpose") }).num(2).start().unwrap();
        (pool, ok, failing)
    });
    ok.collect_all().await;
    failing.collect_all().await;
    let stuck = pool.apply(std::future::pending::<()>).num(4).start().unwrap();
    while pool.num_running() < 3 {
        tokio::task::yield_now().await;
    }

    let body = scrape(addr).await;
    let p = ("pool", "TaskPool-scraped");
    assert_eq!(scraped(&body, "taskpool_tasks_started_total", &[p, ("group", "ok-jobs")]), 5.0);
    assert_eq!(scraped(&body, "taskpool_tasks_started_total", &[p]), 2.0 + 3.0);
    let finished = "taskpool_tasks_finished_total";
    assert_eq!(scraped(&body, finished, &[p, ("group", "ok-jobs"), ("outcome", "ok")]), 5.0);
    assert_eq!(scraped(&body, finished, &[p, ("outcome", "panicked")]), pool.num_failed() as f64);
    assert_eq!(scraped(&body, "taskpool_tasks_running", &[p]), pool.num_running() as f64);
    assert_eq!(scraped(&body, "taskpool_starts_waiting", &[p]), pool.num_waiting() as f64);
    assert_eq!((pool.num_running(), pool.num_waiting()), (3, 1));
    assert_eq!(scraped(&body, "taskpool_pool_size", &[p]), 3.0);
    let durations = "taskpool_task_duration_seconds_count";
    assert_eq!(scraped(&body, durations, &[p, ("group", "ok-jobs"), ("outcome", "ok")]), 5.0);
    assert_eq!(scraped(&body, "taskpool_start_wait_seconds_count", &[p, ("group", "ok-jobs")]), 5.0);
    assert!(body.contains("# HELP taskpool_tasks_started_total"), "described:\n{body}");

    stuck.cancel();
    stuck.collect_all().await;
    let body = scrape(addr).await;
    assert_eq!(scraped(&body, finished, &[p, ("outcome", "cancelled")]), 3.0);
    assert_eq!(scraped(&body, "taskpool_tasks_running", &[p]), 0.0);
    assert_eq!(scraped(&body, "taskpool_starts_waiting", &[p]), 0.0);
}
