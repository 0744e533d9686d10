//! The sensor state machine: `on_event(event, now) -> firings`, with state a plain value that
//! Lambda/Spin can store between invocations and the long-running binary can checkpoint.
//!
//! Semantics follow Argo's trigger connections: each trigger holds the latest event of each of
//! its dependencies (latest wins); when its condition becomes true it fires with every held
//! event and forgets them all. `conditionsReset.byTime` drops held events older than the last
//! cron occurrence.

use crate::condition::{Condition, ConditionError};
use crate::event::Event;
use crate::filter::{
    CompiledDependency, EventView, Explain, Explanation, FilterProgram, NoExplain, ProgramBuilder,
    Verdict,
};
use crate::route::Route;
use crate::spec::{Sensor, SensorSpec};
use crate::trigger::{RenderError, Rendered, TriggerPlan};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// Why a sensor could not be compiled; each error carries the field path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CompileError {
    pub path: String,
    pub message: String,
}

/// A cron schedule that resets a trigger's held events.
#[derive(Debug)]
struct Reset {
    cron: croner::Cron,
    tz: Tz,
}

impl Reset {
    /// The last occurrence at or before `now`.
    fn last_before(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.tz);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// A trigger with its compiled condition.
#[derive(Debug)]
pub struct CompiledTrigger {
    pub plan: TriggerPlan,
    pub condition: Condition,
    resets: Vec<Reset>,
    /// Indices (into the sensor's dependencies) of the condition's bits, in bit order.
    dep_index: Vec<usize>,
}

/// A sensor compiled once: dependencies, shared filter program, triggers, routing index.
#[derive(Debug)]
pub struct CompiledSensor {
    pub name: String,
    pub deps: Vec<CompiledDependency>,
    pub program: FilterProgram,
    pub triggers: Vec<CompiledTrigger>,
    /// eventSourceName → eventName → the dependencies listening there.
    routes: HashMap<String, HashMap<String, Route>>,
    /// Dependency index → (trigger index, bit) pairs of the triggers whose condition reads it.
    listeners: Vec<Vec<(usize, u64)>>,
}

/// One event held for a trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Held {
    /// When the sensor accepted it (the `now` of `on_event`).
    pub at: DateTime<Utc>,
    pub event: Event,
}

/// The state of one trigger: the latest held event per dependency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriggerState {
    pub held: BTreeMap<String, Held>,
}

/// All mutable state of a sensor, by trigger name. Serializable so any runtime can persist it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SensorState {
    pub triggers: BTreeMap<String, TriggerState>,
}

/// A trigger whose condition became true.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    pub trigger: String,
    /// Index of the trigger in the sensor.
    pub trigger_index: usize,
    /// The events it fires with, by dependency name.
    pub events: BTreeMap<String, Event>,
    /// Stable across redeliveries: the trigger name and the sorted event ids, hashed.
    pub idempotency_key: String,
}

/// What one dependency decided about one event (for `tripline test` and debug logs).
#[derive(Debug, Clone, PartialEq)]
pub struct DependencyReport {
    pub name: String,
    pub verdict: Verdict,
    pub explain: Vec<Explanation>,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> CompileError {
    CompileError {
        path: path.into(),
        message: message.into(),
    }
}

fn parse_reset(cron: &str, tz: Option<&str>) -> Result<Reset, String> {
    let cron = croner::parser::CronParser::new()
        .parse(cron)
        .map_err(|e| format!("invalid cron {cron:?}: {e}"))?;
    let tz = match tz {
        None | Some("") => Tz::UTC,
        Some(name) => name
            .parse::<Tz>()
            .map_err(|_| format!("unknown time zone {name:?}"))?,
    };
    Ok(Reset { cron, tz })
}

impl CompiledSensor {
    /// Compiles a sensor manifest. Errors here are the ones that make running impossible
    /// (conditions, resets); filter and parameter problems are kept per item and reported by
    /// [`CompiledSensor::problems`], as Argo only meets them per event.
    pub fn compile(sensor: &Sensor) -> Result<CompiledSensor, Vec<CompileError>> {
        let name = sensor
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_default();
        let default_spec = SensorSpec::default();
        let spec = sensor.spec.as_ref().unwrap_or(&default_spec);
        Self::compile_spec(name, spec)
    }

