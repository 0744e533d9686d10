//! Runtime values, modelled on the Go types a template sees.
//!
//! Input data is borrowed (`Value::Json`) so field chains never clone the
//! payload; values computed by functions are owned. The variants keep the Go
//! type distinctions that change behaviour: JSON numbers are `float64`,
//! number literals are `int`, Sprig arithmetic returns `int64`, and Go refuses
//! to pass an `int64` where an `int` parameter is declared.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value as Json;

use super::timefmt::GoTime;

pub(crate) type MapRef<'a> = Rc<RefCell<BTreeMap<String, Value<'a>>>>;

#[derive(Clone, Debug)]
pub(crate) enum Value<'a> {
    /// Go's invalid `reflect.Value`: a missing map key or untyped nil. Prints
    /// `<no value>` at the top level and `<nil>` inside collections.
    Missing,
    /// Borrowed decoded JSON (`Null` is a nil `interface{}`).
    Json(&'a Json),
    Bool(bool),
    /// Go `int` (number literals, `len`, `int`, `atoi`).
    Int(i64),
    /// Go `int64` (Sprig arithmetic such as `add`, `int64`).
    Int64(i64),
    /// Go `uint8` (`index` on a string yields a byte).
    Uint8(u8),
    Float(f64),
    Str(Cow<'a, str>),
    /// `[]interface{}` / `[]string` / `[]int`.
    List(Rc<Vec<Value<'a>>>),
    /// `map[string]interface{}` built by the template (`dict`, `fromJson`, ...).
    /// Shared and mutable because Sprig's `set`/`unset` mutate in place.
    Map(MapRef<'a>),
    Time(Rc<GoTime>),
    /// `time.Duration` in nanoseconds.
    Duration(i64),
    /// The map `{"Input": <json>}` Argo executes templates on, without copying
    /// the input into a wrapper object.
    Input(&'a Json),
}

/// A normalised view that folds borrowed JSON into the Go kinds.
pub(crate) enum K<'v, 'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Int64(i64),
    Uint8(u8),
    Float(f64),
    Str(&'v str),
    JList(&'a [Json]),
    List(&'v [Value<'a>]),
    JMap(&'a serde_json::Map<String, Json>),
    Map(&'v MapRef<'a>),
    Time(&'v GoTime),
    Duration(i64),
    /// `{"Input": ...}` root (see [`Value::Input`]).
    Input,
}

impl<'a> Value<'a> {
    pub(crate) fn str(s: impl Into<Cow<'a, str>>) -> Value<'a> {
        Value::Str(s.into())
    }

    pub(crate) fn string(s: String) -> Value<'a> {
        Value::Str(Cow::Owned(s))
    }

    pub(crate) fn list(v: Vec<Value<'a>>) -> Value<'a> {
        Value::List(Rc::new(v))
    }

    pub(crate) fn str_list(v: Vec<String>) -> Value<'a> {
        Value::List(Rc::new(v.into_iter().map(Value::string).collect()))
    }

    pub(crate) fn map(m: BTreeMap<String, Value<'a>>) -> Value<'a> {
        Value::Map(Rc::new(RefCell::new(m)))
    }

    pub(crate) fn k(&self) -> K<'_, 'a> {
        match self {
            Value::Missing => K::Nil,
            Value::Json(j) => match j {
                Json::Null => K::Nil,
                Json::Bool(b) => K::Bool(*b),
                // Go's encoding/json decodes every number into float64.
                Json::Number(n) => K::Float(n.as_f64().unwrap_or(0.0)),
                Json::String(s) => K::Str(s),
                Json::Array(a) => K::JList(a),
                Json::Object(m) => K::JMap(m),
            },
            Value::Bool(b) => K::Bool(*b),
            Value::Int(i) => K::Int(*i),
            Value::Int64(i) => K::Int64(*i),
            Value::Uint8(u) => K::Uint8(*u),
            Value::Float(f) => K::Float(*f),
            Value::Str(s) => K::Str(s),
            Value::List(l) => K::List(l),
            Value::Map(m) => K::Map(m),
            Value::Time(t) => K::Time(t),
            Value::Duration(d) => K::Duration(*d),
            Value::Input(_) => K::Input,
        }
    }

    /// Nil in Go terms: missing value or JSON null.
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Value::Missing | Value::Json(Json::Null))
    }

    /// Go's type name, as used in error messages and `%T`.
    pub(crate) fn go_type(&self) -> &'static str {
        match self.k() {
            K::Nil => "<nil>",
            K::Bool(_) => "bool",
            K::Int(_) => "int",
            K::Int64(_) => "int64",
            K::Uint8(_) => "uint8",
            K::Float(_) => "float64",
            K::Str(_) => "string",
            K::JList(_) | K::List(_) => "[]interface {}",
            K::JMap(_) | K::Map(_) | K::Input => "map[string]interface {}",
            K::Time(_) => "time.Time",
            K::Duration(_) => "time.Duration",
        }
    }

    /// Go's `reflect.Kind` name (Sprig `kindOf`).
    pub(crate) fn go_kind(&self) -> &'static str {
        match self.k() {
            K::Nil => "invalid",
            K::Bool(_) => "bool",
            K::Int(_) => "int",
            K::Int64(_) | K::Duration(_) => "int64",
            K::Uint8(_) => "uint8",
            K::Float(_) => "float64",
            K::Str(_) => "string",
            K::JList(_) | K::List(_) => "slice",
            K::JMap(_) | K::Map(_) | K::Input => "map",
            K::Time(_) => "struct",
        }
    }

    /// Go template truthiness (`text/template` `isTrue`).
    pub(crate) fn truth(&self) -> bool {
        match self.k() {
            K::Nil => false,
            K::Bool(b) => b,
            K::Int(i) | K::Int64(i) | K::Duration(i) => i != 0,
            K::Uint8(u) => u != 0,
            K::Float(f) => f != 0.0,
            K::Str(s) => !s.is_empty(),
            K::JList(l) => !l.is_empty(),
            K::List(l) => !l.is_empty(),
            K::JMap(m) => !m.is_empty(),
            K::Map(m) => !m.borrow().is_empty(),
            K::Input => true,
            K::Time(_) => true,
        }
    }

    /// Sprig `empty`: like truthiness, but structs (time) are never empty.
    pub(crate) fn is_empty(&self) -> bool {
        !self.truth()
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            Value::Json(Json::String(s)) => Some(s),
            _ => None,
        }
    }

    /// Collection length for lists and maps, `None` otherwise.
    pub(crate) fn list_len(&self) -> Option<usize> {
        match self.k() {
            K::JList(l) => Some(l.len()),
            K::List(l) => Some(l.len()),
            _ => None,
        }
    }

    /// Elements of a list (borrowed JSON elements are not cloned).
    pub(crate) fn list_items(&self) -> Option<Vec<Value<'a>>> {
        match self {
            Value::Json(Json::Array(a)) => Some(a.iter().map(Value::Json).collect()),
            Value::List(l) => Some(l.as_ref().clone()),
            _ => None,
        }
    }

    pub(crate) fn list_get(&self, i: usize) -> Option<Value<'a>> {
        match self {
            Value::Json(Json::Array(a)) => a.get(i).map(Value::Json),
            Value::List(l) => l.get(i).cloned(),
            _ => None,
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(
            self,
            Value::Map(_) | Value::Json(Json::Object(_)) | Value::Input(_)
        )
    }

    /// Map lookup; `None` when not a map or the key is absent.
    pub(crate) fn map_get(&self, key: &str) -> Option<Value<'a>> {
        match self {
            Value::Json(Json::Object(m)) => m.get(key).map(Value::Json),
            Value::Map(m) => m.borrow().get(key).cloned(),
            Value::Input(j) => (key == "Input").then_some(Value::Json(j)),
            _ => None,
        }
    }

    /// Map entries in Go's iteration order for templates and fmt (sorted keys).
    pub(crate) fn map_entries(&self) -> Option<Vec<(String, Value<'a>)>> {
        match self {
            Value::Json(Json::Object(m)) => {
                let mut v: Vec<(String, Value<'a>)> =
                    m.iter().map(|(k, v)| (k.clone(), Value::Json(v))).collect();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                Some(v)
            }
            Value::Map(m) => Some(
                m.borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            Value::Input(j) => Some(vec![("Input".to_string(), Value::Json(j))]),
            _ => None,
        }
    }

    /// An owned copy of a map's contents (for functions that build a new map).
    pub(crate) fn map_clone(&self) -> Option<BTreeMap<String, Value<'a>>> {
        match self {
            Value::Json(Json::Object(m)) => {
                Some(m.iter().map(|(k, v)| (k.clone(), Value::Json(v))).collect())
            }
            Value::Map(m) => Some(m.borrow().clone()),
            Value::Input(j) => Some(BTreeMap::from([("Input".to_string(), Value::Json(j))])),
            _ => None,
        }
    }

    /// Recursively copy into fully owned values (Sprig `deepCopy`).
    pub(crate) fn deep_copy(&self) -> Value<'a> {
        self.deep_copy_at(0)
    }

    fn deep_copy_at(&self, depth: usize) -> Value<'a> {
        if depth > MAX_VALUE_DEPTH {
            return self.clone();
        }
        match self.k() {
            K::JList(_) | K::List(_) => Value::list(
                self.list_items()
                    .unwrap_or_default()
                    .iter()
                    .map(|v| v.deep_copy_at(depth + 1))
                    .collect(),
            ),
            K::JMap(_) | K::Map(_) | K::Input => Value::map(
                self.map_entries()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.deep_copy_at(depth + 1)))
                    .collect(),
            ),
            _ => self.clone(),
        }
    }
}

