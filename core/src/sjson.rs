//! Setting values at gjson-style paths inside JSON text, as Argo does with
//! `sjson.SetBytes`/`SetRawBytes`: the document is edited in place, so existing bytes and key
//! order are kept and a new key is appended at the end of its object.
//!
//! Path syntax: keys separated by `.`, `\.` for a literal dot; a number indexes an array
//! (padding with `null` past its end); `-1` appends to an array; missing containers (and
//! `null`s on the way) become objects, or arrays for `-1`.

use crate::extract::Scanner;

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
    #[error("the document is not valid JSON")]
    BadDocument,
}

/// Largest index we pad an array to: a typo'd index must not allocate gigabytes.
const MAX_INDEX: usize = 100_000;

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

enum Walk {
    /// The whole path exists: the value's span.
    Found(usize, usize),
    /// Keys from `depth` on are missing under an object or array closing at `close`.
    Missing {
        close: usize,
        depth: usize,
        /// Members (object) or elements (array) already there.
        len: usize,
        array: bool,
    },
    /// A `null` (or nothing at all) at `[start, end)` stands where keys from `depth` go.
    Replace {
        start: usize,
        end: usize,
        depth: usize,
    },
}

fn kind_at(b: u8) -> &'static str {
    match b {
        b'"' => "string",
        b't' | b'f' => "bool",
        _ => "number",
    }
}

