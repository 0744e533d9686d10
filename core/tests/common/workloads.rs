//! Loaders for the benchmark workloads in `../shared/bench/workloads/` (W1–W4), shared by the
//! correctness test and the benchmark. The folder comes from `TRIPLINE_WORKLOADS` when set.

#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use tripline_core::event::Event;
use tripline_core::spec::{EventDependency, SensorSpec, Trigger};

pub fn dir() -> PathBuf {
    match std::env::var("TRIPLINE_WORKLOADS") {
        Ok(d) => PathBuf::from(d),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/bench/workloads"),
    }
}

pub fn read(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read workload file {} ({e}); set TRIPLINE_WORKLOADS to the workloads folder",
            path.display()
        )
    })
}

pub fn json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The lines of a JSONL file, as raw bytes (decoding is part of the timed unit).
pub fn lines(name: &str) -> Vec<Vec<u8>> {
    read(name)
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

pub fn sensor_spec(name: &str) -> SensorSpec {
    let v = json(name);
    let deps: Vec<EventDependency> =
        serde_json::from_value(v["dependencies"].clone()).expect("dependencies");
    SensorSpec {
        dependencies: deps,
        ..SensorSpec::default()
    }
}

pub struct W1 {
    pub spec: SensorSpec,
    pub lines: Vec<Vec<u8>>,
    pub b64_lines: Vec<Vec<u8>>,
    pub expected: Vec<bool>,
}

pub fn w1() -> W1 {
    let exp = json("w1_expected.json");
    W1 {
        spec: sensor_spec("w1_sensor.json"),
        lines: lines("w1_events.jsonl"),
        b64_lines: lines("w1b_events_base64.jsonl"),
        expected: exp["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|b| b.as_bool().expect("bool"))
            .collect(),
    }
}

pub struct W2 {
    pub spec: SensorSpec,
    pub lines: Vec<Vec<u8>>,
    pub expected: Vec<Vec<usize>>,
}

pub fn w2() -> W2 {
    let exp = json("w2_expected.json");
    W2 {
        spec: sensor_spec("w2_sensor.json"),
        lines: lines("w2_events.jsonl"),
        expected: exp["matchedDependencyIndexes"]
            .as_array()
            .expect("matchedDependencyIndexes")
            .iter()
            .map(|l| {
                l.as_array()
                    .expect("list")
                    .iter()
                    .map(|i| i.as_u64().expect("index") as usize)
                    .collect()
            })
            .collect(),
    }
}

pub struct W3Eval {
    pub saved: Vec<String>,
    pub arrived: String,
    pub expect: bool,
}

pub struct W3 {
    pub dep_names: Vec<String>,
    pub conditions: String,
    pub evaluations: Vec<W3Eval>,
    pub arrivals: Vec<String>,
}

pub fn w3() -> W3 {
    let v = json("w3_conditions.json");
    let names = |x: &Value| -> Vec<String> {
        x.as_array()
            .expect("list")
            .iter()
            .map(|s| s.as_str().expect("name").to_string())
            .collect()
    };
    W3 {
        dep_names: v["dependencies"]
            .as_array()
            .expect("deps")
            .iter()
            .map(|d| d["name"].as_str().expect("name").to_string())
            .collect(),
        conditions: v["trigger"]["template"]["conditions"]
            .as_str()
            .expect("conditions")
            .to_string(),
        arrivals: names(&v["arrivals"]),
        evaluations: v["evaluations"]
            .as_array()
            .expect("evaluations")
            .iter()
            .map(|e| W3Eval {
                saved: names(&e["saved"]),
                arrived: e["arrived"].as_str().expect("arrived").to_string(),
                expect: e["expect"].as_bool().expect("expect"),
            })
            .collect(),
    }
}

pub struct W4 {
    pub trigger: Trigger,
    pub resource: Value,
    pub events: Vec<Event>,
    pub dependency: String,
    pub expected: Vec<String>,
}

pub fn w4() -> W4 {
    let v = json("w4_trigger.json");
    let trigger: Trigger = serde_json::from_value(v["trigger"].clone()).expect("trigger");
    let resource = json(v["resourceFile"].as_str().expect("resourceFile"));
    let events = lines(v["eventsFile"].as_str().expect("eventsFile"))
        .iter()
        .map(|l| Event::from_json(l).expect("event"))
        .collect();
    let count = v["expectedCount"].as_u64().expect("expectedCount") as usize;
    let expected: Vec<String> = read(v["expectedFile"].as_str().expect("expectedFile"))
        .lines()
        .take(count)
        .map(str::to_string)
        .collect();
    W4 {
        trigger,
        resource,
        events,
        dependency: v["eventsDependency"].as_str().expect("dep").to_string(),
        expected,
    }
}
