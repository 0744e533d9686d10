//! Dependency filters, compiled once per sensor and evaluated exactly as Argo evaluates them
//! (`pkg/sensors/dependencies/filter.go`), with an explanation of each decision on request.

mod data;
mod explain;
mod exprs;
mod program;
mod time;
mod view;

pub use data::Comparator;
pub use explain::{Explain, Explanation, NoExplain};
pub use program::{FilterProgram, ProgramBuilder};
pub use time::TimeWindow;
pub use view::EventView;

use crate::event::Event;
use crate::script::{LuaFilter, Transform};
use crate::spec::{EventContext, EventDependency, EventDependencyFilter};
use data::DataItem;
use explain::note;
use exprs::ExprItem;

/// The outcome of one filter (or one group of filters).
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Pass,
    Fail,
    /// Argo returns an error: the event fails (under `and`) or the error is collected (`or`).
    Error(String),
    /// Not evaluated (e.g. an expression without fields), which Argo counts as passing.
    Skip,
}

/// A dependency's decision on one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub passed: bool,
    /// Argo's filter error, if any. Under `or` an event may pass *with* an error.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logic {
    And,
    Or,
}

impl Logic {
    fn parse(s: Option<&str>) -> Logic {
        if s == Some("or") {
            Logic::Or
        } else {
            Logic::And
        }
    }
}

#[derive(Debug)]
struct ContextMatch {
    r#type: String,
    subject: String,
    source: String,
    datacontenttype: String,
}

impl ContextMatch {
    fn compile(c: &EventContext) -> ContextMatch {
        ContextMatch {
            r#type: c.r#type.clone().unwrap_or_default(),
            subject: c.subject.clone().unwrap_or_default(),
            source: c.source.clone().unwrap_or_default(),
            datacontenttype: c.datacontenttype.clone().unwrap_or_default(),
        }
    }

    /// Argo's `filterContext`: each non-empty expected attribute must equal the event's.
    fn eval<E: Explain>(&self, event: &Event, ex: &mut E) -> bool {
        let c = &event.context;
        let checks = [
            ("type", &self.r#type, &c.r#type),
            ("subject", &self.subject, &c.subject),
            ("source", &self.source, &c.source),
            ("datacontenttype", &self.datacontenttype, &c.datacontenttype),
        ];
        let mut ok = true;
        for (name, want, got) in checks {
            if want.is_empty() {
                continue;
            }
            let hit = want == got;
            ok &= hit;
            note(
                ex,
                || "context".into(),
                Some(name),
                Some(got),
                hit,
                || {
                    if hit {
                        format!("{name} is {want:?}")
                    } else {
                        format!("{name} {got:?} is not {want:?}")
                    }
                },
            );
        }
        ok
    }
}

#[derive(Debug)]
struct Filters {
    exprs: Option<(Logic, Vec<ExprItem>)>,
    data: Option<(Logic, Vec<DataItem>)>,
    context: Option<ContextMatch>,
    time: Option<TimeWindow>,
    script: Option<Result<LuaFilter, String>>,
}

/// One dependency, compiled.
#[derive(Debug)]
pub struct CompiledDependency {
    pub name: String,
    pub event_source_name: String,
    pub event_name: String,
    transform: Option<Result<Transform, String>>,
    filters: Option<Filters>,
    logic: Logic,
}

/// A located compile-time problem (bad regex, CEL, template, Lua, jq…), for validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileProblem {
    /// Relative to the dependency: `filters.data[0].value`.
    pub path: String,
    pub message: String,
}

/// A dependency as the shared index sees it: per data filter, its path and pattern slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// `dataLogicalOperator: or`: one satisfied filter is enough.
    pub any: bool,
    pub filters: Vec<(usize, Vec<usize>)>,
}

/// The result of evaluating a dependency: its verdict and the event as transformed for it.
#[derive(Debug)]
pub struct Outcome {
    pub verdict: Verdict,
    /// `Some` only when the dependency has a `transform` that succeeded.
    pub transformed: Option<Event>,
}

impl CompiledDependency {
    pub fn compile(dep: &EventDependency, b: &mut ProgramBuilder) -> CompiledDependency {
        let transform =
            dep.transform
                .as_ref()
                .and_then(|t| match (t.jq.as_deref(), t.script.as_deref()) {
                    (Some(jq), _) if !jq.is_empty() => {
                        Some(Transform::jq(jq).map_err(|e| e.to_string()))
                    }
                    (_, Some(lua)) if !lua.is_empty() => {
                        Some(Transform::lua(lua).map_err(|e| e.to_string()))
                    }
                    _ => None,
                });
        CompiledDependency {
            name: dep.name.clone().unwrap_or_default(),
            event_source_name: dep.event_source_name.clone().unwrap_or_default(),
            event_name: dep.event_name.clone().unwrap_or_default(),
            transform,
            filters: dep.filters.as_ref().map(|f| compile_filters(f, b)),
            logic: Logic::parse(dep.filters_logical_operator.as_deref()),
        }
    }