fn walk(doc: &str, keys: &[String]) -> Result<Walk, SetError> {
    let mut s = Scanner {
        b: doc.as_bytes(),
        i: 0,
        remaining: 0,
    };
    s.ws();
    if s.peek().is_none() {
        return Ok(Walk::Replace {
            start: 0,
            end: doc.len(),
            depth: 0,
        });
    }
    let bad = || SetError::BadDocument;
    let mut depth = 0;
    loop {
        let start = s.i;
        let Some(key) = keys.get(depth) else {
            s.skip().ok_or_else(bad)?;
            return Ok(Walk::Found(start, s.i));
        };
        match s.peek().ok_or_else(bad)? {
            b'{' => {
                s.i += 1;
                let mut len = 0;
                let mut found = false;
                loop {
                    s.ws();
                    match s.peek().ok_or_else(bad)? {
                        b'}' => break,
                        b',' => {
                            s.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let (ks, ke, esc) = s.string().ok_or_else(bad)?;
                    len += 1;
                    s.ws();
                    if s.peek() != Some(b':') {
                        return Err(bad());
                    }
                    s.i += 1;
                    s.ws();
                    let raw = doc.get(ks..ke).ok_or_else(bad)?;
                    let same = if esc {
                        serde_json::from_str::<String>(&format!("\"{raw}\""))
                            .is_ok_and(|k| k == *key)
                    } else {
                        raw == key
                    };
                    if same {
                        found = true;
                        break;
                    }
                    s.skip().ok_or_else(bad)?;
                }
                if !found {
                    return Ok(Walk::Missing {
                        close: s.i,
                        depth,
                        len,
                        array: false,
                    });
                }
            }
            b'[' => {
                let want = if key == "-1" {
                    None
                } else {
                    Some(key.parse::<usize>().map_err(|_| SetError::NotAContainer {
                        key: key.clone(),
                        kind: "array",
                        at: keys[..depth].join("."),
                    })?)
                };
                s.i += 1;
                let mut len = 0;
                let mut found = false;
                loop {
                    s.ws();
                    match s.peek().ok_or_else(bad)? {
                        b']' => break,
                        b',' => {
                            s.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    if want == Some(len) {
                        found = true;
                        break;
                    }
                    s.skip().ok_or_else(bad)?;
                    len += 1;
                }
                if !found {
                    return Ok(Walk::Missing {
                        close: s.i,
                        depth,
                        len,
                        array: true,
                    });
                }
            }
            b'n' => {
                s.skip().ok_or_else(bad)?;
                return Ok(Walk::Replace {
                    start,
                    end: s.i,
                    depth,
                });
            }
            other => {
                return Err(SetError::NotAContainer {
                    key: key.clone(),
                    kind: kind_at(other),
                    at: keys[..depth].join("."),
                })
            }
        }
        depth += 1;
    }
}

/// The JSON text that puts `raw` under `keys` in new containers.
fn nest(keys: &[String], raw: &str, out: &mut String) {
    match keys.split_first() {
        None => out.push_str(raw),
        Some((k, rest)) if k == "-1" => {
            out.push('[');
            nest(rest, raw, out);
            out.push(']');
        }
        Some((k, rest)) => {
            out.push('{');
            crate::gojson::write_str(k, out);
            out.push(':');
            nest(rest, raw, out);
            out.push('}');
        }
    }
}

/// The span of the value at `path` in `doc`, if it exists.
pub fn get(doc: &str, path: &str) -> Option<(usize, usize)> {
    match walk(doc, &split_path(path)) {
        Ok(Walk::Found(a, b)) => Some((a, b)),
        _ => None,
    }
}

/// Sets the JSON text `raw` at `path` in `doc`.
pub fn set_raw(doc: &mut String, path: &str, raw: &str) -> Result<(), SetError> {
    if path.is_empty() {
        return Err(SetError::EmptyPath);
    }
    let keys = split_path(path);
    match walk(doc, &keys)? {
        Walk::Found(a, b) => doc.replace_range(a..b, raw),
        Walk::Replace { start, end, depth } => {
            let mut text = String::new();
            nest(&keys[depth..], raw, &mut text);
            doc.replace_range(start..end, &text);
        }
        Walk::Missing {
            close,
            depth,
            len,
            array,
        } => {
            let mut text = String::new();
            if array {
                let key = &keys[depth];
                let idx = if key == "-1" {
                    len
                } else {
                    key.parse::<usize>().unwrap_or(len)
                };
                if idx > MAX_INDEX {
                    return Err(SetError::IndexTooLarge(idx));
                }
                for n in len..idx {
                    if n > 0 {
                        text.push(',');
                    }
                    text.push_str("null");
                }
                if idx > 0 {
                    text.push(',');
                }
                nest(&keys[depth + 1..], raw, &mut text);
            } else {
                if len > 0 {
                    text.push(',');
                }
                crate::gojson::write_str(&keys[depth], &mut text);
                text.push(':');
                nest(&keys[depth + 1..], raw, &mut text);
            }
            doc.insert_str(close, &text);
        }
    }
    Ok(())
}

/// Sets a string value (Go-quoted) at `path`.
pub fn set_str(doc: &mut String, path: &str, value: &str) -> Result<(), SetError> {
    let mut raw = String::with_capacity(value.len() + 2);
    crate::gojson::write_str(value, &mut raw);
    set_raw(doc, path, &raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(doc: &str, path: &str, raw: &str) -> Result<String, SetError> {
        let mut d = doc.to_string();
        set_raw(&mut d, path, raw).map(|_| d)
    }

    #[test]
    fn replaces_in_place_and_keeps_order() {
        let doc = r#"{"b": 1, "a": {"x": 1}}"#;
        assert_eq!(
            set(doc, "a.x", "\"new\"").as_deref(),
            Ok(r#"{"b": 1, "a": {"x": "new"}}"#)
        );
        assert_eq!(
            set(doc, "a.y", "2").as_deref(),
            Ok(r#"{"b": 1, "a": {"x": 1,"y":2}}"#)
        );
        assert_eq!(
            set(doc, "c.d", "2").as_deref(),
            Ok(r#"{"b": 1, "a": {"x": 1},"c":{"d":2}}"#)
        );
    }

    #[test]
    fn indexes_pads_and_appends_arrays() {
        let doc = r#"{"p":[{"v":1}]}"#;
        assert_eq!(
            set(doc, "p.0.v", "\"x\"").as_deref(),
            Ok(r#"{"p":[{"v":"x"}]}"#)
        );
        assert_eq!(
            set(doc, "p.2", "\"z\"").as_deref(),
            Ok(r#"{"p":[{"v":1},null,"z"]}"#)
        );
        assert_eq!(set(doc, "p.-1", "3").as_deref(), Ok(r#"{"p":[{"v":1},3]}"#));
        assert_eq!(
            set(r#"{"p":[]}"#, "p.1", "3").as_deref(),
            Ok(r#"{"p":[null,3]}"#)
        );
    }

    #[test]
    fn builds_from_nothing_and_through_nulls() {
        assert_eq!(set("", "a.b", "1").as_deref(), Ok(r#"{"a":{"b":1}}"#));
        assert_eq!(set("", "a.-1", "1").as_deref(), Ok(r#"{"a":[1]}"#));
        assert_eq!(
            set(r#"{"a":null}"#, "a.b", "1").as_deref(),
            Ok(r#"{"a":{"b":1}}"#)
        );
        assert_eq!(set("{}", "k", "1").as_deref(), Ok(r#"{"k":1}"#));
    }

    #[test]
    fn escaped_dots_and_escaped_keys() {
        let doc = r#"{"metadata":{"labels":{"a\u002eb":"x"}}}"#;
        assert_eq!(
            set(doc, r"metadata.labels.a\.b", "\"y\"").as_deref(),
            Ok(r#"{"metadata":{"labels":{"a\u002eb":"y"}}}"#)
        );
        assert_eq!(
            set("{}", r"app\.kubernetes\.io/name", "1").as_deref(),
            Ok(r#"{"app.kubernetes.io/name":1}"#)
        );
    }

    #[test]
    fn errors_instead_of_clobbering() {
        assert!(set(r#"{"a":"str"}"#, "a.b", "1").is_err());
        assert!(set("{}", "", "1").is_err());
        assert!(set(r#"{"a":[]}"#, "a.k", "1").is_err());
        assert!(set(r#"{"a":[]}"#, "a.99999999", "1").is_err());
        assert!(set(r#"{"a":"#, "a.b", "1").is_err());
    }

    #[test]
    fn get_finds_spans() {
        let doc = r#"{"a":{"b":[1,{"c":"x"}]}}"#;
        let (s, e) = get(doc, "a.b.1.c").expect("found");
        assert_eq!(&doc[s..e], "\"x\"");
        assert!(get(doc, "a.z").is_none());
    }

    use proptest::prelude::*;

    proptest! {
        // Whatever the document and path, a successful set leaves valid JSON in which the
        // path now holds the value; a failure leaves the document untouched.
        #[test]
        fn set_then_get(
            doc in prop_oneof![
                Just(String::new()),
                Just("{}".to_string()),
                Just(r#"{"a": {"b": [1, {"c": null}], "d": "x"}, "e": []}"#.to_string()),
            ],
            path in "(a|b|c|d|e|0|1|-1)(\\.(a|b|c|d|e|0|1|2|-1)){0,3}",
            n in 0u32..1000,
        ) {
            let mut d = doc.clone();
            let raw = n.to_string();
            match set_raw(&mut d, &path, &raw) {
                Ok(()) => {
                    let v: serde_json::Value = serde_json::from_str(&d).expect("still JSON");
                    prop_assert!(v.is_object() || v.is_array());
                    if !path.contains("-1") {
                        let (a, b) = get(&d, &path).expect("path now exists");
                        prop_assert_eq!(&d[a..b], raw.as_str());
                    }
                }
                Err(_) => prop_assert_eq!(d, doc),
            }
        }
    }
}
