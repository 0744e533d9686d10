//! Trigger parameters: resolve a value from the events (`dataKey`, `dataTemplate`, `contextKey`,
//! `contextTemplate`, `value`) and set it at `dest`, exactly as Argo's `params.go`.

use crate::event::{is_json_content_type, Event};
use crate::extract::{self, Extractor};
use crate::path;
use crate::sjson::{self, SetError};
use crate::spec::TriggerParameter;
use crate::template::{ExecOptions, Template};
use serde_json::Value;
use std::collections::BTreeMap;

/// Why parameters could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("unable to resolve '{dep}' parameter value: {reason}")]
    Unresolved { dep: String, reason: String },
    #[error("unsupported trigger parameter operation: {0}")]
    Operation(String),
    #[error("cannot set parameter at dest `{dest}`: {source}")]
    Set {
        dest: String,
        #[source]
        source: SetError,
    },
    #[error("parameters produced invalid JSON: {0}")]
    Decode(String),
    #[error("parameter value for dest `{dest}` is not valid JSON for useRawData: {reason}")]
    RawJson { dest: String, reason: String },
}

/// The events a trigger fires with, by dependency name.
pub trait DepEvents {
    fn event(&self, dep: &str) -> Option<&Event>;
}

impl DepEvents for BTreeMap<String, Event> {
    fn event(&self, dep: &str) -> Option<&Event> {
        self.get(dep)
    }
}

impl DepEvents for [(&str, &Event)] {
    fn event(&self, dep: &str) -> Option<&Event> {
        self.iter().find(|(d, _)| *d == dep).map(|(_, e)| *e)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Overwrite,
    Append,
    Prepend,
}

/// What kind of value was resolved (gjson's `Type.String()`, or `String` for templates and
/// defaults): only non-strings are inserted raw under `useRawData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Raw,
}

/// One compiled parameter.
#[derive(Debug)]
pub struct CompiledParam {
    dep: String,
    context_key: String,
    context_template: Option<Result<ParamTemplate, String>>,
    data_key: String,
    data_template: Option<Result<ParamTemplate, String>>,
    value: Option<String>,
    use_raw_data: bool,
    dest: String,
    op: Result<Op, String>,
}

/// A parameter template with what it reads of the payload.
#[derive(Debug)]
pub(crate) struct ParamTemplate {
    template: Template,
    /// When the template reads only fixed chains under `.Input`: how to find them.
    partial: Option<PartialInput>,
}

/// Locates the chains a template reads (and each of their prefixes) in one pass, so only those
/// parts of a payload are decoded.
#[derive(Debug)]
struct PartialInput {
    extractor: Extractor,
    /// For each chain, the ids of its prefixes (`body`, `body.repo`, `body.repo.name`).
    chains: Vec<Vec<(usize, String)>>,
    ids: usize,
}

impl PartialInput {
    fn new(paths: Vec<Vec<String>>) -> Option<PartialInput> {
        let mut extractor = Extractor::default();
        let mut chains = Vec::new();
        let mut ids = 0;
        for chain in paths {
            let mut prefix = String::new();
            let mut steps = Vec::new();
            for key in chain {
                if !extract::is_plain(&key) {
                    return None;
                }
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(&key);
                if !extractor.add(&prefix, ids) {
                    return None;
                }
                steps.push((ids, key));
                ids += 1;
            }
            chains.push(steps);
        }
        Some(PartialInput {
            extractor,
            chains,
            ids,
        })
    }

