//! `tripline test`: the offline test loop. One output object per input line, in order.

use crate::Output;
use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use std::path::Path;
use tripline_core::check::{check, Runtime};
use tripline_core::event::Event;
use tripline_core::sensor::{CompiledSensor, DependencyReport, Firing, SensorState};
use tripline_core::spec::{self, Manifest};

/// Runs the sensor over the events; `Ok(false)` when an event line could not be decoded.
pub fn run(
    sensor_file: &Path,
    events_file: &Path,
    output: Output,
    now: Option<&str>,
) -> Result<bool> {
    let text = std::fs::read_to_string(sensor_file)
        .with_context(|| format!("reading {}", sensor_file.display()))?;
    let mut sensor = None;
    for doc in spec::load_all(&text) {
        match doc {
            Ok(loaded) => {
                if let Manifest::Sensor(s) = &loaded.manifest {
                    let report = check(&loaded, Runtime::Offline);
                    if !report.is_valid() {
                        for e in &report.errors {
                            eprintln!("error {}: {}", e.path, e.message);
                        }
                        bail!("{} is not a valid sensor", sensor_file.display());
                    }
                    sensor = Some(s.clone());
                    break;
                }
            }
            Err(spec::SpecError::NotArgo { .. }) => {}
            Err(e) => bail!("{}: {e}", sensor_file.display()),
        }
    }
    let Some(sensor) = sensor else {
        bail!("{} holds no Sensor manifest", sensor_file.display());
    };
    let compiled = CompiledSensor::compile(&sensor).map_err(|errs| {
        anyhow::anyhow!(
            "sensor does not compile: {}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    let fixed_now = match now {
        Some(s) => Some(
            DateTime::parse_from_rfc3339(s)
                .with_context(|| format!("--now {s:?} is not RFC 3339"))?
                .with_timezone(&Utc),
        ),
        None => None,
    };
    let events = std::fs::read_to_string(events_file)
        .with_context(|| format!("reading {}", events_file.display()))?;
    let mut state = SensorState::default();
    let mut all_ok = true;
    for (n, line) in events.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let event = match Event::from_json(line.as_bytes()) {
            Ok(e) => e,
            Err(e) => {
                all_ok = false;
                match output {
                    Output::Json => println!(
                        "{}",
                        json!({"event": null, "line": n + 1, "error": e.to_string(), "dependencies": [], "fired": []})
                    ),
                    Output::Text => println!("line {}: rejected: {e}\n", n + 1),
                }
                continue;
            }
        };
        let at = fixed_now.unwrap_or(event.context.time);
        let (reports, firings) = compiled.on_event_explained(&mut state, &event, at);
        match output {
            Output::Json => println!("{}", json_line(&compiled, &event, &reports, &firings)),
            Output::Text => print_text(&compiled, n + 1, &event, &reports, &firings),
        }
    }
    Ok(all_ok)
}

fn payload_json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
}

fn fired_json(compiled: &CompiledSensor, f: &Firing) -> Value {
    let events: serde_json::Map<String, Value> = f
        .events
        .iter()
        .map(|(d, e)| (d.clone(), Value::String(e.context.id.clone())))
        .collect();
    match compiled.render(f) {
        Ok(r) => json!({
            "trigger": f.trigger,
            "events": events,
            "template": r.template,
            "payload": r.payload.as_deref().map(payload_json),
        }),
        Err(e) => json!({
            "trigger": f.trigger,
            "events": events,
            "template": null,
            "payload": null,
            "error": e.to_string(),
        }),
    }
}

fn json_line(
    compiled: &CompiledSensor,
    event: &Event,
    reports: &[DependencyReport],
    firings: &[Firing],
) -> Value {
    json!({
        "event": event.context.id,
        "dependencies": reports.iter().map(|r| json!({
            "name": r.name,
            "matched": r.verdict.passed,
            "error": r.verdict.error,
            "explain": r.explain,
        })).collect::<Vec<_>>(),
        "fired": firings.iter().map(|f| fired_json(compiled, f)).collect::<Vec<_>>(),
    })
}

fn print_text(
    compiled: &CompiledSensor,
    line: usize,
    event: &Event,
    reports: &[DependencyReport],
    firings: &[Firing],
) {
    let c = &event.context;
    println!(
        "event {} (line {line}): source {:?}, subject {:?}, type {:?}",
        c.id, c.source, c.subject, c.r#type
    );
    if reports.is_empty() {
        println!("  no dependency listens to this source and event name");
    }
    for r in reports {
        let mark = if r.verdict.passed {
            "matched"
        } else {
            "no match"
        };
        match &r.verdict.error {
            Some(e) => println!("  {} {mark}: {e}", r.name),
            None => println!("  {} {mark}", r.name),
        }
        for x in &r.explain {
            let at = match (&x.path, &x.value) {
                (Some(p), Some(v)) => format!(" {p} = {v}"),
                (Some(p), None) => format!(" {p}"),
                (None, Some(v)) => format!(" ({v})"),
                (None, None) => String::new(),
            };
            let ok = if x.passed { "pass" } else { "FAIL" };
            println!("    {ok} {}{at}: {}", x.filter, x.reason);
        }
    }
    for f in firings {
        let with: Vec<String> = f
            .events
            .iter()
            .map(|(d, e)| format!("{d}={}", e.context.id))
            .collect();
        println!("  FIRED {} with {}", f.trigger, with.join(", "));
        match compiled.render(f) {
            Ok(r) => {
                let pretty = serde_json::to_string_pretty(&r.template).unwrap_or_default();
                for l in pretty.lines() {
                    println!("    {l}");
                }
                if let Some(p) = r.payload {
                    println!("    payload: {}", payload_json(&p));
                }
            }
            Err(e) => println!("    cannot render: {e}"),
        }
    }
    println!();
}
