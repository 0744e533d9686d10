//! Where the component writes: the `log` trigger's records as JSON lines on stdout (Spin and
//! Wasmtime forward a component's stdout to their logs), and `tracing` events as lines on
//! stderr through a subscriber small enough for the size budget.

use std::fmt::Write as _;
use std::io::Write as _;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use tripline_core::trigger::ports::LogRecord;

/// One line per event of the firing, with the names Argo's log trigger prints.
pub fn lines(record: &LogRecord) -> Vec<String> {
    record
        .events
        .iter()
        .map(|(dep, context, data)| {
            let context: serde_json::Value =
                serde_json::from_str(context).unwrap_or_else(|_| context.clone().into());
            serde_json::json!({
                "level": "info",
                "msg": "log trigger",
                "sensorName": record.sensor,
                "triggerName": record.trigger,
                "dependencyName": dep,
                "eventContext": context,
                "data": data,
            })
            .to_string()
        })
        .collect()
}

pub fn emit(record: &LogRecord) {
    let mut out = std::io::stdout().lock();
    for line in lines(record) {
        // Nothing useful can be done when stdout is gone.
        let _ = writeln!(out, "{line}");
    }
}

/// `tracing` events at INFO and above, one line each on stderr.
struct StderrSubscriber;

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

impl Subscriber for StderrSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::INFO
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut line = Line(format!("{} {}:", meta.level(), meta.target()));
        event.record(&mut line);
        let _ = writeln!(std::io::stderr().lock(), "{}", line.0);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Installs the stderr subscriber once per instance (pre-initialization snapshots it).
pub fn init_tracing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Fails only when a subscriber is installed already, which is what we want.
        let _ = tracing::subscriber::set_global_default(StderrSubscriber);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_carry_argo_names() {
        let r = LogRecord {
            sensor: "s".into(),
            trigger: "t".into(),
            events: vec![(
                "dep".into(),
                r#"{"id":"1","source":"es"}"#.into(),
                r#"{"a":1}"#.into(),
            )],
        };
        let lines = lines(&r);
        assert_eq!(lines.len(), 1);
        let v: serde_json::Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(v["sensorName"], "s");
        assert_eq!(v["triggerName"], "t");
        assert_eq!(v["dependencyName"], "dep");
        assert_eq!(v["eventContext"]["source"], "es");
        assert_eq!(v["data"], r#"{"a":1}"#);
    }
}
