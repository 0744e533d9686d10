//! gjson path lookups with Go gjson's conversions (`String()`, `Float()`, `Bool()`, `Value()`),
//! which Argo's filters and parameters rely on and which differ in places from the Rust port's.

use gjson::Kind;
use std::borrow::Cow;

/// One looked-up value.
pub struct Found<'a> {
    value: gjson::Value<'a>,
}

/// Looks `path` up in `json`; `None` when the path does not exist.
pub fn get<'a>(json: &'a str, path: &'a str) -> Option<Found<'a>> {
    let value = gjson::get(json, path);
    value.exists().then_some(Found { value })
}

/// Wraps one JSON value (a span found by [`crate::extract`]) as a lookup result.
pub fn parse(raw: &str) -> Option<Found<'_>> {
    let value = gjson::parse(raw);
    value.exists().then_some(Found { value })
}

impl<'a> Found<'a> {
    pub fn kind(&self) -> Kind {
        self.value.kind()
    }

    /// The raw JSON text of the value.
    pub fn raw(&self) -> &str {
        self.value.json()
    }

    /// Whether this is an object or array (gjson's `JSON` type in Go).
    pub fn is_block(&self) -> bool {
        matches!(self.kind(), Kind::Object | Kind::Array)
    }

    /// Go gjson `Result.String()`: strings unescaped, integers as written, other numbers in
    /// shortest decimal form, objects/arrays raw, null empty.
    pub fn go_string(&self) -> Cow<'_, str> {
        match self.kind() {
            Kind::Number => {
                let raw = self.value.json();
                let digits = raw.strip_prefix('-').unwrap_or(raw);
                if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                    Cow::Borrowed(raw)
                } else {
                    Cow::Owned(format_go_float(self.go_float()))
                }
            }
            _ => Cow::Borrowed(self.value.str()),
        }
    }

    /// Go gjson `Result.Float()`.
    pub fn go_float(&self) -> f64 {
        match self.kind() {
            Kind::True => 1.0,
            Kind::Number => self.value.json().parse().unwrap_or(0.0),
            Kind::String => parse_go_float(self.value.str()).unwrap_or(0.0),
            _ => 0.0,
        }
    }

    /// Go gjson `Result.Bool()`.
    pub fn go_bool(&self) -> bool {
        match self.kind() {
            Kind::True => true,
            Kind::String => parse_go_bool(self.value.str()).unwrap_or(false),
            Kind::Number => self.go_float() != 0.0,
            _ => false,
        }
    }

    /// Go gjson `Result.Value()` as a JSON value (numbers become floats, as in Go).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::from_str(self.value.json()).unwrap_or(serde_json::Value::Null)
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms people write (decimal, exponent, `inf`, `nan`,
/// underscores between digits are rejected as in Go without a base prefix).
pub fn parse_go_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    match body {
        "inf" | "infinity" => {
            return Some(if lower.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    if s.is_empty() || s.contains('_') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, no exponent.
pub fn format_go_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{"n":10,"f":2.50,"e":1.5e3,"neg":-3,"s":"x\"y","t":true,"nul":null,"o":{"a":[1,2]},"sb":"True","sn":"12.5"}"#;

    #[test]
    fn go_string_conversions() {
        let s = |p| get(DOC, p).map(|f| f.go_string().into_owned());
        assert_eq!(s("n").as_deref(), Some("10"));
        assert_eq!(s("f").as_deref(), Some("2.5"));
        assert_eq!(s("e").as_deref(), Some("1500"));
        assert_eq!(s("neg").as_deref(), Some("-3"));
        assert_eq!(s("s").as_deref(), Some("x\"y"));
        assert_eq!(s("t").as_deref(), Some("true"));
        assert_eq!(s("nul").as_deref(), Some(""));
        assert_eq!(s("o").as_deref(), Some(r#"{"a":[1,2]}"#));
        assert_eq!(s("o.a.1").as_deref(), Some("2"));
        assert!(s("missing").is_none());
    }

    #[test]
    fn go_float_and_bool_conversions() {
        let f = |p| get(DOC, p).map(|v| v.go_float());
        let b = |p| get(DOC, p).map(|v| v.go_bool());
        assert_eq!(f("sn"), Some(12.5));
        assert_eq!(f("t"), Some(1.0));
        assert_eq!(f("s"), Some(0.0));
        assert_eq!(b("sb"), Some(true));
        assert_eq!(b("f"), Some(true));
        assert_eq!(b("nul"), Some(false));
    }

    #[test]
    fn go_parse_helpers() {
        assert_eq!(parse_go_bool("T"), Some(true));
        assert_eq!(parse_go_bool("yes"), None);
        assert_eq!(parse_go_float("1e3"), Some(1000.0));
        assert_eq!(parse_go_float("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_go_float("1_000"), None);
        assert_eq!(parse_go_float(""), None);
    }
}
