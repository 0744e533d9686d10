//! Setting values at gjson-style paths, as Argo does with `sjson.SetBytes`/`SetRawBytes`.
//!
//! Path syntax: keys separated by `.`, `\.` for a literal dot; a number indexes an existing
//! array (padding with `null` past its end); `-1` appends to an array; missing containers are
//! created as objects (as arrays for `-1`).

use serde_json::{Map, Value};

/// Why a value could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetError {
    #[error("path is empty")]
    EmptyPath,
    #[error("cannot set `{key}` inside a {kind} at `{at}`")]
    NotAContainer {
        key: String,
        kind: &'static str,
        at: String,
    },
    #[error("array index {0} is too large")]
    IndexTooLarge(usize),
}

/// Splits an sjson path into its keys.
pub fn split_path(path: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            '.' => keys.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    keys.push(cur);
    keys
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Largest index we pad an array to: a typo'd index must not allocate gigabytes.
const MAX_INDEX: usize = 100_000;

/// Sets `value` at `path` in `root`, creating what is missing.
pub fn set(root: &mut Value, path: &str, value: Value) -> Result<(), SetError> {
    if path.is_empty() {
        return Err(SetError::EmptyPath);
    }
    let keys = split_path(path);
    let mut cur = root;
    for (i, key) in keys.iter().enumerate() {
        let last = i + 1 == keys.len();
        if cur.is_null() {
            *cur = if key == "-1" {
                Value::Array(Vec::new())
            } else {
                Value::Object(Map::new())
            };
        }
        let at = || keys[..i].join(".");
        let slot: &mut Value = match cur {
            Value::Object(map) => map.entry(key.clone()).or_insert(Value::Null),
            Value::Array(items) => {
                let idx = if key == "-1" {
                    items.len()
                } else {
                    key.parse::<usize>().map_err(|_| SetError::NotAContainer {
                        key: key.clone(),
                        kind: "array",
                        at: at(),
                    })?
                };
                if idx > MAX_INDEX {
                    return Err(SetError::IndexTooLarge(idx));
                }
                if idx >= items.len() {
                    items.resize(idx + 1, Value::Null);
                }
                &mut items[idx]
            }
            other => {
                return Err(SetError::NotAContainer {
                    key: key.clone(),
                    kind: kind(other),
                    at: at(),
                })
            }
        };
        if last {
            *slot = value;
            return Ok(());
        }
        cur = slot;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sets_nested_and_keeps_order() {
        let mut v = json!({"b": 1, "a": {"x": 1}});
        set(&mut v, "a.y", json!("new")).expect("set");
        set(&mut v, "c.d", json!(2)).expect("set");
        assert_eq!(
            v.to_string(),
            r#"{"b":1,"a":{"x":1,"y":"new"},"c":{"d":2}}"#
        );
    }

    #[test]
    fn indexes_pads_and_appends_arrays() {
        let mut v = json!({"p": [{"v": 1}]});
        set(&mut v, "p.0.v", json!("x")).expect("set");
        set(&mut v, "p.2", json!("z")).expect("set");
        set(&mut v, "p.-1", json!("end")).expect("set");
        assert_eq!(v.to_string(), r#"{"p":[{"v":"x"},null,"z","end"]}"#);
    }

    #[test]
    fn escaped_dots_are_literal() {
        let mut v = json!({});
        set(
            &mut v,
            r"metadata.labels.app\.kubernetes\.io/name",
            json!("x"),
        )
        .expect("set");
        assert_eq!(
            v.to_string(),
            r#"{"metadata":{"labels":{"app.kubernetes.io/name":"x"}}}"#
        );
    }

    #[test]
    fn errors_instead_of_clobbering() {
        let mut v = json!({"a": "str"});
        assert!(set(&mut v, "a.b", json!(1)).is_err());
        assert!(set(&mut v, "", json!(1)).is_err());
        let mut arr = json!({"a": []});
        assert!(set(&mut arr, "a.k", json!(1)).is_err());
        assert!(set(&mut arr, "a.99999999", json!(1)).is_err());
    }
}
