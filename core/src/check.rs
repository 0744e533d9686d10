//! Everything `tripline validate` reports about one manifest: Argo's rules (see [`validate`]),
//! compile problems found by actually compiling filters, expressions, templates and conditions,
//! and the features a given runtime does not run yet.
//!
//! [`validate`]: crate::validate

use crate::sensor::CompiledSensor;
use crate::spec::{Issue, Loaded, Manifest};
use crate::trigger;

/// Where a manifest is meant to run; each runtime runs a different subset of Argo's features.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// `tripline test`: every filter and every trigger kind is evaluated and rendered; nothing
    /// is sent, so no source or trigger kind needs an implementation.
    Offline,
    /// `tripline run` on one machine.
    Local,
    /// A Spin component (WebAssembly sandbox): webhook-family sources, HTTP-borne triggers.
    Spin,
}

/// What a runtime can run.
pub struct Capabilities {
    pub runtime: &'static str,
    /// EventSource types it runs.
    pub sources: &'static [&'static str],
    /// Trigger kinds it executes.
    pub triggers: &'static [&'static str],
    /// Whether it runs Lua (`filters.script`, `transform.script`).
    pub lua: bool,
}

impl Runtime {
    pub fn capabilities(self) -> Capabilities {
        match self {
            Runtime::Offline => Capabilities {
                runtime: "offline test",
                sources: &[],
                triggers: trigger::KINDS,
                lua: true,
            },
            Runtime::Local => Capabilities {
                runtime: "local",
                sources: &[
                    "calendar", "file", "github", "gitlab", "slack", "stripe", "webhook",
                ],
                triggers: &["http", "log", "slack"],
                lua: true,
            },
            Runtime::Spin => Capabilities {
                runtime: "spin",
                sources: &["webhook", "github", "gitlab", "slack", "stripe"],
                triggers: &["http", "log", "slack", "sqs"],
                lua: false,
            },
        }
    }
}

/// The findings for one manifest.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub errors: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }
}

fn issue(path: impl Into<String>, message: impl Into<String>) -> Issue {
    Issue {
        path: path.into(),
        message: message.into(),
    }
}

/// Validates a loaded manifest for `runtime`.
pub fn check(loaded: &Loaded, runtime: Runtime) -> Report {
    let base = crate::validate::validate(loaded);
    let mut report = Report {
        errors: base.errors,
        warnings: base.warnings,
    };
    let caps = runtime.capabilities();
    match &loaded.manifest {
        Manifest::Sensor(sensor) => {
            match CompiledSensor::compile(sensor) {
                Ok(compiled) => {
                    for p in compiled.problems() {
                        push_unique(&mut report.errors, issue(p.path, p.message));
                    }
                }
                Err(errors) => {
                    for e in errors {
                        push_unique(&mut report.errors, issue(e.path, e.message));
                    }
                }
            }
            if let Some(spec) = &sensor.spec {
                for (i, d) in spec.dependencies.iter().enumerate() {
                    let set =
                        |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
                    let filter = d.filters.as_ref().is_some_and(|f| set(&f.script));
                    // With jq set, Argo never runs the Lua transform.
                    let transform = d
                        .transform
                        .as_ref()
                        .is_some_and(|t| set(&t.script) && !set(&t.jq));
                    for (on, field) in [(filter, "filters.script"), (transform, "transform.script")]
                    {
                        if on && !caps.lua {
                            report.warnings.push(issue(
                                format!("spec.dependencies[{i}].{field}"),
                                format!(
                                    "Lua scripts are not supported by the {} runtime \
                                     (no Lua in its sandbox)",
                                    caps.runtime
                                ),
                            ));
                        }
                    }
                }
                for (i, t) in spec.triggers.iter().enumerate() {
                    let Some(tmpl) = &t.template else { continue };
                    if let Ok(kind) = trigger::kind_of(tmpl) {
                        if !caps.triggers.contains(&kind) {
                            report.warnings.push(issue(
                                format!("spec.triggers[{i}].template.{kind}"),
                                format!(
                                    "trigger kind `{kind}` is not supported yet by the {} runtime",
                                    caps.runtime
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Manifest::EventSource(es) => {
            if runtime != Runtime::Offline {
                let v = serde_json::to_value(es.spec.clone().unwrap_or_default())
                    .unwrap_or(serde_json::Value::Null);
                if let Some(map) = v.as_object() {
                    for (kind, sources) in map {
                        if !sources.is_object() || caps.sources.contains(&kind.as_str()) {
                            continue;
                        }
                        report.warnings.push(issue(
                            format!("spec.{kind}"),
                            format!(
                                "event source type `{kind}` is not supported yet by the {} runtime",
                                caps.runtime
                            ),
                        ));
                    }
                }
            }
        }
        Manifest::EventBus(_) => {
            if runtime != Runtime::Offline {
                report.warnings.push(issue(
                    "spec",
                    "EventBus manifests are read but not used: each Tripline runtime brings its own bus",
                ));
            }
        }
    }
    report
}

fn push_unique(list: &mut Vec<Issue>, i: Issue) {
    if !list.contains(&i) {
        list.push(i);
    }
}