/// Convert a decoded JSON value into owned template values (`fromJson`).
pub(crate) fn from_json_owned<'a>(j: Json) -> Value<'a> {
    match j {
        Json::Null => Value::Missing,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::string(s),
        Json::Array(a) => Value::list(a.into_iter().map(from_json_owned).collect()),
        Json::Object(m) => Value::map(
            m.into_iter()
                .map(|(k, v)| (k, from_json_owned(v)))
                .collect(),
        ),
    }
}

/// Nesting bound for recursive walks over values (printing, JSON, equality,
/// copying). Decoded JSON is at most 128 deep (serde_json's limit); templates
/// could build deeper values in a loop, and this keeps the native stack safe.
pub(crate) const MAX_VALUE_DEPTH: usize = 256;

/// Go's `reflect.DeepEqual` on the values a template can hold: types must match
/// exactly (`int` 1 differs from `float64` 1).
pub(crate) fn deep_equal(a: &Value<'_>, b: &Value<'_>) -> bool {
    deep_equal_at(a, b, 0)
}

fn deep_equal_at(a: &Value<'_>, b: &Value<'_>, depth: usize) -> bool {
    if depth > MAX_VALUE_DEPTH {
        return false;
    }
    match (a.k(), b.k()) {
        (K::Nil, K::Nil) => true,
        (K::Bool(x), K::Bool(y)) => x == y,
        (K::Int(x), K::Int(y)) | (K::Int64(x), K::Int64(y)) | (K::Duration(x), K::Duration(y)) => {
            x == y
        }
        (K::Uint8(x), K::Uint8(y)) => x == y,
        (K::Float(x), K::Float(y)) => x == y,
        (K::Str(x), K::Str(y)) => x == y,
        (K::Time(x), K::Time(y)) => x.same_as(y),
        (K::JList(_) | K::List(_), K::JList(_) | K::List(_)) => {
            let (Some(x), Some(y)) = (a.list_items(), b.list_items()) else {
                return false;
            };
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| deep_equal_at(p, q, depth + 1))
        }
        (K::JMap(_) | K::Map(_) | K::Input, K::JMap(_) | K::Map(_) | K::Input) => {
            let (Some(x), Some(y)) = (a.map_entries(), b.map_entries()) else {
                return false;
            };
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && deep_equal_at(v1, v2, depth + 1))
        }
        _ => false,
    }
}
