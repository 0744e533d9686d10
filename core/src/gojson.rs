//! JSON bytes as Go's `encoding/json` writes them, for byte-exact parity with Argo where it
//! marshals a resource (`unstructured` objects: keys sorted, `<`, `>`, `&`, U+2028 and U+2029
//! escaped).

use serde_json::Value;

/// Sorts object keys recursively, as Go marshals a `map[string]interface{}`.
pub fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.sort_keys();
            for child in map.values_mut() {
                sort_keys(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// Compact JSON with Go's string escaping; keys in the value's own order.
pub fn to_string(v: &Value) -> String {
    let mut out = String::with_capacity(256);
    write(v, &mut out);
    out
}

fn write(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(k, out);
                out.push(':');
                write(item, out);
            }
            out.push('}');
        }
    }
}

pub(crate) fn write_str(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // Copy runs that need no escaping in one go; most strings are a single run.
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let esc: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\u{8}' => Some("\\b"),
            '\u{c}' => Some("\\f"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => Some(""),
            _ => None,
        };
        let Some(esc) = esc else { continue };
        out.push_str(&s[run..i]);
        if esc.is_empty() {
            let b = c as u32;
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize & 0xf] as char);
            out.push(HEX[b as usize & 0xf] as char);
        } else {
            out.push_str(esc);
        }
        run = i + c.len_utf8();
    }
    out.push_str(&s[run..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_like_go() {
        let v = json!({"b": "a && b <c>\u{2028}\u{1}\n", "a": [1, true, null]});
        assert_eq!(
            to_string(&v),
            r#"{"b":"a \u0026\u0026 b \u003cc\u003e\u2028\u0001\n","a":[1,true,null]}"#
        );
    }

    #[test]
    fn sorts_nested_keys() {
        let mut v = json!({"z": {"y": 1, "x": 2}, "a": [{"d": 1, "c": 2}]});
        sort_keys(&mut v);
        assert_eq!(to_string(&v), r#"{"a":[{"c":2,"d":1}],"z":{"x":2,"y":1}}"#);
    }
}
