//! Argo Events `argoproj.io/v1alpha1` manifests: `EventSource`, `Sensor` and `EventBus`.
//!
//! The types in [`generated`] mirror Argo's JSON Schema field for field; this module adds the
//! loader (YAML, multi-document YAML, JSON) and path-carrying parse errors.

mod generated;
mod int_or_string;
pub mod required;

pub use generated::*;
pub use int_or_string::Int64OrString;
pub use required::{CheckRequired, Issue, Issues};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The Argo API group/version Tripline reads.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";

/// One parsed manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum Manifest {
    EventSource(EventSource),
    Sensor(Sensor),
    EventBus(EventBus),
}

impl Manifest {
    pub fn kind(&self) -> &'static str {
        match self {
            Manifest::EventSource(_) => "EventSource",
            Manifest::Sensor(_) => "Sensor",
            Manifest::EventBus(_) => "EventBus",
        }
    }

    pub fn name(&self) -> Option<&str> {
        let meta = match self {
            Manifest::EventSource(m) => &m.metadata,
            Manifest::Sensor(m) => &m.metadata,
            Manifest::EventBus(m) => &m.metadata,
        };
        meta.as_ref().and_then(|m| m.name.as_deref())
    }
}

/// Why a document could not be read as a manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("document {doc}: not valid YAML/JSON: {reason}")]
    Syntax { doc: usize, reason: String },
    #[error("document {doc}: {path}: {reason}")]
    Field {
        doc: usize,
        path: String,
        reason: String,
    },
    #[error("document {doc}: kind {kind:?} ({api_version}) is not an Argo Events kind (EventSource, Sensor, EventBus)")]
    NotArgo {
        doc: usize,
        kind: String,
        api_version: String,
    },
    #[error("document {doc}: apiVersion {found:?} is not {API_VERSION}")]
    ApiVersion { doc: usize, found: String },
}

impl SpecError {
    /// The field path the error points at (`""` for the whole document).
    pub fn path(&self) -> &str {
        match self {
            SpecError::Field { path, .. } => path,
            SpecError::NotArgo { .. } => "kind",
            SpecError::ApiVersion { .. } => "apiVersion",
            SpecError::Syntax { .. } => "",
        }
    }

    /// The reason, without the document number and path.
    pub fn reason(&self) -> String {
        match self {
            SpecError::Field { reason, .. } => reason.clone(),
            other => other.to_string(),
        }
    }
}

/// A manifest read from one document, with the fields Argo's schema does not know.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// 0-based index of the document in its file.
    pub doc: usize,
    pub manifest: Manifest,
    /// Paths of fields that are not in Argo's schema (Argo ignores them silently; validation
    /// reports them, since a misplaced field is a silent behaviour change).
    pub unknown_fields: Vec<String>,
}

/// Reads every document of a YAML (or JSON, a subset of YAML) text. Empty documents are skipped.
/// Each document yields its own result so one bad document does not hide the others.
pub fn load_all(text: &str) -> Vec<Result<Loaded, SpecError>> {
    let mut out = Vec::new();
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let value = match serde_yaml_ng::Value::deserialize(doc) {
            Ok(v) => v,
            Err(e) => {
                out.push(Err(SpecError::Syntax {
                    doc: i,
                    reason: e.to_string(),
                }));
                // The YAML stream cannot be resynchronised after a syntax error.
                break;
            }
        };
        if value.is_null() {
            continue;
        }
        let kind = value
            .get("kind")
            .and_then(|k| k.as_str())
            .map(str::to_string);
        let api = value
            .get("apiVersion")
            .and_then(|k| k.as_str())
            .map(str::to_string);
        out.push(build(i, kind, api, value));
    }
    out
}

/// Reads exactly one manifest from a YAML or JSON text.
pub fn load_one(text: &str) -> Result<Loaded, SpecError> {
    let mut all = load_all(text);
    match all.len() {
        1 => all.remove(0),
        0 => Err(SpecError::Syntax {
            doc: 0,
            reason: "no document found".into(),
        }),
        n => Err(SpecError::Syntax {
            doc: 1,
            reason: format!("expected one document, found {n}"),
        }),
    }
}

/// Builds a manifest from a JSON value (already decoded elsewhere, e.g. from the Kubernetes API).
pub fn from_json_value(value: serde_json::Value) -> Result<Loaded, SpecError> {
    let kind = value
        .get("kind")
        .and_then(|k| k.as_str())
        .map(str::to_string);
    let api = value
        .get("apiVersion")
        .and_then(|k| k.as_str())
        .map(str::to_string);
    build(0, kind, api, value)
}

fn build<D>(
    doc: usize,
    kind: Option<String>,
    api: Option<String>,
    value: D,
) -> Result<Loaded, SpecError>
where
    D: for<'de> serde::Deserializer<'de>,
    for<'de> <D as serde::Deserializer<'de>>::Error: std::fmt::Display,
{
    let kind = kind.unwrap_or_default();
    if !matches!(kind.as_str(), "EventSource" | "Sensor" | "EventBus") {
        return Err(SpecError::NotArgo {
            doc,
            kind,
            api_version: api.unwrap_or_default(),
        });
    }
    if api.as_deref() != Some(API_VERSION) {
        return Err(SpecError::ApiVersion {
            doc,
            found: api.unwrap_or_default(),
        });
    }
    let mut unknown_fields = Vec::new();
    let manifest = match kind.as_str() {
        "EventSource" => typed(doc, value, &mut unknown_fields).map(Manifest::EventSource),
        "Sensor" => typed(doc, value, &mut unknown_fields).map(Manifest::Sensor),
        _ => typed(doc, value, &mut unknown_fields).map(Manifest::EventBus),
    }?;
    Ok(Loaded {
        doc,
        manifest,
        unknown_fields,
    })
}

fn typed<T, D>(doc: usize, value: D, unknown: &mut Vec<String>) -> Result<T, SpecError>
where
    T: DeserializeOwned,
    D: for<'de> serde::Deserializer<'de>,
    for<'de> <D as serde::Deserializer<'de>>::Error: std::fmt::Display,
{
    let mut record = |p: serde_ignored::Path<'_>| unknown.push(ignored_path(&p));
    let ignored = serde_ignored::Deserializer::new(value, &mut record);
    serde_path_to_error::deserialize(ignored).map_err(|e| {
        let path = display_path(e.path());
        SpecError::Field {
            doc,
            path,
            reason: e.inner().to_string(),
        }
    })
}

/// Renders serde_ignored's path (`spec.triggers.0.template`) in our form (`spec.triggers[0].template`).
fn ignored_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", ignored_path(parent)),
        Path::Map { parent, key } => join_key(ignored_path(parent), key),
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => ignored_path(parent),
    }
}

fn join_key(mut parent: String, key: &str) -> String {
    if !parent.is_empty() {
        parent.push('.');
    }
    parent.push_str(key);
    parent
}

/// Renders serde_path_to_error's path as `spec.dependencies[1].filters`.
fn display_path(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out = join_key(out, key);
            }
            Segment::Unknown => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push('?');
            }
        }
    }
    out
}