    /// The part of `payload` the template can see: each chain down to its end or to the first
    /// value that is not an object, exactly as a field walk over the whole payload would meet
    /// it. `None` when the payload is not an object or the walk gave up.
    fn input(&self, payload: &str) -> Option<Value> {
        if !payload.trim_start().starts_with('{') {
            return None;
        }
        let mut spans = vec![None; self.ids];
        if !self.extractor.run(payload, &mut spans) {
            return None;
        }
        let mut root = Value::Object(serde_json::Map::new());
        for chain in &self.chains {
            let mut dest = &mut root;
            for (i, (id, key)) in chain.iter().enumerate() {
                let Some((a, b)) = spans.get(*id).copied().flatten() else {
                    break;
                };
                let raw = payload.get(a..b)?;
                let Value::Object(map) = dest else { break };
                if raw.starts_with('{') && i + 1 < chain.len() {
                    dest = map
                        .entry(key.clone())
                        .or_insert_with(|| Value::Object(serde_json::Map::new()));
                } else {
                    if !map.contains_key(key) {
                        map.insert(key.clone(), serde_json::from_str(raw).ok()?);
                    }
                    break;
                }
            }
        }
        Some(root)
    }
}

fn compile_template(t: &Option<String>) -> Option<Result<ParamTemplate, String>> {
    t.as_deref().filter(|s| !s.is_empty()).map(|src| {
        let template = compile_checked(src)?;
        let partial = template.input_paths().and_then(PartialInput::new);
        Ok(ParamTemplate { template, partial })
    })
}

/// Parses a template and refuses, up front, functions Tripline does not run (Go would only
/// fail when the template executes).
pub(crate) fn compile_checked(src: &str) -> Result<Template, String> {
    let t = Template::parse(src).map_err(|e| e.to_string())?;
    let refused = t.unsupported_functions();
    if refused.is_empty() {
        Ok(t)
    } else {
        Err(format!(
            "template function(s) not supported: {}",
            refused.join(", ")
        ))
    }
}

impl CompiledParam {
    pub fn compile(p: &TriggerParameter) -> CompiledParam {
        let src = p.src.clone().unwrap_or_default();
        let op = match p.operation.as_deref().unwrap_or("") {
            "" | "overwrite" => Ok(Op::Overwrite),
            "append" => Ok(Op::Append),
            "prepend" => Ok(Op::Prepend),
            other => Err(other.to_string()),
        };
        CompiledParam {
            dep: src.dependency_name.clone().unwrap_or_default(),
            context_key: src.context_key.clone().unwrap_or_default(),
            context_template: compile_template(&src.context_template),
            data_key: src.data_key.clone().unwrap_or_default(),
            data_template: compile_template(&src.data_template),
            value: src.value.clone(),
            use_raw_data: src.use_raw_data.unwrap_or(false),
            dest: p.dest.clone().unwrap_or_default(),
            op,
        }
    }

