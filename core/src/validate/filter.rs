//! Dependency filters: data (type, comparator, values), exprs, context, time, and the logical
//! operators — Argo's `validateEventFilter` plus what its filter code would fail on at event time.
//! Compiling expressions, templates and scripts is left to the filter compiler.

use super::{at, blank, idx, one_of, parse_timezone, text, Ctx};
use crate::spec::{DataFilter, EventContext, EventDependencyFilter, ExprFilter, TimeFilter};

pub(crate) const LOGICAL_OPERATORS: &[&str] = &["", "and", "or"];
pub(crate) const COMPARATORS: &[&str] = &[">=", ">", "=", "!=", "<", "<="];
pub(crate) const DATA_TYPES: &[&str] = &["string", "number", "bool"];

/// `dataLogicalOperator`, `exprLogicalOperator`, `filtersLogicalOperator`.
pub(crate) fn logical_op(cx: &mut Ctx, path: &str, value: &Option<String>) {
    if let Some(v) = value {
        if !LOGICAL_OPERATORS.contains(&v.as_str()) {
            cx.error(
                path,
                format!(
                    "logical operator {v:?} is not \"and\" or \"or\" (lower case; empty means \"and\")"
                ),
            );
        }
    }
}

/// `spec.dependencies[i].filters`.
pub(crate) fn filters(cx: &mut Ctx, path: &str, f: &EventDependencyFilter) {
    logical_op(
        cx,
        &at(path, "dataLogicalOperator"),
        &f.data_logical_operator,
    );
    logical_op(
        cx,
        &at(path, "exprLogicalOperator"),
        &f.expr_logical_operator,
    );
    for (i, e) in f.exprs.iter().enumerate() {
        expr_filter(cx, &idx(&at(path, "exprs"), i), e);
    }
    for (i, d) in f.data.iter().enumerate() {
        data_filter(cx, &idx(&at(path, "data"), i), d);
    }
    if let Some(c) = &f.context {
        context_filter(cx, &at(path, "context"), c);
    }
    if let Some(t) = &f.time {
        time_filter(cx, &at(path, "time"), t);
    }
    if f.script.as_deref().is_some_and(|s| s.trim().is_empty()) {
        cx.warn(
            at(path, "script"),
            "script is empty; Argo skips an empty script filter",
        );
    }
}

fn expr_filter(cx: &mut Ctx, path: &str, e: &ExprFilter) {
    if e.expr.as_deref().is_some_and(|s| s.trim().is_empty()) {
        cx.error(
            at(path, "expr"),
            "expr can't be empty (Argo: expr and fields must be not empty)",
        );
    }
    for (i, field) in e.fields.iter().enumerate() {
        let fp = idx(&at(path, "fields"), i);
        if field.name.as_deref().is_some_and(|s| s.trim().is_empty()) {
            cx.error(
                at(&fp, "name"),
                "field name can't be empty: the expression refers to the value by this name",
            );
        }
        if field.path.as_deref().is_some_and(|s| s.trim().is_empty()) {
            cx.error(
                at(&fp, "path"),
                "field path can't be empty: it is the gjson path of the value in the event data",
            );
        }
    }
}