    /// When this dependency's filters are only plain string matches on data paths, the patterns
    /// that satisfy each of its data filters and whether any one filter suffices (`or`). Such
    /// dependencies are decided from an inverted index of pattern matches, so many sensors on the
    /// same path cost one regex-set match per event instead of one evaluation each.
    pub fn index_entries(&self) -> Option<IndexEntry> {
        if self.transform.is_some() {
            return None;
        }
        let f = self.filters.as_ref()?;
        if f.exprs.is_some() || f.context.is_some() || f.time.is_some() || f.script.is_some() {
            return None;
        }
        let (logic, items) = f.data.as_ref()?;
        if items.len() > 64 {
            return None;
        }
        let filters = items
            .iter()
            .map(DataItem::index_slots)
            .collect::<Option<Vec<_>>>()?;
        Some(IndexEntry {
            any: *logic == Logic::Or,
            filters,
        })
    }

    /// Compile-time problems, located relative to the dependency.
    pub fn problems(&self) -> Vec<CompileProblem> {
        let mut out = Vec::new();
        let mut push = |path: String, message: String| out.push(CompileProblem { path, message });
        if let Some(Err(e)) = &self.transform {
            push("transform".into(), e.clone());
        }
        let Some(f) = &self.filters else { return out };
        if let Some((_, items)) = &f.exprs {
            for (i, item) in items.iter().enumerate() {
                if let Some(e) = item.problem() {
                    push(format!("filters.exprs[{i}].expr"), e.to_string());
                }
            }
        }
        if let Some((_, items)) = &f.data {
            for (i, item) in items.iter().enumerate() {
                for e in item.problems() {
                    push(format!("filters.data[{i}]"), e);
                }
            }
        }
        if let Some(t) = &f.time {
            for e in t.problems() {
                push("filters.time".into(), e);
            }
        }
        if let Some(Err(e)) = &f.script {
            push("filters.script".into(), e.clone());
        }
        out
    }

    /// Whether this dependency listens to `event` (EventSource name and event name).
    pub fn routes(&self, event: &Event) -> bool {
        self.event_source_name == event.context.source && self.event_name == event.context.subject
    }

    /// Applies the transform (if any) and the filters to `event`. `view` must be a view of
    /// `event` over `program`; it is shared between dependencies to reuse lookups.
    pub fn evaluate<'a, E: Explain>(
        &self,
        program: &'a FilterProgram,
        event: &'a Event,
        view: &EventView<'a>,
        ex: &mut E,
    ) -> Outcome {
        let transformed = match &self.transform {
            None => None,
            Some(Err(e)) => return failed(ex, "transform", e.clone()),
            Some(Ok(t)) => match apply_transform(t, event) {
                Ok(ev) => Some(ev),
                Err(e) => return failed(ex, "transform", e),
            },
        };
        let verdict = match &transformed {
            None => self.filter(event, view, ex),
            Some(ev) => {
                // A transformed event has its own data: give it its own lookups.
                let own = EventView::new(program, ev.json_data());
                self.filter(ev, &own, ex)
            }
        };
        Outcome {
            verdict,
            transformed,
        }
    }

    /// Argo's `filterEvent`.
    fn filter<'a, E: Explain>(&self, event: &Event, view: &EventView<'a>, ex: &mut E) -> Verdict {
        let Some(f) = &self.filters else {
            return Verdict {
                passed: true,
                error: None,
            };
        };
        let or = self.logic == Logic::Or;
        let mut errors: Vec<String> = Vec::new();

        // Under `or` a group's error is collected and the group counts as failed; under
        // `and` it fails the event at once (Argo's `filterEvent`).
        let mut settle = |r: Result<bool, String>| match r {
            Ok(b) => Ok(b),
            Err(e) if or => {
                errors.push(e);
                Ok(false)
            }
            Err(e) => Err(fail(e)),
        };
        let expr_ok = match &f.exprs {
            None => true,
            Some((logic, items)) => {
                let r = group(*logic, "expr", event, view, items.len(), |i, view| {
                    items[i].eval(i, view, ex)
                });
                match settle(r) {
                    Ok(b) => b,
                    Err(v) => return v,
                }
            }
        };
        let data_ok = match &f.data {
            None => true,
            Some((logic, items)) => {
                let r = group(*logic, "data", event, view, items.len(), |i, view| {
                    items[i].eval(i, view, ex)
                });
                match settle(r) {
                    Ok(b) => b,
                    Err(v) => return v,
                }
            }
        };
        let ctx_ok = f.context.as_ref().is_none_or(|c| c.eval(event, ex));
        let time_ok = match &f.time {
            None => true,
            Some(w) => match w.contains(event.context.time) {
                Ok(hit) => {
                    note(
                        ex,
                        || "time".into(),
                        None,
                        Some(&event.context.time.to_rfc3339()),
                        hit,
                        || {
                            format!(
                                "event time is {} the window {}",
                                if hit { "inside" } else { "outside" },
                                w.text
                            )
                        },
                    );
                    hit
                }
                Err(e) => {
                    let msg = format!("time filter error ({e})");
                    note(ex, || "time".into(), None, None, false, || msg.clone());
                    if or {
                        errors.push(msg);
                        false
                    } else {
                        return fail(msg);
                    }
                }
            },
        };
        let script_ok = match &f.script {
            None => true,
            Some(script) => match run_script(script, event) {
                Ok(b) => {
                    note(
                        ex,
                        || "script".into(),
                        None,
                        None,
                        b,
                        || format!("script returned {b}"),
                    );
                    b
                }
                // Argo returns a script error at once, whatever the operator.
                Err(e) => {
                    note(ex, || "script".into(), None, None, false, || e.clone());
                    return fail(e);
                }
            },
        };
        if or {
            let passed = (f.exprs.is_some() && expr_ok)
                || (f.data.is_some() && data_ok)
                || (f.context.is_some() && ctx_ok)
                || (f.time.is_some() && time_ok)
                || (f.script.is_some() && script_ok);
            Verdict {
                passed,
                error: (!errors.is_empty()).then(|| errors.join(" / ")),
            }
        } else {
            Verdict {
                passed: expr_ok && data_ok && ctx_ok && time_ok && script_ok,
                error: None,
            }
        }
    }
}

