//! The sensor state machine: holding, latest-wins, firing, resets, serializable state.

use chrono::{DateTime, Utc};
use tripline_core::event::Event;
use tripline_core::sensor::{CompiledSensor, Firing, SensorState};
use tripline_core::spec;

const SENSOR: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: gate}
spec:
  dependencies:
    - {name: a, eventSourceName: es, eventName: a}
    - {name: b, eventSourceName: es, eventName: b}
    - {name: c-dep, eventSourceName: es, eventName: c}
  triggers:
    - template:
        name: both
        conditions: "a && b"
        log: {}
    - template:
        name: any-c
        conditions: "c_dep"
        log: {}
    - template:
        name: reset-daily
        conditions: "a && c-dep"
        conditionsReset:
          - byTime: {cron: "0 0 * * *", timezone: "Europe/Berlin"}
        log: {}
"#;

fn compiled() -> CompiledSensor {
    let spec::Manifest::Sensor(s) = spec::load_one(SENSOR).expect("loads").manifest else {
        panic!("sensor")
    };
    CompiledSensor::compile(&s).expect("compiles")
}

fn ev(id: &str, name: &str) -> Event {
    Event::from_json(
        format!(r#"{{"specversion":"1.0","id":"{id}","source":"es","subject":"{name}","type":"t","data":{{"n":"{id}"}}}}"#)
            .as_bytes(),
    )
    .expect("event")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn names(f: &[Firing]) -> Vec<&str> {
    f.iter().map(|f| f.trigger.as_str()).collect()
}

#[test]
fn holds_until_the_condition_is_met_then_forgets() {
    let s = compiled();
    let mut st = SensorState::default();
    let t = at("2026-11-26T10:00:00Z");
    assert!(s.on_event(&mut st, &ev("a1", "a"), t).is_empty());
    let f = s.on_event(&mut st, &ev("b1", "b"), t);
    assert_eq!(names(&f), ["both"]);
    assert_eq!(f[0].events["a"].context.id, "a1");
    assert_eq!(f[0].events["b"].context.id, "b1");
    // Fired events are consumed: another b alone does not fire.
    assert!(s.on_event(&mut st, &ev("b2", "b"), t).is_empty());
}

#[test]
fn latest_event_wins_while_held() {
    let s = compiled();
    let mut st = SensorState::default();
    let t = at("2026-11-26T10:00:00Z");
    s.on_event(&mut st, &ev("a1", "a"), t);
    s.on_event(&mut st, &ev("a2", "a"), t);
    let f = s.on_event(&mut st, &ev("b1", "b"), t);
    assert_eq!(f[0].events["a"].context.id, "a2");
}

#[test]
fn hyphenated_names_work_in_conditions() {
    let s = compiled();
    let mut st = SensorState::default();
    let f = s.on_event(&mut st, &ev("c1", "c"), at("2026-11-26T10:00:00Z"));
    assert_eq!(names(&f), ["any-c"]);
}

#[test]
fn conditions_reset_by_cron_in_its_timezone() {
    let s = compiled();
    let mut st = SensorState::default();
    // a held at 22:30 UTC = 23:30 Berlin; midnight Berlin (23:00 UTC) resets it.
    s.on_event(&mut st, &ev("a1", "a"), at("2026-11-26T22:30:00Z"));
    let f = s.on_event(&mut st, &ev("c1", "c"), at("2026-11-26T23:10:00Z"));
    assert_eq!(names(&f), ["any-c"], "a1 was reset at midnight Berlin");
    // c1 came after the reset, so it is still held: a2 the next morning completes the pair.
    let f = s.on_event(&mut st, &ev("a2", "a"), at("2026-11-27T08:00:00Z"));
    assert_eq!(names(&f), ["reset-daily"]);
    assert_eq!(f[0].events["c-dep"].context.id, "c1");
    assert_eq!(f[0].events["a"].context.id, "a2");
}

#[test]
fn state_survives_serialization() {
    let s = compiled();
    let mut st = SensorState::default();
    let t = at("2026-11-26T10:00:00Z");
    s.on_event(&mut st, &ev("a1", "a"), t);
    let json = serde_json::to_string(&st).expect("serializes");
    let mut restored: SensorState = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(restored, st);
    let f = s.on_event(&mut restored, &ev("b1", "b"), t);
    assert_eq!(f[0].events["a"].json_data(), Some(r#"{"n":"a1"}"#));
}

#[test]
fn idempotency_key_is_stable_and_distinct() {
    let s = compiled();
    let t = at("2026-11-26T10:00:00Z");
    let run = |first: &str, second: &str| {
        let mut st = SensorState::default();
        s.on_event(&mut st, &ev(first, "a"), t);
        s.on_event(&mut st, &ev(second, "b"), t)
            .remove(0)
            .idempotency_key
    };
    assert_eq!(run("a1", "b1"), run("a1", "b1"));
    assert_ne!(run("a1", "b1"), run("a1", "b2"));
    assert_eq!(run("a1", "b1").len(), 64);
}

#[test]
fn unrouted_events_do_nothing() {
    let s = compiled();
    let mut st = SensorState::default();
    assert!(s
        .on_event(&mut st, &ev("x", "zzz"), at("2026-11-26T10:00:00Z"))
        .is_empty());
    assert_eq!(st, SensorState::default());
}