fn data_filter(cx: &mut Ctx, path: &str, d: &DataFilter) {
    let comparator = d.comparator.as_deref().unwrap_or("");
    if !comparator.is_empty() && !COMPARATORS.contains(&comparator) {
        cx.error(
            at(path, "comparator"),
            format!(
                "comparator {comparator:?} is not one of {} (empty means =)",
                COMPARATORS.join(", ")
            ),
        );
    }
    if d.path.as_deref().is_some_and(|s| s.trim().is_empty()) {
        cx.error(
            at(path, "path"),
            "path can't be empty: it is the gjson path of the value in the event data",
        );
    }
    let ty = d.r#type.as_deref();
    match ty {
        None => {} // schema-required
        Some(t) if DATA_TYPES.contains(&t) => {}
        Some(t) => {
            let hint = DATA_TYPES
                .iter()
                .find(|k| {
                    k.eq_ignore_ascii_case(t)
                        || (t.eq_ignore_ascii_case("boolean") && **k == "bool")
                })
                .map(|k| format!("; did you mean {k:?}?"))
                .unwrap_or_default();
            cx.error(
                at(path, "type"),
                format!(
                    "type {t:?} is not one of {} (lower case; Argo drops every event with \"unsupported JSON type\"){hint}",
                    one_of(DATA_TYPES)
                ),
            );
        }
    }
    for (k, v) in d.value.iter().enumerate() {
        let vp = idx(&at(path, "value"), k);
        if v.is_empty() {
            cx.error(
                vp,
                "value can't be empty (Argo: one of data filters is not valid)",
            );
            continue;
        }
        match ty {
            Some("number") => {
                if let Err(e) = go_parse_float(v) {
                    cx.error(vp, e);
                }
            }
            Some("bool") if go_parse_bool(v).is_none() => {
                cx.error(
                    vp,
                    format!("{v:?} is not a boolean; Argo accepts 1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False"),
                );
            }
            Some("string") => {
                if let Err(e) = crate::regex_go::compile(v) {
                    cx.error(
                        vp,
                        format!("{v:?} is not a valid regular expression (string values are regexes, matched anywhere in the value unless anchored with ^...$): {}", first_line(&e.to_string())),
                    );
                }
            }
            _ => {}
        }
    }
    match (ty, comparator) {
        (Some("string"), c) if !matches!(c, "" | "=" | "!=") && COMPARATORS.contains(&c) => {
            cx.warn(
                at(path, "comparator"),
                format!("comparator {c:?} does nothing for strings: Argo applies only = and != to string values, so this filter never matches"),
            );
        }
        (Some("bool"), c) if !matches!(c, "" | "=") && COMPARATORS.contains(&c) => {
            cx.warn(
                at(path, "comparator"),
                format!("comparator {c:?} is ignored for bool: Argo always compares booleans for equality"),
            );
        }
        _ => {}
    }
    if comparator == "!=" && d.value.len() > 1 && matches!(ty, Some("string" | "number")) {
        cx.warn(
            at(path, "value"),
            "values are ORed: with != and several values the filter passes whenever the event differs from any one of them (almost always); use one filter per value, or a regex/expression",
        );
    }
}

fn context_filter(cx: &mut Ctx, path: &str, c: &EventContext) {
    let compared = [&c.r#type, &c.subject, &c.source, &c.datacontenttype];
    if compared.iter().all(|v| blank(v)) {
        cx.error(
            path,
            "no fields specified in the context filter: set at least one of type, subject, source, datacontenttype (Argo rejects an empty context filter)",
        );
    }
    for (field, set) in [
        ("id", c.id.is_some()),
        ("specversion", c.specversion.is_some()),
        ("time", c.time.is_some()),
    ] {
        if set {
            cx.warn(
                at(path, field),
                format!("Argo's context filter compares only type, subject, source and datacontenttype; `{field}` is ignored"),
            );
        }
    }
}

fn time_filter(cx: &mut Ctx, path: &str, t: &TimeFilter) {
    if let Some(tz) = text(&t.timezone) {
        if let Err(e) = parse_timezone(tz) {
            cx.error(at(path, "timezone"), e);
        }
    }
    let start = t.start.as_deref().map(|s| (s, parse_hms(s)));
    let stop = t.stop.as_deref().map(|s| (s, parse_hms(s)));
    for (field, v) in [("start", &start), ("stop", &stop)] {
        if let Some((s, Err(e))) = v {
            cx.error(
                at(path, field),
                format!("{s:?} is not a time of day: {e}; write HH:MM:SS, e.g. \"09:30:00\""),
            );
        }
    }
    if let (Some((a, Ok(x))), Some((_, Ok(y)))) = (&start, &stop) {
        if x == y {
            cx.error(
                at(path, "stop"),
                format!("stop equals start ({a:?}): the window is empty, so every event is filtered out"),
            );
        }
    }
}

/// Go's `time.Parse("15:04:05", s)`: hour 1-2 digits (0-23), minute and second exactly 2
/// digits, an optional fraction after the seconds. Returns nanoseconds since midnight.
pub(crate) fn parse_hms(s: &str) -> Result<u64, String> {
    fn num(s: &str, min_len: usize, max_len: usize) -> Option<(u64, &str)> {
        let n = s
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count()
            .min(max_len);
        if n < min_len {
            return None;
        }
        let (d, rest) = s.split_at(n);
        d.parse().ok().map(|v| (v, rest))
    }
    let (h, rest) = num(s, 1, 2).ok_or("the hour must be 1 or 2 digits")?;
    let rest = rest
        .strip_prefix(':')
        .ok_or("expected ':' after the hour")?;
    let (m, rest) = num(rest, 2, 2).ok_or("the minute must be 2 digits")?;
    let rest = rest
        .strip_prefix(':')
        .ok_or("expected ':' after the minute")?;
    let (sec, rest) = num(rest, 2, 2).ok_or("the second must be 2 digits")?;
    let mut nanos = 0u64;
    let mut rest = rest;
    if let Some(frac) = rest.strip_prefix(['.', ',']) {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err("expected digits after the decimal point".into());
        }
        let digits = &frac[..n.min(9)];
        let v: u64 = digits.parse().map_err(|_| "bad fraction".to_string())?;
        nanos = v * 10u64.pow(9 - digits.len() as u32);
        rest = &frac[n..];
    }
    if !rest.is_empty() {
        return Err(format!("unexpected {rest:?} after the time"));
    }
    if h > 23 {
        return Err(format!("hour {h} is out of range (0-23)"));
    }
    if m > 59 {
        return Err(format!("minute {m} is out of range (00-59)"));
    }
    if sec > 59 {
        return Err(format!("second {sec} is out of range (00-59)"));
    }
    Ok(((h * 60 + m) * 60 + sec) * 1_000_000_000 + nanos)
}