    pub fn compile_spec(
        name: String,
        spec: &SensorSpec,
    ) -> Result<CompiledSensor, Vec<CompileError>> {
        let mut errors = Vec::new();
        let mut builder = ProgramBuilder::default();
        let deps: Vec<CompiledDependency> = spec
            .dependencies
            .iter()
            .map(|d| CompiledDependency::compile(d, &mut builder))
            .collect();
        let names: Vec<&str> = deps.iter().map(|d| d.name.as_str()).collect();
        let mut triggers = Vec::new();
        for (ti, t) in spec.triggers.iter().enumerate() {
            let base = format!("spec.triggers[{ti}].template");
            let template = t.template.clone().unwrap_or_default();
            let condition =
                match Condition::compile(template.conditions.as_deref().unwrap_or(""), &names) {
                    Ok(c) => c,
                    Err(e) => {
                        errors.push(err(format!("{base}.conditions"), describe(&e)));
                        continue;
                    }
                };
            let mut resets = Vec::new();
            for (ri, r) in template.conditions_reset.iter().enumerate() {
                if let Some(by) = &r.by_time {
                    match parse_reset(by.cron.as_deref().unwrap_or(""), by.timezone.as_deref()) {
                        Ok(reset) => resets.push(reset),
                        Err(e) => {
                            errors.push(err(format!("{base}.conditionsReset[{ri}].byTime"), e))
                        }
                    }
                }
            }
            let dep_index = condition
                .deps()
                .iter()
                .filter_map(|n| names.iter().position(|m| m == n))
                .collect();
            triggers.push(CompiledTrigger {
                plan: TriggerPlan::compile(t),
                condition,
                resets,
                dep_index,
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut grouped: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, d) in deps.iter().enumerate() {
            grouped
                .entry(d.event_source_name.clone())
                .or_default()
                .entry(d.event_name.clone())
                .or_default()
                .push(i);
        }
        let routes = grouped
            .into_iter()
            .map(|(src, by_name)| {
                let inner = by_name
                    .into_iter()
                    .map(|(name, idx)| (name, Route::build(idx, &deps)))
                    .collect();
                (src, inner)
            })
            .collect();
        let mut listeners = vec![Vec::new(); deps.len()];
        for (ti, t) in triggers.iter().enumerate() {
            for (bit, &di) in t.dep_index.iter().enumerate() {
                if let Some(l) = listeners.get_mut(di) {
                    l.push((ti, 1u64 << bit));
                }
            }
        }
        Ok(CompiledSensor {
            name,
            deps,
            program: builder.finish(),
            triggers,
            routes,
            listeners,
        })
    }

    /// Filter and parameter problems found while compiling, with field paths.
    pub fn problems(&self) -> Vec<CompileError> {
        let mut out = Vec::new();
        for (i, d) in self.deps.iter().enumerate() {
            for p in d.problems() {
                out.push(err(format!("spec.dependencies[{i}].{}", p.path), p.message));
            }
        }
        for (i, t) in self.triggers.iter().enumerate() {
            for (path, msg) in t.plan.problems() {
                out.push(err(format!("spec.triggers[{i}].{path}"), msg));
            }
        }
        out
    }

    fn route(&self, event: &Event) -> Option<&Route> {
        self.routes
            .get(event.context.source.as_str())?
            .get(event.context.subject.as_str())
    }

    /// The indices of the dependencies that listen to `event`.
    pub fn routed(&self, event: &Event) -> &[usize] {
        self.route(event).map(|r| r.deps.as_slice()).unwrap_or(&[])
    }

    /// Pushes onto `out` the indices of the routed dependencies whose filters pass `event`
    /// (no state change; transforms are applied for the verdict and then dropped).
    pub fn matching_dependencies(&self, event: &Event, out: &mut Vec<usize>) {
        let Some(route) = self.route(event) else {
            return;
        };
        let view = EventView::new(&self.program, event.json_data());
        let masks = route.fast_masks(&view, !event.has_no_data());
        for (pos, &di) in route.deps.iter().enumerate() {
            let fast = masks.as_deref().and_then(|m| route.fast_verdict(pos, m));
            let passed = match fast {
                Some(v) => v,
                None => self.deps.get(di).is_some_and(|dep| {
                    dep.evaluate(&self.program, event, &view, &mut NoExplain)
                        .verdict
                        .passed
                }),
            };
            if passed {
                out.push(di);
            }
        }
    }

    /// Processes one event at time `now`.
    pub fn on_event(
        &self,
        state: &mut SensorState,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Vec<Firing> {
        self.process(state, event, now, |_| NoExplain, &mut |_, _| {})
            .1
    }

    /// Like [`CompiledSensor::on_event`], also reporting each routed dependency's verdict and
    /// explanation.
    pub fn on_event_explained(
        &self,
        state: &mut SensorState,
        event: &Event,
        now: DateTime<Utc>,
    ) -> (Vec<DependencyReport>, Vec<Firing>) {
        self.process(state, event, now, |_| Vec::new(), &mut |_, _| {})
    }

    /// [`on_event`](Self::on_event), telling `verdict` (dependency index, passed) for every
    /// dependency the event was routed to: what runtimes count as matches and misses.
    pub fn on_event_observed(
        &self,
        state: &mut SensorState,
        event: &Event,
        now: DateTime<Utc>,
        verdict: &mut dyn FnMut(usize, bool),
    ) -> Vec<Firing> {
        self.process(state, event, now, |_| NoExplain, verdict).1
    }

    fn process<E: Explain + IntoExplanations>(
        &self,
        state: &mut SensorState,
        event: &Event,
        now: DateTime<Utc>,
        mut make: impl FnMut(usize) -> E,
        verdict: &mut dyn FnMut(usize, bool),
    ) -> (Vec<DependencyReport>, Vec<Firing>) {
        let mut reports = Vec::new();
        let mut firings = Vec::new();
        let Some(route) = self.route(event) else {
            return (reports, firings);
        };
        let view = EventView::new(&self.program, event.json_data());
        // Explanations need the full evaluation; the index only gives verdicts.
        let masks = if E::ON {
            None
        } else {
            route.fast_masks(&view, !event.has_no_data())
        };
        for (pos, &di) in route.deps.iter().enumerate() {
            let Some(dep) = self.deps.get(di) else {
                continue;
            };
            let fast = masks.as_deref().and_then(|m| route.fast_verdict(pos, m));
            let (passed, transformed) = match fast {
                Some(v) => (v, None),
                None => {
                    let mut ex = make(di);
                    let outcome = dep.evaluate(&self.program, event, &view, &mut ex);
                    if E::ON {
                        reports.push(DependencyReport {
                            name: dep.name.clone(),
                            verdict: outcome.verdict.clone(),
                            explain: ex.into_explanations(),
                        });
                    }
                    (outcome.verdict.passed, outcome.transformed)
                }
            };
            verdict(di, passed);
            if !passed {
                continue;
            }
            let accepted = transformed.unwrap_or_else(|| event.clone());
            for &(ti, _bit) in self.listeners.get(di).map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(f) = self.hold_and_check(state, ti, &dep.name, &accepted, now) {
                    firings.push(f);
                }
            }
        }
        (reports, firings)
    }

    fn hold_and_check(
        &self,
        state: &mut SensorState,
        ti: usize,
        dep: &str,
        event: &Event,
        now: DateTime<Utc>,
    ) -> Option<Firing> {
        let trigger = self.triggers.get(ti)?;
        let ts = state.triggers.entry(trigger.plan.name.clone()).or_default();
        // Drop what a reset occurring since it was held has cleared.
        for reset in &trigger.resets {
            if let Some(last) = reset.last_before(now) {
                ts.held.retain(|_, h| h.at >= last);
            }
        }
        ts.held.insert(
            dep.to_string(),
            Held {
                at: now,
                event: event.clone(),
            },
        );
        let mask = ts
            .held
            .keys()
            .filter_map(|d| trigger.condition.bit(d))
            .fold(0u64, |m, b| m | b);
        if !trigger.condition.eval(mask) {
            return None;
        }
        let held = std::mem::take(&mut ts.held);
        let events: BTreeMap<String, Event> = held.into_iter().map(|(d, h)| (d, h.event)).collect();
        Some(Firing {
            idempotency_key: idempotency_key(&trigger.plan.name, &events),
            trigger: trigger.plan.name.clone(),
            trigger_index: ti,
            events,
        })
    }

    /// Renders the request of a firing.
    pub fn render(&self, firing: &Firing) -> Result<Rendered, RenderError> {
        let t = self
            .triggers
            .get(firing.trigger_index)
            .ok_or(RenderError::NoKind)?;
        t.plan.render(&firing.events)
    }
}

/// Hex SHA-256 of the trigger name and the sorted event ids.
pub fn idempotency_key(trigger: &str, events: &BTreeMap<String, Event>) -> String {
    let mut ids: Vec<&str> = events.values().map(|e| e.context.id.as_str()).collect();
    ids.sort_unstable();
    let mut h = Sha256::new();
    h.update(trigger.as_bytes());
    for id in ids {
        h.update([0u8]);
        h.update(id.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn describe(e: &ConditionError) -> String {
    e.to_string()
}

/// Turns an explanation sink into its list (empty for [`NoExplain`]).
pub trait IntoExplanations {
    fn into_explanations(self) -> Vec<Explanation>;
}

impl IntoExplanations for NoExplain {
    fn into_explanations(self) -> Vec<Explanation> {
        Vec::new()
    }
}

impl IntoExplanations for Vec<Explanation> {
    fn into_explanations(self) -> Vec<Explanation> {
        self
    }
}