fn fail(error: String) -> Verdict {
    Verdict {
        passed: false,
        error: Some(error),
    }
}

fn failed<E: Explain>(ex: &mut E, what: &'static str, e: String) -> Outcome {
    note(ex, || what.into(), None, None, false, || e.clone());
    Outcome {
        verdict: fail(format!("{what} error ({e})")),
        transformed: None,
    }
}

/// Evaluates a list of data or expr filters with their own `and`/`or`, as Argo's
/// `filterData`/`filterExpr` loops do. `Ok(bool)` is the verdict, `Err` Argo's error text.
fn group<'a>(
    logic: Logic,
    kind: &str,
    event: &Event,
    view: &EventView<'a>,
    len: usize,
    mut eval: impl FnMut(usize, &EventView<'a>) -> Step,
) -> Result<bool, String> {
    if len == 0 || event.has_no_data() {
        return Ok(true);
    }
    if view.json().is_none() {
        return Err(format!("{kind} filter error (event data not valid JSON)"));
    }
    let mut errors = Vec::new();
    for i in 0..len {
        match (eval(i, view), logic) {
            (Step::Pass, Logic::Or) => return Ok(true),
            (Step::Pass | Step::Skip, Logic::And) => {}
            (Step::Skip, Logic::Or) => {}
            (Step::Fail, Logic::And) => return Ok(false),
            (Step::Fail, Logic::Or) => {}
            (Step::Error(e), Logic::And) => return Err(format!("{kind} filter error ({e})")),
            (Step::Error(e), Logic::Or) => errors.push(e),
        }
    }
    match logic {
        Logic::And => Ok(true),
        Logic::Or if errors.is_empty() => Ok(false),
        Logic::Or => Err(format!("{kind} filter errors [{}]", errors.join(" / "))),
    }
}

fn compile_filters(f: &EventDependencyFilter, b: &mut ProgramBuilder) -> Filters {
    let exprs = (!f.exprs.is_empty()).then(|| {
        (
            Logic::parse(f.expr_logical_operator.as_deref()),
            f.exprs.iter().map(|e| ExprItem::compile(e, b)).collect(),
        )
    });
    let data = (!f.data.is_empty()).then(|| {
        (
            Logic::parse(f.data_logical_operator.as_deref()),
            f.data.iter().map(|d| DataItem::compile(d, b)).collect(),
        )
    });
    Filters {
        exprs,
        data,
        context: f.context.as_ref().map(ContextMatch::compile),
        time: f.time.as_ref().map(TimeWindow::compile),
        script: f
            .script
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| LuaFilter::compile(s).map_err(|e| e.to_string())),
    }
}

fn run_script(script: &Result<LuaFilter, String>, event: &Event) -> Result<bool, String> {
    let lua = script.as_ref().map_err(Clone::clone)?;
    if event.has_no_data() {
        return Ok(true);
    }
    let json = event
        .json_data()
        .ok_or_else(|| "event data not valid JSON".to_string())?;
    let data: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    lua.eval(&data).map_err(|e| e.to_string())
}

fn apply_transform(t: &Transform, event: &Event) -> Result<Event, String> {
    let json = event
        .json_data()
        .ok_or_else(|| "event data not valid JSON".to_string())?;
    let data: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let out = t.apply(&data).map_err(|e| e.to_string())?;
    let bytes = serde_json::to_vec(&out).map_err(|e| e.to_string())?;
    Ok(event.clone().with_data(bytes))
}
