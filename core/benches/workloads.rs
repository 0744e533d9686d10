//! W1–W4: the sensor-logic workloads on which Argo's own Go code was measured
//! (`../shared/bench/workloads/README.md`). Results are first checked against Argo's
//! `*_expected*` files (a mismatch aborts), then each workload is timed on one thread:
//! 0.5 s warm-up, runs of at least 2 s, median of 5 runs, inputs consumed cyclically.
//!
//! `cargo bench -p tripline-core --bench workloads` (folder from `TRIPLINE_WORKLOADS` if set).

#[path = "../tests/common/workloads.rs"]
mod workloads;

use std::hint::black_box;
use std::time::{Duration, Instant};
use tripline_core::condition::Condition;
use tripline_core::event::Event;
use tripline_core::param;
use tripline_core::sensor::CompiledSensor;

const WARMUP: Duration = Duration::from_millis(500);
const RUN: Duration = Duration::from_secs(2);
const RUNS: usize = 5;

/// Median units/s of `RUNS` timed runs of `step` (which performs one unit per call).
fn measure(mut step: impl FnMut(usize)) -> f64 {
    let mut i = 0usize;
    let start = Instant::now();
    while start.elapsed() < WARMUP {
        step(i);
        i += 1;
    }
    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let mut n = 0usize;
        // Check the clock every 256 units so timing overhead stays negligible.
        loop {
            for _ in 0..256 {
                step(i);
                i += 1;
                n += 1;
            }
            if start.elapsed() >= RUN {
                break;
            }
        }
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates[RUNS / 2]
}

fn fail(msg: String) -> ! {
    eprintln!("verification failed: {msg}");
    std::process::exit(1);
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks workloads (e.g. `w1`).
    let filter: Option<String> = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let want = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut lines_out = Vec::new();

    if want("w1") {
        let w = workloads::w1();
        let sensor = CompiledSensor::compile_spec("w1".into(), &w.spec)
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        let mut out = Vec::new();
        for (name, lines) in [("W1", &w.lines), ("W1b", &w.b64_lines)] {
            for (i, l) in lines.iter().enumerate() {
                out.clear();
                let e =
                    Event::from_json(l).unwrap_or_else(|e| fail(format!("{name} line {i}: {e}")));
                sensor.matching_dependencies(&e, &mut out);
                if out.is_empty() == w.expected[i] {
                    fail(format!(
                        "{name} line {i}: got {}, Argo {}",
                        !out.is_empty(),
                        w.expected[i]
                    ));
                }
            }
        }
        eprintln!("W1: 10000 + 2000 (base64) verdicts equal Argo's");
        for (label, lines) in [
            ("W1 filters", &w.lines),
            ("W1b filters (data_base64)", &w.b64_lines),
        ] {
            let n = lines.len();
            let rate = measure(|i| {
                out.clear();
                if let Ok(e) = Event::from_json(black_box(&lines[i % n])) {
                    sensor.matching_dependencies(&e, &mut out);
                }
                black_box(&out);
            });
            lines_out.push(format!("{label}: {rate:.0} events/s"));
        }
    }

    if want("w2") {
        let w = workloads::w2();
        let sensor = CompiledSensor::compile_spec("w2".into(), &w.spec)
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        let mut out = Vec::new();
        for (i, l) in w.lines.iter().enumerate() {
            out.clear();
            let e = Event::from_json(l).unwrap_or_else(|e| fail(format!("W2 line {i}: {e}")));
            sensor.matching_dependencies(&e, &mut out);
            if out != w.expected[i] {
                fail(format!(
                    "W2 line {i}: got {out:?}, Argo {:?}",
                    w.expected[i]
                ));
            }
        }
        eprintln!("W2: 1000 events x 1000 dependencies equal Argo's (2916 matches)");
        let n = w.lines.len();
        let rate = measure(|i| {
            out.clear();
            if let Ok(e) = Event::from_json(black_box(&w.lines[i % n])) {
                sensor.matching_dependencies(&e, &mut out);
            }
            black_box(&out);
        });
        lines_out.push(format!(
            "W2 routing: {rate:.0} events/s ({:.0} filter evaluations/s)",
            rate * 1000.0
        ));
    }

    if want("w3") {
        let w = workloads::w3();
        let names: Vec<&str> = w.dep_names.iter().map(String::as_str).collect();
        let c = Condition::compile(&w.conditions, &names).unwrap_or_else(|e| fail(e.to_string()));
        let bit = |n: &str| {
            c.bit(n)
                .unwrap_or_else(|| fail(format!("unknown dependency {n}")))
        };
        for (i, e) in w.evaluations.iter().enumerate() {
            let mask = e.saved.iter().fold(bit(&e.arrived), |m, s| m | bit(s));
            if c.eval(mask) != e.expect {
                fail(format!(
                    "W3 evaluation {i}: got {}, Argo {}",
                    !e.expect, e.expect
                ));
            }
        }
        eprintln!("W3: 10000 evaluations equal Argo's (1890 fire)");
        // The parameter map is built from the dependency names as the workload gives them.
        let evals: Vec<(Vec<&str>, &str)> = w
            .evaluations
            .iter()
            .map(|e| {
                (
                    e.saved.iter().map(String::as_str).collect(),
                    e.arrived.as_str(),
                )
            })
            .collect();
        let n = evals.len();
        let rate = measure(|i| {
            let (saved, arrived) = &evals[i % n];
            let mask = saved
                .iter()
                .fold(c.bit(black_box(arrived)).unwrap_or(0), |m, s| {
                    m | c.bit(s).unwrap_or(0)
                });
            black_box(c.eval(mask));
        });
        lines_out.push(format!("W3 conditions: {rate:.0} evaluations/s"));
        // The same with names resolved to dependency bits beforehand.
        let masks: Vec<(Vec<u64>, u64)> = evals
            .iter()
            .map(|(saved, arrived)| {
                (
                    saved.iter().map(|s| c.bit(s).unwrap_or(0)).collect(),
                    c.bit(arrived).unwrap_or(0),
                )
            })
            .collect();
        let rate = measure(|i| {
            let (saved, arrived) = &masks[i % n];
            let mask = saved.iter().fold(*black_box(arrived), |m, b| m | b);
            black_box(c.eval(mask));
        });
        lines_out.push(format!(
            "W3 conditions (pre-resolved dependency bits): {rate:.0} evaluations/s"
        ));
    }

    if want("w4") {
        let w = workloads::w4();
        let params = param::compile_all(&w.trigger.parameters);
        let n = w.events.len();
        let base = tripline_core::gojson::to_string(&w.resource);
        let resolve = |i: usize| -> Result<String, String> {
            let events: [(&str, &Event); 1] = [(w.dependency.as_str(), &w.events[i % n])];
            // The resource's bytes as Argo marshals them, then `ApplyParams` on the bytes.
            let mut doc = base.clone();
            param::apply_params(&mut doc, &params, &events[..]).map_err(|e| e.to_string())?;
            Ok(doc)
        };
        for (i, want) in w.expected.iter().enumerate() {
            match resolve(i) {
                Ok(got) if &got == want => {}
                Ok(got) => fail(format!("W4 line {i}:\n got  {got}\n want {want}")),
                Err(e) => fail(format!("W4 line {i}: {e}")),
            }
        }
        eprintln!("W4: {} outputs equal Argo's bytes", w.expected.len());
        let rate = measure(|i| {
            black_box(resolve(black_box(i)).ok());
        });
        lines_out.push(format!("W4 params: {rate:.0} resolutions/s"));
    }

    for l in lines_out {
        println!("{l}");
    }
}