    /// Compile-time problems (templates, operation), relative to the parameter.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(Err(e)) = &self.context_template {
            out.push(("src.contextTemplate".to_string(), e.clone()));
        }
        if let Some(Err(e)) = &self.data_template {
            out.push(("src.dataTemplate".to_string(), e.clone()));
        }
        if let Err(op) = &self.op {
            out.push((
                "operation".to_string(),
                format!("{op:?} is not one of overwrite, append, prepend"),
            ));
        }
        out
    }

    /// Where the value goes (`dest`); for dynamic HTTP headers, the header name.
    pub fn dest(&self) -> &str {
        &self.dest
    }

    /// The resolved value as text, `None` when the dependency has no event and no default.
    pub fn resolve_text<D: DepEvents + ?Sized>(
        &self,
        events: &D,
    ) -> Result<Option<String>, ParamError> {
        Ok(self.resolve(events)?.map(|(v, _)| v))
    }

    /// Argo's `ResolveParamValue`: `Ok(None)` when the dependency has no event and no default.
    fn resolve<D: DepEvents + ?Sized>(
        &self,
        events: &D,
    ) -> Result<Option<(String, Kind)>, ParamError> {
        let unresolved = |reason: String| ParamError::Unresolved {
            dep: self.dep.clone(),
            reason,
        };
        let Some(event) = events.event(&self.dep) else {
            return Ok(self.value.clone().map(|v| (v, Kind::String)));
        };
        let has_context = !self.context_key.is_empty() || self.context_template.is_some();
        let has_data = !self.data_key.is_empty() || self.data_template.is_some();
        if !has_context && !has_data {
            let v = self
                .value
                .clone()
                .unwrap_or_else(|| event.argo_event_json());
            return Ok(Some((v, Kind::String)));
        }
        // Data selection wins over context selection when both are given, as in Argo.
        let (payload, key, template) = if has_data {
            (
                render_data_as_json(event),
                &self.data_key,
                &self.data_template,
            )
        } else {
            (
                Ok(event.context_json()),
                &self.context_key,
                &self.context_template,
            )
        };
        let payload = match payload {
            Ok(p) => p,
            Err(e) => {
                return match &self.value {
                    Some(v) => Ok(Some((v.clone(), Kind::String))),
                    None => Err(unresolved(e)),
                }
            }
        };
        let mut last_err = String::new();
        if let Some(t) = template {
            match t
                .as_ref()
                .map_err(Clone::clone)
                .and_then(|t| run_template(t, &payload))
            {
                Ok(s) => return Ok(Some((s, Kind::String))),
                Err(e) => last_err = e,
            }
        }
        if !key.is_empty() {
            match path::get(&payload, key) {
                Some(found) => {
                    let (text, kind) = if found.is_block() || found.kind() == gjson::Kind::Null {
                        (found.raw().to_string(), Kind::Raw)
                    } else if found.kind() == gjson::Kind::String {
                        (found.go_string().into_owned(), Kind::String)
                    } else {
                        (found.go_string().into_owned(), Kind::Raw)
                    };
                    return Ok(Some((text, kind)));
                }
                None => last_err = format!("key {key} does not exist in the event payload"),
            }
        }
        match &self.value {
            Some(v) => Ok(Some((v.clone(), Kind::String))),
            None => Err(unresolved(last_err)),
        }
    }

    /// Sets the resolved value at `dest`: raw JSON under `useRawData` for non-strings (Argo's
    /// `SetRawBytes`), a JSON string otherwise (`SetBytes`).
    fn set(&self, doc: &mut String, text: &str, kind: Kind) -> Result<(), ParamError> {
        let result = if kind != Kind::String && self.use_raw_data {
            serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
                ParamError::RawJson {
                    dest: self.dest.clone(),
                    reason: e.to_string(),
                }
            })?;
            sjson::set_raw(doc, &self.dest, text)
        } else {
            sjson::set_str(doc, &self.dest, text)
        };
        result.map_err(|source| ParamError::Set {
            dest: self.dest.clone(),
            source,
        })
    }
}

/// Argo's `renderEventDataAsJSON`: JSON data as is, YAML converted, anything else an error.
fn render_data_as_json(event: &Event) -> Result<String, String> {
    let ct = event.context.datacontenttype.as_str();
    if is_json_content_type(ct) {
        return event
            .json_data()
            .map(str::to_string)
            .ok_or_else(|| "event data is not valid JSON".to_string());
    }
    if ct.contains("yaml") {
        let v: Value = serde_yaml_ng::from_slice(event.data())
            .map_err(|e| format!("failed converting yaml event data to JSON: {e}"))?;
        return serde_json::to_string(&v).map_err(|e| e.to_string());
    }
    Err(format!("unsupported event content type: {ct}"))
}

/// Argo's `getValueWithTemplate`: runs on `{"Input": <payload>}`; empty or `<no value>` fails.
fn run_template(pt: &ParamTemplate, payload: &str) -> Result<String, String> {
    let t = &pt.template;
    let input = match pt.partial.as_ref().and_then(|p| p.input(payload)) {
        Some(v) => v,
        None => serde_json::from_str(payload).map_err(|e| e.to_string())?,
    };
    let out = t
        .render_input(&input, &ExecOptions::default())
        .map_err(|e| e.to_string())?;
    if out.is_empty() || out == "<no value>" {
        return Err("template evaluated to empty string or no value".into());
    }
    Ok(out)
}

