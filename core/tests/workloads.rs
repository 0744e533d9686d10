//! Our results on the benchmark workloads equal Argo's own (`*_expected*` files).

mod common;
use common::workloads;

use tripline_core::condition::Condition;
use tripline_core::event::Event;
use tripline_core::param;
use tripline_core::sensor::CompiledSensor;

fn verdicts(spec: &tripline_core::spec::SensorSpec, lines: &[Vec<u8>]) -> Vec<Vec<usize>> {
    let sensor = CompiledSensor::compile_spec("w".into(), spec).expect("compiles");
    lines
        .iter()
        .map(|l| {
            let e = Event::from_json(l).expect("event decodes");
            let mut out = Vec::new();
            sensor.matching_dependencies(&e, &mut out);
            out
        })
        .collect()
}

#[test]
fn w1_filters_match_argo() {
    let w = workloads::w1();
    let got: Vec<bool> = verdicts(&w.spec, &w.lines)
        .iter()
        .map(|v| !v.is_empty())
        .collect();
    let mismatches: Vec<usize> = (0..got.len())
        .filter(|&i| got[i] != w.expected[i])
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} mismatches, first at lines {:?}",
        mismatches.len(),
        &mismatches[..mismatches.len().min(10)]
    );
    assert_eq!(got.iter().filter(|b| **b).count(), 5164);
}

#[test]
fn w1b_base64_wire_form_matches_argo() {
    let w = workloads::w1();
    let got: Vec<bool> = verdicts(&w.spec, &w.b64_lines)
        .iter()
        .map(|v| !v.is_empty())
        .collect();
    assert_eq!(got.len(), 2000);
    let mismatches = (0..2000).filter(|&i| got[i] != w.expected[i]).count();
    assert_eq!(mismatches, 0, "W1b verdicts differ from Argo's");
}

#[test]
fn w2_routing_matches_argo() {
    let w = workloads::w2();
    let got = verdicts(&w.spec, &w.lines);
    assert_eq!(got, w.expected);
    assert_eq!(got.iter().map(Vec::len).sum::<usize>(), 2916);
}

#[test]
fn w3_conditions_match_argo() {
    let w = workloads::w3();
    let names: Vec<&str> = w.dep_names.iter().map(String::as_str).collect();
    let c = Condition::compile(&w.conditions, &names).expect("compiles");
    let bit = |n: &str| c.bit(n).expect("known dependency");
    let mut fired = 0;
    for e in &w.evaluations {
        let mask = e.saved.iter().fold(bit(&e.arrived), |m, s| m | bit(s));
        assert_eq!(
            c.eval(mask),
            e.expect,
            "saved {:?} arrived {}",
            e.saved,
            e.arrived
        );
        fired += usize::from(e.expect);
    }
    assert_eq!(fired, 1890);
}

#[test]
fn w3_replay_through_the_state_machine_matches_argo() {
    // The evaluations list is the replay of `arrivals`; the sensor must reproduce each decision.
    let w = workloads::w3();
    let names: Vec<&str> = w.dep_names.iter().map(String::as_str).collect();
    let c = Condition::compile(&w.conditions, &names).expect("compiles");
    let mut saved = 0u64;
    for (a, e) in w.arrivals.iter().zip(&w.evaluations) {
        assert_eq!(a, &e.arrived);
        let m = saved | c.bit(a).expect("dep");
        let fire = c.eval(m);
        assert_eq!(fire, e.expect);
        saved = if fire { 0 } else { m };
    }
}

#[test]
fn w4_parameters_match_argo_bytes() {
    let w = workloads::w4();
    let params = param::compile_all(&w.trigger.parameters);
    for (i, want) in w.expected.iter().enumerate() {
        let ev = &w.events[i % w.events.len()];
        let events: [(&str, &Event); 1] = [(w.dependency.as_str(), ev)];
        let events: &[(&str, &Event)] = &events;
        // The resource's bytes as Argo marshals them, then `ApplyParams` on the bytes.
        let mut doc = tripline_core::gojson::to_string(&w.resource);
        param::apply_params(&mut doc, &params, events).expect("applies");
        assert_eq!(&doc, want, "line {i}");
    }
}
