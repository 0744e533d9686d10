//! Prometheus metrics of the local runtime, served on the admin port's `/metrics`.

use prometheus_client::encoding::{text::encode, EncodeLabelSet};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SourceLabels {
    pub event_source: String,
    pub event_name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RejectLabels {
    pub event_source: String,
    pub event_name: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DepLabels {
    pub sensor: String,
    pub dependency: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TriggerLabels {
    pub sensor: String,
    pub trigger: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SensorLabels {
    pub sensor: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeadLetterLabels {
    pub sensor: String,
    pub trigger: String,
    /// `dlqTrigger` or `file` (the local dead-letter file, when no dlqTrigger took it).
    pub sink: String,
}

/// Every metric, registered once.
pub struct Metrics {
    registry: Registry,
    pub received: Family<SourceLabels, Counter>,
    pub accepted: Family<SourceLabels, Counter>,
    pub rejected: Family<RejectLabels, Counter>,
    pub filtered: Family<SourceLabels, Counter>,
    pub dep_matched: Family<DepLabels, Counter>,
    pub dep_missed: Family<DepLabels, Counter>,
    pub trigger_success: Family<TriggerLabels, Counter>,
    pub trigger_failure: Family<TriggerLabels, Counter>,
    pub trigger_attempts: Family<TriggerLabels, Counter>,
    pub trigger_duration: Family<TriggerLabels, Histogram>,
    pub dead_lettered: Family<DeadLetterLabels, Counter>,
    pub bus_depth: Family<SensorLabels, Gauge>,
    pub bus_appended: Counter,
    pub bus_bytes: Gauge,
}

fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tripline");
        let received = Family::default();
        let accepted = Family::default();
        let rejected = Family::default();
        let filtered = Family::default();
        let dep_matched = Family::default();
        let dep_missed = Family::default();
        let trigger_success = Family::default();
        let trigger_failure = Family::default();
        let trigger_attempts = Family::default();
        let trigger_duration = Family::<TriggerLabels, Histogram>::new_with_constructor(
            duration_histogram as fn() -> Histogram,
        );
        let dead_lettered = Family::default();
        let bus_depth = Family::default();
        let bus_appended = Counter::default();
        let bus_bytes = Gauge::default();
        registry.register(
            "events_received",
            "Requests/ticks received by event sources",
            received.clone(),
        );
        registry.register(
            "events_accepted",
            "Events durably appended to the bus",
            accepted.clone(),
        );
        registry.register(
            "events_rejected",
            "Events refused (HTTP 4xx) by event sources",
            rejected.clone(),
        );
        registry.register(
            "events_filtered",
            "Events dropped by an EventSource filter",
            filtered.clone(),
        );
        registry.register(
            "dependency_matched",
            "Events that passed a dependency's filters",
            dep_matched.clone(),
        );
        registry.register(
            "dependency_missed",
            "Events routed to a dependency that failed its filters",
            dep_missed.clone(),
        );
        registry.register(
            "trigger_success",
            "Trigger firings that succeeded",
            trigger_success.clone(),
        );
        registry.register(
            "trigger_failure",
            "Trigger firings that failed after every attempt",
            trigger_failure.clone(),
        );
        registry.register(
            "trigger_attempts",
            "Requests sent by triggers, retries included",
            trigger_attempts.clone(),
        );
        registry.register(
            "trigger_duration_seconds",
            "Time to fire a trigger, retries included",
            trigger_duration.clone(),
        );
        registry.register(
            "trigger_dead_lettered",
            "Failed firings taken by a dead-letter sink",
            dead_lettered.clone(),
        );
        registry.register(
            "bus_depth",
            "Events on the bus a sensor has not consumed yet",
            bus_depth.clone(),
        );
        registry.register(
            "bus_appended",
            "Events appended to the bus",
            bus_appended.clone(),
        );
        registry.register(
            "bus_disk_bytes",
            "Bytes of bus segments on disk",
            bus_bytes.clone(),
        );
        Metrics {
            registry,
            received,
            accepted,
            rejected,
            filtered,
            dep_matched,
            dep_missed,
            trigger_success,
            trigger_failure,
            trigger_attempts,
            trigger_duration,
            dead_lettered,
            bus_depth,
            bus_appended,
            bus_bytes,
        }
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

pub fn source(es: &str, name: &str) -> SourceLabels {
    SourceLabels {
        event_source: es.into(),
        event_name: name.into(),
    }
}

pub fn trigger(sensor: &str, trigger: &str) -> TriggerLabels {
    TriggerLabels {
        sensor: sensor.into(),
        trigger: trigger.into(),
    }
}
