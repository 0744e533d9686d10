//! A fixed sensor (fuzz_targets/sensor.yaml), compiled once, fed arbitrary events.
//!
//! The input is split on `\n`; each line is one event for the same sensor state (so the
//! two-dependency conditions can fire). A line that `Event::from_json` accepts is used as is;
//! any other line becomes the raw data of an event whose first byte picks the
//! source/subject/content type, so the filters see arbitrary payloads too. Every firing is
//! rendered, the fast and explained paths are compared, and the state is round-tripped
//! through serde after each event.
#![no_main]

use chrono::{DateTime, TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tripline_core::event::{Event, EventContext};
use tripline_core::sensor::{CompiledSensor, SensorState};

const SENSOR: &str = include_str!("sensor.yaml");

fn sensor() -> &'static CompiledSensor {
    static S: OnceLock<CompiledSensor> = OnceLock::new();
    S.get_or_init(|| {
        let loaded = tripline_core::spec::load_one(SENSOR).expect("fixed sensor loads");
        let tripline_core::spec::Manifest::Sensor(sensor) = &loaded.manifest else {
            panic!("fixed manifest is not a Sensor");
        };
        let compiled = CompiledSensor::compile(sensor).expect("fixed sensor compiles");
        // Placeholder template/expression engines report problems here; not fatal.
        for p in compiled.problems() {
            eprintln!("sensor_events: fixed sensor problem: {p}");
        }
        compiled
    })
}

/// `TRIPLINE_FUZZ_DEBUG=1`: print verdicts, firings and renders (for checking seeds).
fn debug() -> bool {
    static D: OnceLock<bool> = OnceLock::new();
    *D.get_or_init(|| std::env::var_os("TRIPLINE_FUZZ_DEBUG").is_some())
}

fn base_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0)
        .single()
        .expect("valid date")
}

fn synthetic(line: &[u8], idx: usize) -> Event {
    let (sel, payload) = match line.split_first() {
        Some((s, rest)) => (*s, rest),
        None => (0, line),
    };
    let (source, subject) = match sel & 3 {
        0 | 2 => ("ci", "build"),
        1 => ("ci", "test"),
        _ => ("ci", "other"),
    };
    let datacontenttype = match (sel >> 2) & 3 {
        0 | 1 => "application/json",
        2 => "text/plain",
        _ => "application/octet-stream",
    };
    let context = EventContext {
        id: format!("synthetic-{idx}"),
        source: source.to_string(),
        specversion: "1.0".to_string(),
        r#type: if sel & 0x10 == 0 {
            "webhook"
        } else {
            "calendar"
        }
        .to_string(),
        datacontenttype: datacontenttype.to_string(),
        subject: subject.to_string(),
        time: base_now() + chrono::Duration::minutes(idx as i64),
    };
    Event::new(context, payload.to_vec())
}

fuzz_target!(|data: &[u8]| {
    let sensor = sensor();
    let mut state = SensorState::default();
    for (idx, line) in data.split(|b| *b == b'\n').take(16).enumerate() {
        let event = match Event::from_json(line) {
            Ok(e) => e,
            Err(_) => synthetic(line, idx),
        };
        // Use the event's own time as `now` (arbitrary times reach the conditions reset),
        // except for events without one.
        let now = if event.context.time == DateTime::<Utc>::UNIX_EPOCH {
            base_now()
        } else {
            event.context.time
        };
        // The fast (index) path and the explained (full evaluation) path must agree.
        let mut plain_state = state.clone();
        let plain = sensor.on_event(&mut plain_state, &event, now);
        let (reports, firings) = sensor.on_event_explained(&mut state, &event, now);
        assert_eq!(plain, firings, "on_event and on_event_explained disagree");
        assert_eq!(
            plain_state, state,
            "on_event and on_event_explained left different state"
        );
        for firing in &firings {
            let rendered = sensor.render(firing);
            if debug() {
                eprintln!("fired {} -> {rendered:?}", firing.trigger);
            }
        }
        if debug() {
            for r in &reports {
                eprintln!("event {idx}: {} passed={}", r.name, r.verdict.passed);
            }
        }
        // The state is a checkpointable value: it must survive serde unchanged.
        let text = serde_json::to_string(&state).expect("state serialises");
        let back: SensorState = serde_json::from_str(&text).expect("state decodes");
        assert_eq!(back, state, "state checkpoint round trip changed it");
    }
});
