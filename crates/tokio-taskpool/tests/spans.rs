//! Every pooled task runs inside a `taskpool.task` span with its pool,
//! group and task ID, so that its own events carry them; a meta task runs
//! inside a `taskpool.group` span. Seen through a subscriber that records,
//! for each event, the fields of the spans around it.
//!
//! A test binary of its own, with one test running the cases in turn:
//! tracing caches whether a span is enabled per call site for the whole
//! process, so a test elsewhere running at the same time under another
//! subscriber (or none) could make a span disabled here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio_taskpool::{current, SimpleTaskPool, TaskPool};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The fields of one span, by name.
type Fields = HashMap<String, String>;

/// One event: its message and the spans around it, innermost first.
#[derive(Clone, Debug)]
struct Seen {
    message: String,
    spans: Vec<(String, Fields)>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

struct FieldsOf(Fields);

impl Visit for FieldsOf {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}").trim_matches('"').to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = FieldsOf(Fields::new());
        attrs.record(&mut fields);
        ctx.span(id).expect("the span exists").extensions_mut().insert(fields.0);
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = FieldsOf(Fields::new());
        event.record(&mut fields);
        let spans = ctx
            .event_scope(event)
            .map(|scope| {
                scope
                    .map(|span| {
                        let fields = span.extensions().get::<Fields>().cloned().unwrap_or_default();
                        (span.name().to_owned(), fields)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let message = fields.0.remove("message").unwrap_or_default();
        self.0.lock().unwrap().push(Seen { message, spans });
    }
}

impl Recorder {
    fn seen(&self, message_start: &str) -> Vec<Seen> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|seen| seen.message.starts_with(message_start))
            .cloned()
            .collect()
    }
}

fn subscriber(recorder: &Recorder) -> impl Subscriber + Send + Sync {
    tracing_subscriber::registry().with(recorder.clone()).with(tracing_subscriber::filter::LevelFilter::DEBUG)
}

/// The fields of the innermost span called `name` around an event.
fn span_fields<'a>(seen: &'a Seen, name: &str) -> &'a Fields {
    &seen.spans.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{seen:?} is not inside {name}")).1
}

#[test]
fn spans_of_tasks_and_meta_tasks() {
    every_task_event_is_inside_a_span_with_its_pool_group_and_id();
    meta_tasks_run_inside_a_group_span();
    without_a_subscriber_at_debug_no_span_is_made();
}

fn every_task_event_is_inside_a_span_with_its_pool_group_and_id() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(subscriber(&recorder));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pool = TaskPool::builder().name("spans").pool_size(2).build();
        let work = |n: u32| async move {
            tracing::info!("work item {n} in task {}", current::id().unwrap().as_u64());
            n
        };
        pool.map(work, 0..5).group("numbers").num_concurrent(2).start().unwrap();
        pool.apply(|| async { tracing::info!("applied in task {}", current::id().unwrap().as_u64()) })
            .num(3)
            .start()
            .unwrap();
        pool.gather_and_close().await;
    });

    let work = recorder.seen("work item");
    let applied = recorder.seen("applied in task");
    assert_eq!((work.len(), applied.len()), (5, 3), "every task's event was seen");
    for seen in work.iter().chain(&applied) {
        let task = span_fields(seen, "taskpool.task");
        assert_eq!(task["pool"], "TaskPool-spans");
        let id = seen.message.rsplit(' ').next().unwrap();
        assert_eq!(task["task"], id, "the span carries the task's own ID: {seen:?}");
    }
    for seen in &work {
        assert_eq!(span_fields(seen, "taskpool.task")["group"], "numbers");
    }
    // The pool's own events about a task are inside its span too.
    let ended = recorder.seen("Ended TaskPool-spans_Task-");
    assert_eq!(ended.len(), 8);
    for seen in &ended {
        let id = seen.message.rsplit('-').next().unwrap();
        assert_eq!(span_fields(seen, "taskpool.task")["task"], id);
    }
}

fn meta_tasks_run_inside_a_group_span() {
    let recorder = Recorder::default();
    let _default = tracing::subscriber::set_default(subscriber(&recorder));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pool = SimpleTaskPool::builder(|| async {}).name("meta-spans").build();
        pool.start(2).unwrap();
        pool.handle().gather_and_close().await;
    });
    // A task's span sits inside nothing of the meta task's: tasks are
    // spawned, not polled by it. The events of the meta task itself (such
    // as starting a task) are inside its group span.
    let started = recorder.seen("Started SimpleTaskPool-meta-spans_Task-");
    assert_eq!(started.len(), 2);
    for seen in &started {
        let group = span_fields(seen, "taskpool.group");
        assert_eq!(group["pool"], "SimpleTaskPool-meta-spans");
        assert!(!group["group"].is_empty());
    }
}

fn without_a_subscriber_at_debug_no_span_is_made() {
    // At info level the spans are disabled: the events of a task are then
    // inside no pool span (and the task keeps no span).
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry()
        .with(recorder.clone())
        .with(tracing_subscriber::filter::LevelFilter::INFO);
    let _default = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let pool = TaskPool::new();
        pool.apply(|| async { tracing::info!("quiet task") }).start().unwrap();
        pool.gather_and_close().await;
    });
    let quiet = recorder.seen("quiet task");
    assert_eq!(quiet.len(), 1);
    assert!(quiet[0].spans.is_empty(), "{quiet:?}");
}
