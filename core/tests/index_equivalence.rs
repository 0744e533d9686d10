//! Invariant: the shared index (used on the hot path) decides exactly as the full, explained
//! evaluation of each dependency does.

use proptest::prelude::*;
use tripline_core::event::Event;
use tripline_core::sensor::{CompiledSensor, SensorState};
use tripline_core::spec::{DataFilter, EventDependency, EventDependencyFilter, SensorSpec};

fn dep(i: usize, filters: Vec<(u8, Vec<String>)>, or: bool) -> EventDependency {
    EventDependency {
        name: Some(format!("d{i}")),
        event_source_name: Some("es".into()),
        event_name: Some("ev".into()),
        filters: Some(EventDependencyFilter {
            data: filters
                .into_iter()
                .map(|(p, values)| DataFilter {
                    path: Some(format!("body.f{p}")),
                    r#type: Some("string".into()),
                    value: values,
                    ..DataFilter::default()
                })
                .collect(),
            data_logical_operator: or.then(|| "or".to_string()),
            ..EventDependencyFilter::default()
        }),
        ..EventDependency::default()
    }
}

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ab]{1,3}",
        "\\^?[ab]{1,2}\\$?",
        Just("a|b".to_string()),
        Just("(".to_string()), // invalid regex: never indexed, decided by the full path
    ]
}

proptest! {
    #[test]
    fn index_agrees_with_full_evaluation(
        deps in proptest::collection::vec(
            (proptest::collection::vec((0u8..3, proptest::collection::vec(pattern(), 0..3)), 1..3), any::<bool>()),
            1..12),
        fields in proptest::collection::vec(proptest::option::of("[abc]{0,4}"), 3),
    ) {
        let spec = SensorSpec {
            dependencies: deps.iter().enumerate().map(|(i, (f, or))| dep(i, f.clone(), *or)).collect(),
            ..SensorSpec::default()
        };
        let sensor = CompiledSensor::compile_spec("p".into(), &spec).expect("compiles");
        let mut body = serde_json::Map::new();
        for (i, f) in fields.iter().enumerate() {
            if let Some(v) = f {
                body.insert(format!("f{i}"), v.clone().into());
            }
        }
        let line = serde_json::json!({
            "specversion": "1.0", "id": "x", "source": "es", "subject": "ev", "type": "webhook",
            "data": {"body": body}
        });
        let event = Event::from_json(line.to_string().as_bytes()).expect("event");
        let mut fast = Vec::new();
        sensor.matching_dependencies(&event, &mut fast);
        let (reports, _) = sensor.on_event_explained(&mut SensorState::default(), &event, event.context.time);
        let slow: Vec<usize> = reports
            .iter()
            .enumerate()
            .filter(|(_, r)| r.verdict.passed)
            .map(|(i, _)| i)
            .collect();
        prop_assert_eq!(fast, slow);
    }
}
