//! Go `encoding/json` output for template values (`toJson` and friends):
//! sorted map keys, HTML-safe escaping of `<`, `>`, `&` (unless raw),
//! U+2028/U+2029 always escaped, and Go's float format (shortest digits,
//! exponent only below 1e-6 or from 1e21, with `e-07` cleaned to `e-7`).

use std::fmt::Write as _;

use super::gofmt::format_float;
use super::timefmt::format as time_format;
use super::value::{Value, K, MAX_VALUE_DEPTH};

pub(crate) struct Opts {
    pub escape_html: bool,
    pub pretty: bool,
}

/// Encode a value; errors mirror Go's `json: unsupported value: NaN`.
pub(crate) fn encode(v: &Value<'_>, opts: &Opts) -> Result<String, String> {
    let mut out = String::new();
    write(&mut out, v, opts, 0)?;
    Ok(out)
}

fn newline(out: &mut String, opts: &Opts, depth: usize) {
    if opts.pretty {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

fn write(out: &mut String, v: &Value<'_>, opts: &Opts, depth: usize) -> Result<(), String> {
    if depth > MAX_VALUE_DEPTH {
        return Err("json: nesting too deep".into());
    }
    match v.k() {
        K::Nil => out.push_str("null"),
        K::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        K::Int(i) | K::Int64(i) | K::Duration(i) => {
            let _ = write!(out, "{i}");
        }
        K::Uint8(u) => {
            let _ = write!(out, "{u}");
        }
        K::Float(f) => out.push_str(&float(f)?),
        K::Str(s) => string(out, s, opts.escape_html),
        K::Time(t) => {
            // time.Time marshals as RFC 3339 with nanoseconds.
            string(
                out,
                &time_format(t, "2006-01-02T15:04:05.999999999Z07:00"),
                opts.escape_html,
            )
        }
        K::JList(_) | K::List(_) => {
            let items = v.list_items().unwrap_or_default();
            out.push('[');
            for (i, e) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, opts, depth + 1);
                write(out, e, opts, depth + 1)?;
            }
            if !items.is_empty() {
                newline(out, opts, depth);
            }
            out.push(']');
        }
        K::JMap(_) | K::Map(_) | K::Input => {
            let entries = v.map_entries().unwrap_or_default();
            out.push('{');
            for (i, (k, e)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, opts, depth + 1);
                string(out, k, opts.escape_html);
                out.push(':');
                if opts.pretty {
                    out.push(' ');
                }
                write(out, e, opts, depth + 1)?;
            }
            if !entries.is_empty() {
                newline(out, opts, depth);
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Go's `floatEncoder` for float64.
pub(crate) fn float(f: f64) -> Result<String, String> {
    if !f.is_finite() {
        return Err(format!(
            "json: unsupported value: {}",
            format_float(f, 'g', -1)
        ));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let mut s = format_float(f, 'e', -1);
        // Clean up e-09 to e-9.
        let n = s.len();
        let b = s.as_bytes();
        if n >= 4 && b[n - 4] == b'e' && b[n - 3] == b'-' && b[n - 2] == b'0' {
            s.remove(n - 2);
        }
        return Ok(s);
    }
    Ok(format_float(f, 'f', -1))
}

fn string(out: &mut String, s: &str, escape_html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if escape_html => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