/// Go's `strconv.ParseBool`.
pub(crate) fn go_parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `strconv.ParseFloat(s, 64)`: decimal and hex floats, `inf`/`infinity`/`nan` in any case,
/// an optional sign; out-of-range values are errors.
pub(crate) fn go_parse_float(s: &str) -> Result<f64, String> {
    let bad = || {
        format!("{s:?} is not a number (Go's strconv.ParseFloat syntax, e.g. \"42\", \"-1.5\", \"2e10\")")
    };
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = unsigned.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity") {
        return Ok(if s.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    if lower == "nan" {
        return Ok(f64::NAN);
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return parse_hex_float(hex)
            .map(|v| if s.starts_with('-') { -v } else { v })
            .ok_or_else(bad);
    }
    // Rust accepts the same decimal syntax except that it also takes words Go treats as
    // identifiers, which the checks above already handled; forbid anything else non-numeric.
    if unsigned.is_empty()
        || !unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        || unsigned.starts_with(['e', 'E'])
    {
        return Err(bad());
    }
    let v: f64 = s.parse().map_err(|_| bad())?;
    if v.is_infinite() {
        return Err(format!("{s:?} is out of range for a 64-bit float"));
    }
    Ok(v)
}

/// `mantissa p exponent` after `0x`, underscores allowed between digits (Go's rule for
/// prefixed numbers). The exponent is mandatory.
fn parse_hex_float(s: &str) -> Option<f64> {
    let s: String = s.chars().filter(|c| *c != '_').collect();
    let (mant, exp) = s.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    v.is_finite().then_some(v)
}

fn first_line(s: &str) -> String {
    // The regex crate's errors are multi-line with a caret diagram; keep the summary.
    s.lines()
        .rev()
        .find(|l| l.trim_start().starts_with("error:"))
        .map(|l| l.trim().trim_start_matches("error:").trim().to_string())
        .unwrap_or_else(|| s.lines().next().unwrap_or("").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_syntax() {
        for ok in [
            "1", "-1.5", "+2", ".5", "1.", "1e3", "1E-3", "inf", "-Inf", "NaN", "infinity",
            "0x1p-2", "0x1.8p1",
        ] {
            assert!(go_parse_float(ok).is_ok(), "{ok}");
        }
        for bad in ["", "abc", "1,5", "1e400", "0x1", "e3", "1_000", " 1", "1 "] {
            assert!(go_parse_float(bad).is_err(), "{bad}");
        }
        assert_eq!(go_parse_float("0x1.8p1"), Ok(3.0));
    }

    #[test]
    fn go_time_of_day() {
        assert_eq!(parse_hms("09:30:00"), Ok(34_200_000_000_000));
        assert!(parse_hms("9:30:00").is_ok());
        assert!(parse_hms("23:59:59.5").is_ok());
        for bad in [
            "24:00:00",
            "9:3:00",
            "09:30",
            "09:60:00",
            "09:30:00Z",
            "",
            "ab:cd:ef",
        ] {
            assert!(parse_hms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_bool_syntax() {
        assert_eq!(go_parse_bool("True"), Some(true));
        assert_eq!(go_parse_bool("F"), Some(false));
        assert_eq!(go_parse_bool("yes"), None);
        assert_eq!(go_parse_bool("tRUE"), None);
    }
}