/// Argo's `ApplyParams`: applies `params` in order to the JSON text `doc`, editing it in place
/// as sjson does (existing bytes and key order kept, new keys appended).
pub fn apply_params<D: DepEvents + ?Sized>(
    doc: &mut String,
    params: &[CompiledParam],
    events: &D,
) -> Result<(), ParamError> {
    for p in params {
        let op = p.op.clone().map_err(ParamError::Operation)?;
        let Some((mut text, mut kind)) = p.resolve(events)? else {
            continue;
        };
        if op != Op::Overwrite {
            let current = sjson::get(doc, &p.dest)
                .and_then(|(a, b)| doc.get(a..b))
                .and_then(path::parse)
                .map(|f| f.go_string().into_owned());
            if let Some(cur) = current {
                kind = Kind::String;
                text = if op == Op::Append {
                    format!("{cur}{text}")
                } else {
                    format!("{text}{cur}")
                };
            }
        }
        p.set(doc, &text, kind)?;
    }
    Ok(())
}

/// [`apply_params`] on a JSON value (encoded with Go's escaping, decoded back).
pub fn apply_params_value<D: DepEvents + ?Sized>(
    target: &mut Value,
    params: &[CompiledParam],
    events: &D,
) -> Result<(), ParamError> {
    if params.is_empty() {
        return Ok(());
    }
    let mut doc = crate::gojson::to_string(target);
    apply_params(&mut doc, params, events)?;
    *target = serde_json::from_str(&doc).map_err(|e| ParamError::Decode(e.to_string()))?;
    Ok(())
}

/// Argo's `ConstructPayload`: builds a payload from nothing; a parameter with an empty `dest`
/// makes its value the whole payload.
pub fn construct_payload<D: DepEvents + ?Sized>(
    params: &[CompiledParam],
    events: &D,
) -> Result<Option<Vec<u8>>, ParamError> {
    let mut doc: Option<String> = None;
    for p in params {
        let resolved = p.resolve(events)?;
        if p.dest.is_empty() {
            if let Some((text, _)) = resolved {
                return Ok(Some(text.into_bytes()));
            }
            continue;
        }
        let Some((text, kind)) = resolved else {
            continue;
        };
        p.set(doc.get_or_insert_with(String::new), &text, kind)?;
    }
    Ok(doc.map(String::into_bytes))
}

/// Compiles a list of parameters.
pub fn compile_all(params: &[TriggerParameter]) -> Vec<CompiledParam> {
    params.iter().map(CompiledParam::compile).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEMPLATES: &[&str] = &[
        "{{ .Input.a.b | upper }}",
        "{{ .Input.a }}-{{ .Input.c.d.e }}",
        "{{ if .Input.a.b }}yes {{ .Input.a.b }}{{ else }}no{{ end }}",
        "{{ len .Input.a }}",
        "{{ toJson .Input.c }}",
        "{{ .Input.a.b.c }}",
    ];

    fn payload() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            (-5i64..5).prop_map(Value::from),
            "[a-z]{0,3}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
                proptest::collection::btree_map("[a-e]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        // Decoding only the chains a template reads gives exactly what the full decode gives.
        #[test]
        fn partial_input_renders_like_the_full_payload(
            body in proptest::collection::btree_map("[a-e]", payload(), 0..4),
        ) {
            let text = Value::Object(body.into_iter().collect()).to_string();
            for src in TEMPLATES {
                let Some(Ok(pt)) = compile_template(&Some((*src).to_string())) else {
                    panic!("{src} compiles");
                };
                prop_assert!(pt.partial.is_some(), "{} should be partial", src);
                let full: Value = serde_json::from_str(&text).expect("json");
                let want = pt.template.render_input(&full, &ExecOptions::default()).map_err(|e| e.to_string());
                let got = run_template(&pt, &text);
                match (&want, &got) {
                    (Ok(w), Ok(g)) => prop_assert_eq!(w, g, "{} on {}", src, text),
                    (Ok(w), Err(_)) => prop_assert!(w.is_empty() || w == "<no value>", "{} on {}: {:?}", src, text, got),
                    (Err(w), Err(g)) => prop_assert_eq!(w, g, "{} on {}", src, text),
                    (Err(w), Ok(g)) => prop_assert!(false, "{} on {}: full failed {} but partial gave {}", src, text, w, g),
                }
            }
        }
    }
}
