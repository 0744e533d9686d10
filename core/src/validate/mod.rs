//! Manifest validation: Argo's own rules plus Tripline's, each finding located by field path.
//!
//! [`validate`] checks one loaded manifest and returns a [`Report`]:
//! - **errors**: what Argo itself rejects (its controller validators, the checks its runtime
//!   makes before a trigger or source can work), fields Argo's schema requires, and fields that
//!   are not in Argo's schema at all (Argo would silently ignore them, which hides mistakes);
//! - **warnings**: what Argo accepts but almost certainly does not do what the author meant
//!   (a setting Argo ignores, a filter that can never match, a trigger that never fires).
//!
//! Paths use the manifest's own field names: `spec.dependencies[1].filters.data[0].comparator`,
//! with map keys dotted (`spec.webhook.example.port`). Messages say why and what is accepted.
//!
//! Compiling CEL/`expr` expressions, Go templates, Lua scripts and jq programs is not done here
//! (the filter compiler does it); this module checks structure, regexes, numbers, booleans,
//! durations, cron expressions and time zones.

mod common;
mod cron;
mod duration;
mod eventsource;
mod filter;
mod sensor;
mod trigger;
mod unknown;

pub use cron::{parse_cron, parse_timezone, CronSchedule};
pub use duration::parse_go_duration;

use crate::spec::{CheckRequired, Issue, Issues, Loaded, Manifest};
use serde::Serialize;
use std::collections::HashSet;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Argo would reject the manifest, or the part it names can never work.
    Error,
    /// Argo accepts it, but it almost certainly does not do what was meant.
    Warning,
}

/// One finding with its severity, for output formats that want a flat list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub path: String,
    pub message: String,
    pub severity: Severity,
}

/// The outcome of validating one manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Report {
    /// No errors (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Adds a finding (exact duplicates are dropped).
    pub fn push(
        &mut self,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let issue = Issue {
            path: path.into(),
            message: message.into(),
        };
        let list = match severity {
            Severity::Error => &mut self.errors,
            Severity::Warning => &mut self.warnings,
        };
        if !list.contains(&issue) {
            list.push(issue);
        }
    }

    /// Appends another report's findings (e.g. from the filter compiler).
    pub fn merge(&mut self, other: Report) {
        for i in other.errors {
            self.push(Severity::Error, i.path, i.message);
        }
        for i in other.warnings {
            self.push(Severity::Warning, i.path, i.message);
        }
    }

    /// Errors first, then warnings, each in the order found.
    pub fn findings(&self) -> Vec<Finding> {
        let tag = |list: &[Issue], severity| {
            list.iter()
                .map(move |i| Finding {
                    path: i.path.clone(),
                    message: i.message.clone(),
                    severity,
                })
                .collect::<Vec<_>>()
        };
        let mut out = tag(&self.errors, Severity::Error);
        out.extend(tag(&self.warnings, Severity::Warning));
        out
    }
}

/// Validates one loaded manifest: unknown fields, schema-required fields, and Argo's rules for
/// its kind. Never panics, whatever the input.
pub fn validate(loaded: &Loaded) -> Report {
    let mut cx = Ctx::default();
    for path in &loaded.unknown_fields {
        unknown::report(&mut cx, &loaded.manifest, path);
    }
    let mut required = Issues::default();
    match &loaded.manifest {
        Manifest::Sensor(s) => {
            sensor::validate(&mut cx, s);
            s.check_required("", &mut required);
        }
        Manifest::EventSource(es) => {
            eventsource::validate(&mut cx, es);
            es.check_required("", &mut required);
        }
        Manifest::EventBus(bus) => {
            eventsource::validate_bus(&mut cx, bus);
            bus.check_required("", &mut required);
        }
    }
    for issue in required.0 {
        let path = issue
            .path
            .strip_prefix('.')
            .unwrap_or(&issue.path)
            .to_string();
        let set_at_run_time = cx.runtime_set.iter().any(|r| {
            path == *r || (path.starts_with(r.as_str()) && path[r.len()..].starts_with(['.', '[']))
        });
        if set_at_run_time || common::argo_does_not_require(&path) || cx.has_error_at(&path) {
            continue;
        }
        let message = if issue.message.contains("empty") {
            "required by Argo's schema: missing or empty".to_string()
        } else {
            "required by Argo's schema: missing".to_string()
        };
        cx.error(path, message);
    }
    cx.report
}

/// Collects findings while walking a manifest.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    pub(crate) report: Report,
    /// Paths that trigger parameters overwrite at run time (their written value is a
    /// placeholder, so "required" does not apply).
    pub(crate) runtime_set: Vec<String>,
    /// Findings already recorded (severity, path, message), so huge manifests stay linear.
    seen: HashSet<(Severity, String, String)>,
    error_paths: HashSet<String>,
}

impl Ctx {
    fn add(&mut self, severity: Severity, path: String, message: String) {
        if !self.seen.insert((severity, path.clone(), message.clone())) {
            return;
        }
        let issue = Issue { path, message };
        match severity {
            Severity::Error => {
                self.error_paths.insert(issue.path.clone());
                self.report.errors.push(issue);
            }
            Severity::Warning => self.report.warnings.push(issue),
        }
    }

    pub(crate) fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.add(Severity::Error, path.into(), message.into());
    }

    pub(crate) fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.add(Severity::Warning, path.into(), message.into());
    }

    pub(crate) fn has_error_at(&self, path: &str) -> bool {
        self.error_paths.contains(path)
    }
}

/// `parent.field` (or `field` at the root).
pub(crate) fn at(parent: &str, field: &str) -> String {
    if parent.is_empty() {
        field.to_string()
    } else {
        format!("{parent}.{field}")
    }
}

/// `parent[i]`.
pub(crate) fn idx(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// Go reads a missing string as `""`; Argo's checks treat both the same.
pub(crate) fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(|s| s.trim().is_empty())
}

/// The non-blank value of an optional string.
pub(crate) fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// `"a", "b" or "c"` for messages.
pub(crate) fn one_of(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| {
            if s.is_empty() {
                "\"\" (empty)".to_string()
            } else {
                format!("{s:?}")
            }
        })
        .collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}
