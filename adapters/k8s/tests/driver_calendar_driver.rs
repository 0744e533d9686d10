//! The calendar driver on a manual clock: every wait is observed through `ManualClock::sleeper`
//! and ended by moving the clock, so nothing here sleeps in real time.

use chrono::{DateTime, Utc};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tripline::drivers::{
    tick_id, CalendarDriver, Clock, JsonFileStore, ManualClock, MemoryStore, SystemClock, TickStore,
};
use tripline_core::calendar::CompiledCalendar;
use tripline_core::event::Event;
use tripline_core::spec::{CalendarEventSource, CatchupConfiguration, EventPersistence};

const KEY: &str = "cal.tick";

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

fn calendar(
    schedule: Option<&str>,
    interval: Option<&str>,
    catchup: Option<Option<&str>>,
) -> CompiledCalendar {
    let spec = CalendarEventSource {
        schedule: schedule.map(Into::into),
        interval: interval.map(Into::into),
        persistence: catchup.map(|max| EventPersistence {
            catchup: Some(CatchupConfiguration {
                enabled: Some(true),
                max_duration: max.map(Into::into),
            }),
            config_map: None,
        }),
        ..Default::default()
    };
    CompiledCalendar::compile(&spec).expect("compile")
}

struct Running {
    events: mpsc::UnboundedReceiver<Event>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), tripline::drivers::CalendarDriverError>>,
}

impl Running {
    async fn next(&mut self) -> Event {
        tokio::time::timeout(Duration::from_secs(5), self.events.recv())
            .await
            .expect("an event within 5 s")
            .expect("driver alive")
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("driver stops")
            .expect("join")
            .expect("driver ok");
    }
}

/// Starts a driver whose callback passes events on, failing while `failures` is above zero.
fn start<S: TickStore>(
    cal: CompiledCalendar,
    clock: ManualClock,
    store: S,
    failures: Arc<AtomicUsize>,
) -> Running {
    let (tx, events) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let driver = CalendarDriver::new("cal", "tick", cal, clock, store);
    assert_eq!(driver.store_key(), KEY);
    let task = tokio::spawn(driver.run(
        move |ev: Event| {
            let tx = tx.clone();
            let fail = failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            async move {
                // Failed attempts are passed on too, so tests can see them.
                tx.send(ev).map_err(|e| e.to_string())?;
                if fail {
                    Err("bus unavailable".to_string())
                } else {
                    Ok(())
                }
            }
        },
        async move {
            let _ = stopped.await;
        },
    ));
    Running { events, stop, task }
}

fn no_failures() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

