//! Triggers as pure plans: which kind a template is, and the request it renders to once the
//! events' values are injected. Executing a plan (ports, retries, rate limits, dead letters) is
//! shared by all adapters and lives beside this, talking to the world through port traits.

pub mod backoff;
pub mod exec;
#[cfg(test)]
mod exec_tests;
pub mod http;
pub mod ports;
pub mod ratelimit;

pub use exec::{
    ExecCompileError, ExecOptions, FireReport, SensorRunners, TriggerError, TriggerRunner,
    EXECUTABLE_KINDS,
};

use crate::param::{self, CompiledParam, DepEvents, ParamError};
use crate::spec::{Trigger, TriggerTemplate};
use serde_json::Value;

/// The trigger kinds of Argo's `TriggerTemplate`, by field name.
pub const KINDS: &[&str] = &[
    "argoWorkflow",
    "awsLambda",
    "azureEventHubs",
    "azureServiceBus",
    "custom",
    "email",
    "http",
    "k8s",
    "kafka",
    "log",
    "nats",
    "openWhisk",
    "pulsar",
    "slack",
    "sqs",
];

/// Kinds whose parameters apply to a Kubernetes resource under `source.resource`.
const RESOURCE_KINDS: &[&str] = &["argoWorkflow", "k8s"];

/// Why a trigger could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("trigger template sets no trigger kind (one of {})", KINDS.join(", "))]
    NoKind,
    #[error("trigger template sets several kinds: {0}")]
    SeveralKinds(String),
    #[error("{0} is not supported yet")]
    NotSupported(String),
    #[error("invalid trigger template {0}")]
    Template(String),
    #[error("cannot encode the trigger template: {0}")]
    Encode(String),
}

/// A trigger's rendered request.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The trigger template as JSON after every parameter was applied.
    pub template: Value,
    /// The payload built from the kind's `payload` parameters, for kinds that carry one.
    pub payload: Option<Vec<u8>>,
}

/// The kind set in a template, or an error when none or several are set.
pub fn kind_of(t: &TriggerTemplate) -> Result<&'static str, RenderError> {
    let v = serde_json::to_value(t).map_err(|e| RenderError::Encode(e.to_string()))?;
    let set: Vec<&'static str> = KINDS
        .iter()
        .copied()
        .filter(|k| v.get(*k).is_some())
        .collect();
    match set.as_slice() {
        [] => Err(RenderError::NoKind),
        [one] => Ok(one),
        many => Err(RenderError::SeveralKinds(many.join(", "))),
    }
}

/// A trigger compiled for rendering: templates in its parameters parsed once.
#[derive(Debug)]
pub struct TriggerPlan {
    pub name: String,
    pub spec: Trigger,
    /// `trigger.parameters`, applied to the whole template first.
    template_params: Vec<CompiledParam>,
    /// The kind's `parameters` and `payload`, compiled from the spec as written. If trigger-level
    /// parameters touch them, they are recompiled from the rendered template at render time.
    kind_params: Vec<CompiledParam>,
    payload_params: Vec<CompiledParam>,
}

fn kind_lists(template: &Value, kind: &str) -> (Vec<CompiledParam>, Vec<CompiledParam>) {
    let list = |field: &str| -> Vec<CompiledParam> {
        template
            .get(kind)
            .and_then(|k| k.get(field))
            .and_then(|v| {
                serde_json::from_value::<Vec<crate::spec::TriggerParameter>>(v.clone()).ok()
            })
            .map(|ps| param::compile_all(&ps))
            .unwrap_or_default()
    };
    (list("parameters"), list("payload"))
}

impl TriggerPlan {
    pub fn compile(spec: &Trigger) -> TriggerPlan {
        let template = spec.template.clone().unwrap_or_default();
        let value = serde_json::to_value(&template).unwrap_or(Value::Null);
        let (kind_params, payload_params) = match kind_of(&template) {
            Ok(kind) => kind_lists(&value, kind),
            Err(_) => (Vec::new(), Vec::new()),
        };
        TriggerPlan {
            name: template.name.clone().unwrap_or_default(),
            spec: spec.clone(),
            template_params: param::compile_all(&spec.parameters),
            kind_params,
            payload_params,
        }
    }

    /// Compile-time problems, relative to the trigger (`parameters[0].src.dataTemplate`).
    pub fn problems(&self) -> Vec<(String, String)> {
        let kind = self
            .spec
            .template
            .as_ref()
            .and_then(|t| kind_of(t).ok())
            .unwrap_or("?");
        let mut out = Vec::new();
        for (prefix, list) in [
            ("parameters".to_string(), &self.template_params),
            (format!("template.{kind}.parameters"), &self.kind_params),
            (format!("template.{kind}.payload"), &self.payload_params),
        ] {
            for (i, p) in list.iter().enumerate() {
                for (path, msg) in p.problems() {
                    out.push((format!("{prefix}[{i}].{path}"), msg));
                }
            }
        }
        out
    }

    /// Renders the request for `events`, as Argo does before executing: trigger-level
    /// parameters on the template, then the kind's parameters on its resource, then the payload.
    pub fn render<D: DepEvents + ?Sized>(&self, events: &D) -> Result<Rendered, RenderError> {
        let template = self.spec.template.clone().unwrap_or_default();
        let kind = kind_of(&template)?;
        let mut value =
            serde_json::to_value(&template).map_err(|e| RenderError::Encode(e.to_string()))?;
        param::apply_params_value(&mut value, &self.template_params, events)?;
        if !self.template_params.is_empty() {
            // Argo decodes the rewritten template back into its type: a parameter that put a
            // string where a number belongs fails the trigger there, and so it does here.
            serde_json::from_value::<TriggerTemplate>(value.clone()).map_err(|e| {
                RenderError::Template(format!("after applying trigger parameters: {e}"))
            })?;
        }
        // Trigger-level parameters may have rewritten the kind's own parameter lists.
        let recompiled;
        let (kind_params, payload_params) = if self.template_params.is_empty() {
            (&self.kind_params, &self.payload_params)
        } else {
            recompiled = kind_lists(&value, kind);
            (&recompiled.0, &recompiled.1)
        };
        let Some(obj) = value.get_mut(kind) else {
            return Err(RenderError::NoKind);
        };
        if RESOURCE_KINDS.contains(&kind) {
            let source = obj.get_mut("source");
            match source {
                Some(src) if src.get("resource").is_some() => {
                    if let Some(res) = src.get_mut("resource") {
                        // Argo marshals the resource as an unstructured map (sorted keys)
                        // before parameters append to it.
                        crate::gojson::sort_keys(res);
                        param::apply_params_value(res, kind_params, events)?;
                    }
                }
                Some(src) => {
                    let which = src
                        .as_object()
                        .and_then(|m| m.keys().next().cloned())
                        .unwrap_or_else(|| "?".into());
                    return Err(RenderError::NotSupported(format!(
                        "{kind} trigger source `{which}` (only an inline `resource` is read)"
                    )));
                }
                None => {
                    return Err(RenderError::NotSupported(format!(
                        "{kind} trigger without `source`"
                    )))
                }
            }
        } else {
            param::apply_params_value(obj, kind_params, events)?;
        }
        let payload = if obj.get("payload").is_some() {
            param::construct_payload(payload_params, events)?
        } else {
            None
        };
        Ok(Rendered {
            template: value,
            payload,
        })
    }
}
