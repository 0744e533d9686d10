//! JSON text as Go's `encoding/json` writes it, so the event data Tripline publishes is byte for
//! byte what Argo's EventSources publish.
//!
//! Three shapes occur: strings (HTML-safe escaping), raw request bodies embedded as a
//! `json.RawMessage` (compacted, HTML characters escaped inside strings, otherwise verbatim), and
//! values Argo decodes into `map[string]interface{}` and marshals again (keys sorted, every number
//! a `float64`).

use serde_json::Value;

/// Appends `s` as a Go JSON string: `"`, `\`, control characters, `<`, `>`, `&`, U+2028 and
/// U+2029 escaped.
pub(crate) fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut run = 0;
    for (i, c) in s.char_indices() {
        let esc: &str = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\u{2028}' => "\\u2028",
            '\u{2029}' => "\\u2029",
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if esc.is_empty() {
            // `\u00XX` for the HTML characters and the remaining control characters.
            let b = c as u32 as u8;
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(esc);
        }
        run = i + c.len_utf8();
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// Why raw bytes could not be embedded as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotJson(pub String);

/// Checks that `raw` is one JSON value (surrounding whitespace allowed) in UTF-8.
pub(crate) fn check_json(raw: &[u8]) -> Result<&str, NotJson> {
    let text = std::str::from_utf8(raw).map_err(|e| NotJson(format!("not UTF-8 text ({e})")))?;
    serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| NotJson(e.to_string()))?;
    Ok(text)
}

/// Appends raw JSON as Go marshals a `json.RawMessage` field: validated, insignificant
/// whitespace removed, `<`, `>`, `&`, U+2028 and U+2029 escaped inside strings, all else
/// (number spelling, key order, existing escapes) kept.
pub(crate) fn write_compact(out: &mut String, raw: &[u8]) -> Result<(), NotJson> {
    let text = check_json(raw)?;
    write_compact_valid(out, text);
    Ok(())
}

/// [`write_compact`] for text already known to be valid JSON.
pub(crate) fn write_compact_valid(out: &mut String, text: &str) {
    out.reserve(text.len());
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut escaped = false;
    // Start of the pending run of bytes copied as they are.
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if escaped {
                escaped = false;
            } else {
                let rep: Option<(&str, usize)> = match b {
                    b'\\' => {
                        escaped = true;
                        None
                    }
                    b'"' => {
                        in_string = false;
                        None
                    }
                    b'<' => Some(("\\u003c", 1)),
                    b'>' => Some(("\\u003e", 1)),
                    b'&' => Some(("\\u0026", 1)),
                    // U+2028 / U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
                    0xE2 if bytes.get(i + 1) == Some(&0x80) => match bytes.get(i + 2) {
                        Some(0xA8) => Some(("\\u2028", 3)),
                        Some(0xA9) => Some(("\\u2029", 3)),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some((rep, len)) = rep {
                    out.push_str(&text[run..i]);
                    out.push_str(rep);
                    i += len;
                    run = i;
                    continue;
                }
            }
        } else {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    out.push_str(&text[run..i]);
                    run = i + 1;
                }
                b'"' => in_string = true,
                _ => {}
            }
        }
        i += 1;
    }
    out.push_str(&text[run..]);
}

/// Appends a decoded JSON value as Go marshals the `map[string]interface{}` it would have
/// decoded into: object keys sorted, numbers through `float64`, strings re-escaped.
pub(crate) fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_go_float(out, n.as_f64().unwrap_or(0.0)),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// A `float64` as Go's `encoding/json` spells it: shortest round-trip digits, plain notation
/// for magnitudes in [1e-6, 1e21), otherwise `1e+21` / `1.5e-7`.
pub(crate) fn write_go_float(out: &mut String, f: f64) {
    use std::fmt::Write as _;
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let start = out.len();
        let _ = write!(out, "{f:e}");
        // Rust writes `1e21`, Go `1e+21`; negative exponents agree (`1.5e-7`).
        if let Some(pos) = out[start..].find('e') {
            let at = start + pos + 1;
            if out.as_bytes().get(at) != Some(&b'-') {
                out.insert(at, '+');
            }
        }
    } else {
        let _ = write!(out, "{f}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compact(s: &str) -> Result<String, NotJson> {
        let mut out = String::new();
        write_compact(&mut out, s.as_bytes()).map(|()| out)
    }

    #[test]
    fn compacts_like_go_raw_message() {
        let cases = [
            (
                "{ \"a\" : 1 ,\n \"b\":[1, 2.50, 1e3] }\n",
                r#"{"a":1,"b":[1,2.50,1e3]}"#,
            ),
            (
                r#"{"h":"<b>&amp;</b>"}"#,
                r#"{"h":"\u003cb\u003e\u0026amp;\u003c/b\u003e"}"#,
            ),
            ("{\"s\":\"a b\\\" c \\\\\"}", "{\"s\":\"a b\\\" c \\\\\"}"),
            ("\"line\u{2028}sep\u{2029}\"", r#""line\u2028sep\u2029""#),
            (r#"{"z":1,"a":2,"z":3}"#, r#"{"z":1,"a":2,"z":3}"#),
            ("  7  ", "7"),
            ("{\"u\":\"\\u00e9 é\"}", "{\"u\":\"\\u00e9 é\"}"),
        ];
        for (input, want) in cases {
            assert_eq!(compact(input).as_deref(), Ok(want), "{input:?}");
        }
    }

    #[test]
    fn rejects_what_is_not_json() {
        for bad in ["", "{", "{\"a\":1} x", "nul", "{'a':1}"] {
            assert!(compact(bad).is_err(), "{bad:?}");
        }
        assert!(write_compact(&mut String::new(), b"\"\xff\"").is_err());
    }

    #[test]
    fn strings_escape_like_go() {
        let mut out = String::new();
        write_str(&mut out, "a\"b\\c\n\t\u{1}<>&\u{2028}é");
        assert_eq!(out, r#""a\"b\\c\n\t\u0001\u003c\u003e\u0026\u2028é""#);
    }

    #[test]
    fn floats_spell_like_go() {
        let cases: [(f64, &str); 9] = [
            (1.0, "1"),
            (-2.5, "-2.5"),
            (1234567890123.0, "1234567890123"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (0.0, "0"),
            (123456789012345678.0, "123456789012345680"),
        ];
        for (f, want) in cases {
            let mut out = String::new();
            write_go_float(&mut out, f);
            assert_eq!(out, want, "{f}");
        }
    }

    #[test]
    fn values_sort_keys_and_use_float64() {
        let v: Value = serde_json::from_str(
            r#"{"b":1.0,"a":{"y":"<","x":[true,null]},"B":12345678901234567891}"#,
        )
        .expect("json");
        let mut out = String::new();
        write_value(&mut out, &v);
        assert_eq!(
            out,
            r#"{"B":12345678901234567000,"a":{"x":[true,null],"y":"\u003c"},"b":1}"#
        );
    }
}
