//! Sensor rules: metadata, dependencies (names, sources, filters) and the trigger list.

use super::{at, blank, filter, idx, text, trigger, Ctx};
use crate::spec::{EventDependency, ObjectMeta, Sensor};
use std::collections::HashMap;

/// What the triggers of one sensor may refer to.
pub(crate) struct Scope {
    /// Dependency names as written (non-blank ones).
    pub names: Vec<String>,
}

impl Scope {
    /// Argo's condition parser reads `-` as `_`, so `test-dep` and `test_dep` are one name.
    pub(crate) fn normalize(name: &str) -> String {
        name.replace('-', "_")
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        let n = Self::normalize(name);
        self.names.iter().any(|d| Self::normalize(d) == n)
    }

    pub(crate) fn list(&self) -> String {
        if self.names.is_empty() {
            "none".to_string()
        } else {
            self.names.join(", ")
        }
    }
}

pub(super) fn validate(cx: &mut Ctx, s: &Sensor) {
    object_name(cx, &s.metadata, "Sensor");
    let Some(spec) = &s.spec else {
        return;
    };
    if spec.dependencies.is_empty() {
        cx.error(
            "spec.dependencies",
            "a Sensor needs at least one dependency (Argo: \"no event dependencies found\")",
        );
    }
    if spec.triggers.is_empty() {
        cx.error(
            "spec.triggers",
            "a Sensor needs at least one trigger (Argo: \"no triggers found\")",
        );
    }

    let mut by_name: HashMap<&str, usize> = HashMap::new();
    let mut by_normal: HashMap<String, &str> = HashMap::new();
    for (i, d) in spec.dependencies.iter().enumerate() {
        let path = idx("spec.dependencies", i);
        dependency(cx, &path, d);
        let Some(name) = text(&d.name) else {
            continue;
        };
        if let Some(first) = by_name.get(name) {
            cx.error(
                at(&path, "name"),
                format!("duplicate dependency name {name:?} (also spec.dependencies[{first}].name); Argo requires unique names"),
            );
            continue;
        }
        by_name.insert(name, i);
        let normal = Scope::normalize(name);
        if let Some(other) = by_normal.get(&normal) {
            cx.error(
                at(&path, "name"),
                format!("dependency names {other:?} and {name:?} are the same name to Argo's condition parser, which reads '-' as '_'; rename one"),
            );
        } else {
            by_normal.insert(normal, name);
        }
    }
    let scope = Scope {
        names: spec
            .dependencies
            .iter()
            .filter_map(|d| text(&d.name).map(str::to_string))
            .collect(),
    };

    let mut trigger_names: HashMap<&str, usize> = HashMap::new();
    for (i, t) in spec.triggers.iter().enumerate() {
        let path = idx("spec.triggers", i);
        trigger::validate(cx, &path, t, &scope, 0);
        let Some(name) = t.template.as_ref().and_then(|tpl| text(&tpl.name)) else {
            continue;
        };
        if let Some(first) = trigger_names.get(name) {
            cx.error(
                at(&path, "template.name"),
                format!("duplicate trigger name {name:?} (also spec.triggers[{first}].template.name); Argo requires unique trigger names"),
            );
        } else {
            trigger_names.insert(name, i);
        }
    }
}

/// `metadata.name` of a Sensor, EventSource or EventBus.
pub(crate) fn object_name(cx: &mut Ctx, meta: &Option<ObjectMeta>, kind: &str) {
    let Some(meta) = meta else {
        return; // schema-required `metadata` is reported separately
    };
    match meta.name.as_deref() {
        None | Some("") => cx.error(
            "metadata.name",
            format!(
                "{} {kind} needs a name (Argo names its deployment and event-bus subjects after it)",
                if kind.starts_with(['A', 'E', 'I', 'O', 'U']) { "an" } else { "a" }
            ),
        ),
        Some(n) => {
            if let Some(why) = k8s_name_problem(n) {
                cx.error(
                    "metadata.name",
                    format!("{n:?} is not a valid Kubernetes object name: {why}"),
                );
            }
        }
    }
}

/// RFC 1123 subdomain, as Kubernetes requires for object names.
fn k8s_name_problem(n: &str) -> Option<&'static str> {
    if n.len() > 253 {
        return Some("it is longer than 253 characters");
    }
    if !n
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    {
        return Some("use lower-case letters, digits, '-' and '.' only");
    }
    let alnum = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !alnum(n.bytes().next()) || !alnum(n.bytes().last()) {
        return Some("it must start and end with a letter or digit");
    }
    None
}

fn dependency(cx: &mut Ctx, path: &str, d: &EventDependency) {
    match d.name.as_deref() {
        Some(n) if !n.trim().is_empty() => {
            if let Some(why) = dependency_name_problem(n) {
                cx.error(
                    at(path, "name"),
                    format!("dependency name {n:?} {why}: Argo evaluates which dependencies a trigger needs (its `conditions`, or `a && b && …` without them) as an expression where a name must be an identifier"),
                );
            }
        }
        _ => cx.error(
            at(path, "name"),
            "a dependency needs a name (Argo: \"event dependency must define a name\")",
        ),
    }
    if blank(&d.event_source_name) {
        cx.error(
            at(path, "eventSourceName"),
            "a dependency must name the EventSource it listens to (Argo: \"event dependency must define the EventSourceName\")",
        );
    }
    if blank(&d.event_name) {
        cx.error(
            at(path, "eventName"),
            "a dependency must name the event within its EventSource (Argo: \"event dependency must define the EventName\")",
        );
    }
    filter::logical_op(
        cx,
        &at(path, "filtersLogicalOperator"),
        &d.filters_logical_operator,
    );
    if let Some(f) = &d.filters {
        filter::filters(cx, &at(path, "filters"), f);
    }
    if let Some(t) = &d.transform {
        if text(&t.jq).is_some() && text(&t.script).is_some() {
            cx.warn(
                at(path, "transform"),
                "both jq and script are set; Argo applies only the jq transformation",
            );
        }
    }
}

/// govaluate's identifier rule (first a letter, then letters, digits, `_`; Argo escapes `-`),
/// minus `.` which govaluate reads as a field accessor.
fn dependency_name_problem(n: &str) -> Option<&'static str> {
    let mut chars = n.chars();
    if !chars.next().is_some_and(char::is_alphabetic) {
        return Some("must start with a letter");
    }
    if !n
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return Some("may contain only letters, digits, '_' and '-'");
    }
    if matches!(n, "true" | "false" | "in" | "IN") {
        return Some("is a reserved word");
    }
    None
}