#[tokio::test]
async fn fires_each_tick_when_the_clock_reaches_it_and_records_it() {
    let clock = ManualClock::new(utc("2024-01-01T00:00:00.5Z"));
    let store = Arc::new(MemoryStore::new());
    let mut run = start(
        calendar(None, Some("10s"), None),
        clock.clone(),
        store.clone(),
        no_failures(),
    );
    assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:10Z"));
    assert!(run.events.try_recv().is_err(), "nothing before the tick");
    assert_eq!(store.get(KEY), None);

    clock.advance_to(utc("2024-01-01T00:00:10Z"));
    let ev = run.next().await;
    assert_eq!(ev.context.time, utc("2024-01-01T00:00:10Z"));
    assert_eq!(ev.context.r#type, "calendar");
    assert_eq!(ev.context.source, "cal");
    assert_eq!(ev.context.subject, "tick");
    assert_eq!(
        ev.context.id,
        tick_id("cal", "tick", utc("2024-01-01T00:00:10Z"))
    );
    assert_eq!(
        ev.json_data(),
        Some(r#"{"eventTime":"2024-01-01 00:00:10 +0000 UTC"}"#)
    );
    assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:20Z"));
    assert_eq!(store.get(KEY), Some(utc("2024-01-01T00:00:10Z")));
    assert!(run.events.try_recv().is_err());
    run.stop().await;
}

#[tokio::test]
async fn catches_up_missed_ticks_on_start_within_max_duration() {
    let clock = ManualClock::new(utc("2024-01-01T10:02:30Z"));
    let store = Arc::new(MemoryStore::new());
    store.insert(KEY, utc("2024-01-01T09:57:00Z"));
    let mut run = start(
        calendar(Some("* * * * *"), None, Some(Some("3m"))),
        clock.clone(),
        store.clone(),
        no_failures(),
    );
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(run.next().await.context.time);
    }
    assert_eq!(
        got,
        [
            utc("2024-01-01T10:00:00Z"),
            utc("2024-01-01T10:01:00Z"),
            utc("2024-01-01T10:02:00Z")
        ]
    );
    assert_eq!(clock.sleeper().await, utc("2024-01-01T10:03:00Z"));
    assert!(run.events.try_recv().is_err());
    assert_eq!(store.get(KEY), Some(utc("2024-01-01T10:02:00Z")));
    run.stop().await;
}

#[tokio::test]
async fn without_catchup_a_restart_starts_from_now() {
    let clock = ManualClock::new(utc("2024-01-01T10:02:30Z"));
    let store = Arc::new(MemoryStore::new());
    store.insert(KEY, utc("2024-01-01T09:57:00Z"));
    let mut run = start(
        calendar(Some("* * * * *"), None, None),
        clock.clone(),
        store.clone(),
        no_failures(),
    );
    assert_eq!(clock.sleeper().await, utc("2024-01-01T10:03:00Z"));
    assert!(run.events.try_recv().is_err());
    run.stop().await;
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_event_and_recorded_only_after_ok() {
    let clock = ManualClock::new(utc("2024-01-01T00:00:00Z"));
    let store = Arc::new(MemoryStore::new());
    let mut run = start(
        calendar(None, Some("10s"), None),
        clock.clone(),
        store.clone(),
        Arc::new(AtomicUsize::new(2)),
    );
    clock.advance_to(clock.sleeper().await);
    let first = run.next().await;
    // Backoff 100 ms, then 200 ms, on the same clock.
    assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:10.1Z"));
    assert_eq!(store.get(KEY), None, "not recorded after a failure");
    clock.advance_to(utc("2024-01-01T00:00:10.1Z"));
    let second = run.next().await;
    assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:10.3Z"));
    assert_eq!(store.get(KEY), None);
    clock.advance_to(utc("2024-01-01T00:00:10.3Z"));
    let third = run.next().await;
    assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:20Z"));
    assert_eq!(store.get(KEY), Some(utc("2024-01-01T00:00:10Z")));
    assert_eq!(first, second);
    assert_eq!(second, third);
    run.stop().await;
}

#[tokio::test]
async fn an_undelivered_tick_is_replayed_after_a_restart_with_its_id() {
    let store = Arc::new(MemoryStore::new());
    store.insert(KEY, utc("2024-01-01T00:00:00Z"));
    let cal = calendar(None, Some("10s"), Some(None));

    // First run: the bus is down; the process stops while retrying.
    let clock = ManualClock::new(utc("2024-01-01T00:00:00Z"));
    let mut run = start(
        cal.clone(),
        clock.clone(),
        store.clone(),
        Arc::new(AtomicUsize::new(usize::MAX)),
    );
    clock.advance_to(clock.sleeper().await);
    let lost = run.next().await;
    assert_eq!(lost.context.time, utc("2024-01-01T00:00:10Z"));
    clock.sleeper().await; // retry pending
    run.stop().await;
    assert_eq!(store.get(KEY), Some(utc("2024-01-01T00:00:00Z")));

    // Second run, later: the tick comes again, same id, then the one due meanwhile.
    let clock = ManualClock::new(utc("2024-01-01T00:00:25Z"));
    let mut run = start(cal, clock.clone(), store.clone(), no_failures());
    let again = run.next().await;
    assert_eq!(again.context.id, lost.context.id);
    assert_eq!(again, lost);
    assert_eq!(run.next().await.context.time, utc("2024-01-01T00:00:20Z"));
    assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:30Z"));
    assert_eq!(store.get(KEY), Some(utc("2024-01-01T00:00:20Z")));
    run.stop().await;
}

#[tokio::test]
async fn a_late_wake_up_skips_or_catches_up_like_a_restart() {
    // Without catch-up the interval restarts from the wake-up (Argo: `lastT = tx`).
    for (catchup, expected, next) in [
        (None, vec!["2024-01-01T00:00:10Z"], "2024-01-01T00:00:55Z"),
        (
            Some(None),
            vec![
                "2024-01-01T00:00:10Z",
                "2024-01-01T00:00:20Z",
                "2024-01-01T00:00:30Z",
                "2024-01-01T00:00:40Z",
            ],
            "2024-01-01T00:00:50Z",
        ),
    ] {
        let clock = ManualClock::new(utc("2024-01-01T00:00:00Z"));
        let mut run = start(
            calendar(None, Some("10s"), catchup),
            clock.clone(),
            Arc::new(MemoryStore::new()),
            no_failures(),
        );
        assert_eq!(clock.sleeper().await, utc("2024-01-01T00:00:10Z"));
        // The machine was suspended: the clock jumps well past the tick.
        clock.advance_to(utc("2024-01-01T00:00:45Z"));
        let mut got = Vec::new();
        for _ in 0..expected.len() {
            got.push(run.next().await.context.time);
        }
        assert_eq!(got, expected.iter().map(|s| utc(s)).collect::<Vec<_>>());
        assert_eq!(clock.sleeper().await, utc(next));
        assert!(run.events.try_recv().is_err(), "catchup {catchup:?}");
        run.stop().await;
    }
}

#[tokio::test]
async fn a_schedule_without_ticks_idles_until_shutdown() {
    let clock = ManualClock::new(utc("2024-01-01T00:00:00Z"));
    let mut run = start(
        calendar(Some("0 0 30 2 *"), None, None),
        clock,
        MemoryStore::new(),
        no_failures(),
    );
    tokio::task::yield_now().await;
    assert!(run.events.try_recv().is_err());
    assert!(!run.task.is_finished());
    run.stop().await;
}

#[tokio::test]
async fn ticks_survive_in_the_json_file_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("calendar-ticks.json");
    let store = Arc::new(JsonFileStore::open(&path).expect("open"));
    let clock = ManualClock::new(utc("2024-01-01T00:00:00Z"));
    let mut run = start(
        calendar(Some("*/5 * * * *"), None, Some(Some("1h"))),
        clock.clone(),
        store.clone(),
        no_failures(),
    );
    clock.advance_to(clock.sleeper().await);
    assert_eq!(run.next().await.context.time, utc("2024-01-01T00:05:00Z"));
    clock.sleeper().await;
    run.stop().await;
    let reopened = JsonFileStore::open(&path).expect("reopen");
    assert_eq!(
        reopened.load(KEY).await.expect("load"),
        Some(utc("2024-01-01T00:05:00Z"))
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["calendar-ticks.json"], "no temp file left");
}

#[tokio::test]
async fn system_clock_sleeps_until_the_instant() {
    let clock = SystemClock;
    let start = std::time::Instant::now();
    clock
        .sleep_until(clock.now() - chrono::Duration::seconds(5))
        .await;
    assert!(start.elapsed() < Duration::from_millis(5));
    let target = clock.now() + chrono::Duration::milliseconds(15);
    clock.sleep_until(target).await;
    assert!(clock.now() >= target);
}
