//! Implementations of Go's template builtins and the Sprig v3 functions.
//!
//! Each function follows the Go source it replaces (`text/template/funcs.go`
//! and `github.com/Masterminds/sprig/v3`), including its quirks: Sprig's
//! string helpers slice by bytes, `default` treats every empty value as
//! unset, arithmetic goes through `spf13/cast` (`"3.0"` → 3, `"abc"` → 0),
//! and functions that panic in Go surface as execution errors.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use regex::Regex;

use super::funcs::{FuncDef, F};
use super::gofmt::{self, quote, sprint, sprintf, sprintln, write_v};
use super::json;
use super::parse::go_parse_int;
use super::regexp;
use super::strcase;
use super::timefmt::{self, duration_string, GoTime};
use super::value::{deep_equal, from_json_owned, Value, K, MAX_VALUE_DEPTH};

/// Per-call context: the injected clock and random source, and a regex
/// precompiled from a literal pattern.
pub(crate) struct CallCtx<'r> {
    pub now: Option<DateTime<Utc>>,
    pub rng: &'r mut Option<Rng>,
    pub regex: Option<&'r Regex>,
}

pub(crate) enum FnErr {
    /// Reported as `error calling NAME: msg` (Go wraps function errors so).
    Call(String),
    /// Reported as is.
    Plain(String),
}

type Res<'a> = Result<Value<'a>, FnErr>;

fn call_err<T>(msg: impl Into<String>) -> Result<T, FnErr> {
    Err(FnErr::Call(msg.into()))
}

/// Deterministic SplitMix64 generator seeded through `ExecOptions`.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

fn rng<'r>(ctx: &'r mut CallCtx<'_>, name: &str) -> Result<&'r mut Rng, FnErr> {
    ctx.rng.as_mut().ok_or_else(|| {
        FnErr::Plain(format!(
            "{name}: no random source (set ExecOptions::random_seed to enable random functions)"
        ))
    })
}

fn now(ctx: &CallCtx<'_>, name: &str) -> Result<GoTime, FnErr> {
    ctx.now.map(GoTime::utc).ok_or_else(|| {
        FnErr::Plain(format!(
            "{name}: no current time available (set ExecOptions::now; the engine never reads the clock)"
        ))
    })
}

fn take<'a>(a: &mut [Value<'a>], i: usize) -> Value<'a> {
    a.get_mut(i)
        .map(|v| std::mem::replace(v, Value::Missing))
        .unwrap_or(Value::Missing)
}

/// A validated `string` argument, keeping borrows from the input alive.
fn take_str<'a>(a: &mut [Value<'a>], i: usize) -> Cow<'a, str> {
    match take(a, i) {
        Value::Str(s) => s,
        Value::Json(serde_json::Value::String(s)) => Cow::Borrowed(s.as_str()),
        _ => Cow::Borrowed(""),
    }
}

fn int_arg(a: &[Value<'_>], i: usize) -> i64 {
    match a.get(i) {
        Some(Value::Int(n)) => *n,
        _ => 0,
    }
}

fn bool_arg(a: &[Value<'_>], i: usize) -> bool {
    a.get(i).is_some_and(|v| matches!(v.k(), K::Bool(true)))
}

fn float_arg(a: &[Value<'_>], i: usize) -> f64 {
    match a.get(i).map(Value::k) {
        Some(K::Float(f)) => f,
        _ => 0.0,
    }
}

/// Sprig's `strval`: strings as is, everything else via `%v`.
pub(crate) fn strval(v: &Value<'_>) -> String {
    match v.as_str() {
        Some(s) => s.to_string(),
        None => {
            let mut s = String::new();
            write_v(&mut s, v);
            s
        }
    }
}

/// Sprig's `strslice`: list elements (nils dropped) as strings, or `[strval(v)]`.
fn strslice(v: &Value<'_>) -> Vec<String> {
    if let Some(items) = v.list_items() {
        return items.iter().filter(|e| !e.is_nil()).map(strval).collect();
    }
    if v.is_nil() {
        return Vec::new();
    }
    vec![strval(v)]
}

/// cast's `trimZeroDecimal`: "12.00" → "12", "12.01" unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let b = s.as_bytes();
    let mut found_zero = false;
    for i in (1..=b.len()).rev() {
        match b[i - 1] {
            b'.' => {
                if found_zero {
                    return &s[..i - 1];
                }
            }
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// `cast.ToInt64`: failures become 0, as Sprig ignores cast errors.
pub(crate) fn to_i64(v: &Value<'_>) -> i64 {
    match v.k() {
        K::Int(i) | K::Int64(i) => i,
        K::Uint8(u) => i64::from(u),
        K::Float(f) => f as i64,
        K::Bool(b) => i64::from(b),
        K::Str(s) => go_parse_int(trim_zero_decimal(s))
            .and_then(|v| i64::try_from(v).ok())
            .unwrap_or(0),
        _ => 0,
    }
}

/// `cast.ToFloat64`.
pub(crate) fn to_f64(v: &Value<'_>) -> f64 {
    match v.k() {
        K::Int(i) | K::Int64(i) => i as f64,
        K::Uint8(u) => f64::from(u),
        K::Float(f) => f,
        K::Bool(b) => f64::from(u8::from(b)),
        K::Str(s) => s.parse::<f64>().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Byte-range slice as Go does it; a cut inside a UTF-8 sequence is replaced
/// rather than producing invalid UTF-8.
fn byte_slice(s: &str, from: usize, to: usize) -> String {
    let b = s.as_bytes();
    let (from, to) = (from.min(b.len()), to.min(b.len()));
    if from >= to {
        return String::new();
    }
    String::from_utf8_lossy(&b[from..to]).into_owned()
}

fn slice_oob(lo: i64, hi: i64, len: usize) -> FnErr {
    FnErr::Call(format!(
        "runtime error: slice bounds out of range [{lo}:{hi}] with length {len}"
    ))
}

/// Go's `unicode.ToUpper` per rune (no multi-char expansions like ß → SS).
fn to_upper(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars().map(upper_char).collect()
}

fn to_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(lower_char).collect()
}

pub(crate) fn upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

pub(crate) fn lower_char(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

/// Go's `strings.Title`: upper-case the first letter of each word.
fn title(s: &str) -> String {
    fn is_sep(c: char) -> bool {
        if c.is_ascii() {
            return !(c.is_ascii_alphanumeric() || c == '_');
        }
        if c.is_alphabetic() || c.is_numeric() {
            return false;
        }
        c.is_whitespace()
    }
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let r = if is_sep(prev) { upper_char(c) } else { c };
            prev = c;
            r
        })
        .collect()
}

/// goutils `Uncapitalize`: lower-case the first letter of each whitespace-separated word.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if c.is_whitespace() {
                next = true;
                c
            } else if next {
                next = false;
                lower_char(c)
            } else {
                c
            }
        })
        .collect()
}

/// goutils `SwapCase` (word based: a lower-case letter after whitespace becomes title case).
fn swapcase(s: &str) -> String {
    let mut ws = true;
    s.chars()
        .map(|c| {
            if c.is_uppercase() {
                ws = false;
                lower_char(c)
            } else if c.is_lowercase() {
                let r = upper_char(c);
                ws = false;
                r
            } else {
                ws = c.is_whitespace();
                c
            }
        })
        .collect()
}

/// goutils `Initials`: iterates bytes, so non-ASCII initials come out as Latin-1.
fn initials(s: &str) -> String {
    let mut out = String::new();
    let mut gap = true;
    for &b in s.as_bytes() {
        let c = char::from(b);
        if c.is_whitespace() {
            gap = true;
        } else if gap {
            out.push(c);
            gap = false;
        }
    }
    out
}

/// goutils `AbbreviateFull` (byte based).
fn abbreviate_full(s: &str, offset: i64, max_width: i64) -> String {
    let len = s.len() as i64;
    if s.is_empty() || max_width < 4 {
        return String::new();
    }
    if len <= max_width {
        return s.to_string();
    }
    // Negative offsets behave like 0 (Go takes the `offset <= 4` branch).
    let mut offset = offset.clamp(-1, len);
    if len - offset < max_width - 3 {
        offset = len - (max_width - 3);
    }
    if offset <= 4 {
        return byte_slice(s, 0, (max_width - 3) as usize) + "...";
    }
    if max_width < 7 {
        return String::new();
    }
    if offset + max_width - 3 < len {
        let tail = byte_slice(s, offset as usize, s.len());
        return "...".to_string() + &abbreviate_full(&tail, 0, max_width - 3);
    }
    "...".to_string() + &byte_slice(s, (len - (max_width - 3)) as usize, s.len())
}

/// goutils `WrapCustom` (byte based, words split on ' ').
fn wrap_custom(s: &str, width: i64, newline: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if newline.is_empty() { "\n" } else { newline };
    let w = width.max(1) as usize;
    let b = s.as_bytes();
    let len = b.len();
    let mut offset = 0usize;
    let mut out = String::new();
    while len - offset > w {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (w + offset + 1).min(len);
        let space = b[offset..end]
            .iter()
            .rposition(|&c| c == b' ')
            .map(|i| i + offset);
        if let Some(sp) = space {
            out.push_str(&byte_slice(s, offset, sp));
            out.push_str(nl);
            offset = sp + 1;
        } else if long_words {
            out.push_str(&byte_slice(s, offset, w + offset));
            out.push_str(nl);
            offset += w;
        } else {
            let end = w + offset;
            match b[end..].iter().position(|&c| c == b' ') {
                Some(i) => {
                    out.push_str(&byte_slice(s, offset, i + end));
                    out.push_str(nl);
                    offset = i + end + 1;
                }
                None => {
                    out.push_str(&byte_slice(s, offset, len));
                    offset = len;
                }
            }
        }
    }
    out.push_str(&byte_slice(s, offset, len));
    out
}

/// Go's `strings.Split` (an empty separator splits into UTF-8 sequences).
fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        if n > 0 && (chars.len() as i64) > n {
            let k = (n - 1) as usize;
            let mut v: Vec<String> = chars[..k].to_vec();
            v.push(chars[k..].concat());
            return v;
        }
        return chars;
    }
    if n > 0 {
        s.splitn(n as usize, sep).map(String::from).collect()
    } else {
        s.split(sep).map(String::from).collect()
    }
}

fn kind_err<T>(what: &str, v: &Value<'_>) -> Result<T, FnErr> {
    call_err(format!("Cannot {what} on type {}", v.go_kind()))
}

fn require_list<'a>(v: &Value<'a>, what: &str) -> Result<Vec<Value<'a>>, FnErr> {
    match v.list_items() {
        Some(l) => Ok(l),
        None => kind_err(what, v),
    }
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c if c.is_ascii() => out.push(c),
            c => {
                if gofmt::quote(&c.to_string(), false).chars().count() == 3 {
                    out.push(c);
                } else {
                    let _ = write!(out, "\\u{:04X}", c as u32);
                }
            }
        }
    }
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            b' ' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Go's `evalArgs` for html/js/urlquery: a lone string as is, else `fmt.Sprint`
/// with invalid values shown as `<no value>`.
fn eval_args_string(a: &[Value<'_>]) -> String {
    if a.len() == 1 {
        if let Some(s) = a[0].as_str() {
            return s.to_string();
        }
    }
    let shown: Vec<Value<'_>> = a
        .iter()
        .map(|v| {
            if v.is_nil() {
                Value::str("<no value>")
            } else {
                v.clone()
            }
        })
        .collect();
    sprint(&shown)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum BasicKind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    Str,
}

fn basic_kind(v: &Value<'_>) -> BasicKind {
    match v.k() {
        K::Bool(_) => BasicKind::Bool,
        K::Int(_) | K::Int64(_) | K::Duration(_) => BasicKind::Int,
        K::Uint8(_) => BasicKind::Uint,
        K::Float(_) => BasicKind::Float,
        K::Str(_) => BasicKind::Str,
        _ => BasicKind::Invalid,
    }
}

const BAD_COMPARISON: &str = "incompatible types for comparison";
const BAD_COMPARISON_TYPE: &str = "invalid type for comparison";

/// Go's builtin `eq` (arg1 == any of the others).
fn go_eq(a: &Value<'_>, others: &[Value<'_>]) -> Result<bool, FnErr> {
    if others.is_empty() {
        return call_err("missing argument for comparison");
    }
    let k1 = basic_kind(a);
    for b in others {
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            match (a.k(), b.k()) {
                (K::Int(x) | K::Int64(x) | K::Duration(x), K::Uint8(u))
                | (K::Uint8(u), K::Int(x) | K::Int64(x) | K::Duration(x)) => {
                    x >= 0 && x == i64::from(u)
                }
                _ => {
                    if !a.is_nil() && !b.is_nil() {
                        return call_err(BAD_COMPARISON);
                    }
                    false
                }
            }
        } else {
            match (a.k(), b.k()) {
                (K::Bool(x), K::Bool(y)) => x == y,
                (K::Float(x), K::Float(y)) => x == y,
                (
                    K::Int(x) | K::Int64(x) | K::Duration(x),
                    K::Int(y) | K::Int64(y) | K::Duration(y),
                ) => x == y,
                (K::Uint8(x), K::Uint8(y)) => x == y,
                (K::Str(x), K::Str(y)) => x == y,
                _ => {
                    // Non-basic kinds: nil compares with anything nillable; maps and
                    // slices are not comparable; times compare as values.
                    if a.is_nil() || b.is_nil() {
                        a.is_nil() == b.is_nil()
                    } else {
                        match (a.k(), b.k()) {
                            (K::Time(x), K::Time(y)) => x.same_as(y),
                            (K::JList(_) | K::List(_), K::JList(_) | K::List(_)) => {
                                return call_err("non-comparable type []interface {}")
                            }
                            (
                                K::JMap(_) | K::Map(_) | K::Input,
                                K::JMap(_) | K::Map(_) | K::Input,
                            ) => return call_err("non-comparable type map[string]interface {}"),
                            _ => {
                                return call_err(format!(
                                    "non-comparable types {}: {}",
                                    a.go_type(),
                                    b.go_type()
                                ))
                            }
                        }
                    }
                }
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's builtin `lt`.
fn go_lt(a: &Value<'_>, b: &Value<'_>) -> Result<bool, FnErr> {
    let (k1, k2) = (basic_kind(a), basic_kind(b));
    if k1 == BasicKind::Invalid || k2 == BasicKind::Invalid {
        return call_err(BAD_COMPARISON_TYPE);
    }
    if k1 != k2 {
        return match (a.k(), b.k()) {
            (K::Int(x) | K::Int64(x) | K::Duration(x), K::Uint8(u)) => {
                Ok(x < 0 || x < i64::from(u))
            }
            (K::Uint8(u), K::Int(x) | K::Int64(x) | K::Duration(x)) => {
                Ok(x >= 0 && i64::from(u) < x)
            }
            _ => call_err(BAD_COMPARISON),
        };
    }
    Ok(match (a.k(), b.k()) {
        (K::Float(x), K::Float(y)) => x < y,
        (K::Int(x) | K::Int64(x) | K::Duration(x), K::Int(y) | K::Int64(y) | K::Duration(y)) => {
            x < y
        }
        (K::Uint8(x), K::Uint8(y)) => x < y,
        (K::Str(x), K::Str(y)) => x < y,
        _ => return call_err(BAD_COMPARISON_TYPE),
    })
}

/// Go's builtin `index`.
fn go_index<'a>(item: Value<'a>, idx: &[Value<'a>]) -> Res<'a> {
    if item.is_nil() {
        return call_err("index of untyped nil");
    }
    let mut item = item;
    for ix in idx {
        if item.is_nil() {
            return call_err("index of nil pointer");
        }
        match item.k() {
            K::Str(_) | K::JList(_) | K::List(_) => {
                let len = match item.k() {
                    K::Str(s) => s.len(),
                    _ => item.list_len().unwrap_or(0),
                };
                let x = match ix.k() {
                    K::Int(i) | K::Int64(i) | K::Duration(i) => i,
                    K::Uint8(u) => i64::from(u),
                    K::Nil => return call_err("cannot index slice/array with nil"),
                    _ => {
                        return call_err(format!(
                            "cannot index slice/array with type {}",
                            ix.go_type()
                        ))
                    }
                };
                if x < 0 || x as u64 > len as u64 {
                    return call_err(format!("index out of range: {x}"));
                }
                if x as usize == len {
                    return call_err("reflect: slice index out of range");
                }
                item = match item.k() {
                    K::Str(s) => Value::Uint8(s.as_bytes()[x as usize]),
                    _ => item.list_get(x as usize).unwrap_or(Value::Missing),
                };
            }
            K::JMap(_) | K::Map(_) | K::Input => {
                let key = match ix.k() {
                    K::Str(s) => s.to_string(),
                    K::Nil => return call_err("value is nil; should be of type string"),
                    _ => {
                        return call_err(format!(
                            "value has type {}; should be string",
                            ix.go_type()
                        ))
                    }
                };
                item = item.map_get(&key).unwrap_or(Value::Missing);
            }
            _ => return call_err(format!("can't index item of type {}", item.go_type())),
        }
    }
    Ok(item)
}

fn go_len<'a>(v: &Value<'_>) -> Res<'a> {
    Ok(Value::Int(match v.k() {
        K::Str(s) => s.len() as i64,
        K::JList(l) => l.len() as i64,
        K::List(l) => l.len() as i64,
        K::JMap(m) => m.len() as i64,
        K::Map(m) => m.borrow().len() as i64,
        K::Input => 1,
        K::Nil => return call_err("len of nil pointer"),
        _ => return call_err(format!("len of type {}", v.go_type())),
    }))
}

/// Resolve the time argument of `date`/`dateInZone`/`ago`: a time, or Unix
/// seconds as `int`/`int64`; anything else means "now" in Sprig.
fn time_arg(ctx: &CallCtx<'_>, v: &Value<'_>, name: &str) -> Result<GoTime, FnErr> {
    match v {
        Value::Time(t) => Ok((**t).clone()),
        Value::Int(n) | Value::Int64(n) => {
            GoTime::from_unix(*n).ok_or_else(|| FnErr::Call("time out of range".into()))
        }
        _ => now(ctx, name),
    }
}

fn compile_regex<'r>(ctx: &'r CallCtx<'_>, pat: &str) -> Result<Cow<'r, Regex>, String> {
    match ctx.regex {
        Some(r) => Ok(Cow::Borrowed(r)),
        None => regexp::compile(pat).map(Cow::Owned),
    }
}

/// Go's `Regexp.ReplaceAllString` / `ReplaceAllLiteralString`.
fn regex_replace(re: &Regex, s: &str, repl: &str, literal: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last = 0usize;
    let mut prev_end: Option<usize> = None;
    for caps in re.captures_iter(s) {
        let Some(m) = caps.get(0) else { continue };
        if m.start() == m.end() && prev_end == Some(m.start()) {
            continue;
        }
        out.push_str(&s[last..m.start()]);
        if literal {
            out.push_str(repl);
        } else {
            caps.expand(repl, &mut out);
        }
        last = m.end();
        prev_end = Some(m.end());
    }
    out.push_str(&s[last..]);
    out
}

/// Go's `regexp.QuoteMeta`.
fn quote_meta(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Exact decimal arithmetic for Sprig's `addf`/`subf`/`mulf`/`divf`, which go
/// through shopspring/decimal (so `addf 0.1 0.2` is 0.3, not 0.30000000000000004).
mod dec {
    /// mantissa × 10^exp
    #[derive(Clone, Copy)]
    pub(super) struct D {
        m: i128,
        e: i32,
    }

    pub(super) fn from_f64(f: f64) -> Option<D> {
        if !f.is_finite() {
            return None;
        }
        // Shortest round-trip digits, as decimal.NewFromFloat does.
        let s = format!("{f:e}");
        let (mant, exp) = s.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let neg = mant.starts_with('-');
        let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
        let frac_len = mant.split_once('.').map(|(_, f)| f.len()).unwrap_or(0) as i32;
        let m: i128 = digits.parse().ok()?;
        Some(D {
            m: if neg { -m } else { m },
            e: exp - frac_len,
        })
    }

    fn pow10(n: u32) -> Option<i128> {
        10i128.checked_pow(n)
    }

    fn align(a: D, b: D) -> Option<(i128, i128, i32)> {
        if a.e == b.e {
            return Some((a.m, b.m, a.e));
        }
        let (hi, lo) = if a.e > b.e { (a, b) } else { (b, a) };
        let scaled = hi.m.checked_mul(pow10((hi.e - lo.e) as u32)?)?;
        if a.e > b.e {
            Some((scaled, lo.m, lo.e))
        } else {
            Some((lo.m, scaled, lo.e))
        }
    }

    pub(super) fn add(a: D, b: D) -> Option<D> {
        let (x, y, e) = align(a, b)?;
        Some(D {
            m: x.checked_add(y)?,
            e,
        })
    }

    pub(super) fn sub(a: D, b: D) -> Option<D> {
        let (x, y, e) = align(a, b)?;
        Some(D {
            m: x.checked_sub(y)?,
            e,
        })
    }

    pub(super) fn mul(a: D, b: D) -> Option<D> {
        Some(D {
            m: a.m.checked_mul(b.m)?,
            e: a.e.checked_add(b.e)?,
        })
    }

    /// Division rounded half away from zero to 16 decimal places (DivisionPrecision).
    pub(super) fn div(a: D, b: D) -> Option<D> {
        if b.m == 0 {
            return None;
        }
        // q = a.m / b.m × 10^(a.e - b.e); want round(q × 10^16).
        let shift = a.e - b.e + 16;
        let (num, den) = if shift >= 0 {
            (a.m.checked_mul(pow10(shift as u32)?)?, b.m)
        } else {
            (a.m, b.m.checked_mul(pow10((-shift) as u32)?)?)
        };
        let q = num / den;
        let r = num % den;
        let round_up = r.unsigned_abs().checked_mul(2)? >= den.unsigned_abs();
        let q = if round_up {
            if (num < 0) != (den < 0) {
                q - 1
            } else {
                q + 1
            }
        } else {
            q
        };
        Some(D { m: q, e: -16 })
    }

    pub(super) fn to_f64(d: D) -> f64 {
        format!("{}e{}", d.m, d.e).parse().unwrap_or(0.0)
    }
}

fn decimal_op(
    a: &Value<'_>,
    rest: &[Value<'_>],
    op: fn(dec::D, dec::D) -> Option<dec::D>,
    fallback: fn(f64, f64) -> f64,
) -> f64 {
    let mut acc = to_f64(a);
    for b in rest {
        let y = to_f64(b);
        acc = match (dec::from_f64(acc), dec::from_f64(y)) {
            (Some(x), Some(yd)) => op(x, yd)
                .map(dec::to_f64)
                .unwrap_or_else(|| fallback(acc, y)),
            _ => fallback(acc, y),
        };
    }
    acc
}

/// mergo-style deep merge used by Sprig's `merge` (fill empty/missing) and
/// `mergeOverwrite` (non-empty source values win).
fn deep_merge<'a>(
    dst: &mut BTreeMap<String, Value<'a>>,
    src: &Value<'a>,
    overwrite: bool,
    depth: usize,
) {
    for (k, sv) in src.map_entries().unwrap_or_default() {
        match dst.get_mut(&k) {
            None => {
                dst.insert(k, sv);
            }
            Some(dv) => {
                if dv.is_map() && sv.is_map() && depth < MAX_VALUE_DEPTH {
                    let mut inner = dv.map_clone().unwrap_or_default();
                    deep_merge(&mut inner, &sv, overwrite, depth + 1);
                    *dv = Value::map(inner);
                } else if (overwrite && !sv.is_empty()) || dv.is_empty() {
                    *dv = sv;
                }
            }
        }
    }
}

/// The map a mutating Sprig function works on: template-built maps are shared
/// and mutated in place; input maps are copied (the input is never modified).
fn mutable_map<'a>(
    v: &Value<'a>,
    name: &str,
) -> Result<Rc<std::cell::RefCell<BTreeMap<String, Value<'a>>>>, FnErr> {
    match v {
        Value::Map(m) => Ok(m.clone()),
        Value::Json(serde_json::Value::Object(_)) | Value::Input(_) => Ok(Rc::new(
            std::cell::RefCell::new(v.map_clone().unwrap_or_default()),
        )),
        _ => call_err(format!("assignment to entry in nil map ({name})")),
    }
}

fn path_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if rooted {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

fn path_base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

fn path_dir(p: &str) -> String {
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    path_clean(dir)
}

fn path_ext(p: &str) -> String {
    for (i, b) in p.bytes().enumerate().rev() {
        if b == b'/' {
            break;
        }
        if b == b'.' {
            return p[i..].to_string();
        }
    }
    String::new()
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn b32_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from(buf[0]) << 32
            | u64::from(buf[1]) << 24
            | u64::from(buf[2]) << 16
            | u64::from(buf[3]) << 8
            | u64::from(buf[4]);
        let chars = match chunk.len() {
            1 => 2,
            2 => 4,
            3 => 5,
            4 => 7,
            _ => 8,
        };
        for i in 0..8 {
            if i < chars {
                out.push(char::from(B32[((n >> (35 - 5 * i)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b32_decode(s: &str) -> Result<Vec<u8>, String> {
    let clean: Vec<u8> = s.bytes().filter(|b| *b != b'\n' && *b != b'\r').collect();
    if clean.len() % 8 != 0 {
        return Err(format!(
            "illegal base32 data at input byte {}",
            clean.len() / 8 * 8
        ));
    }
    let mut out = Vec::new();
    for (ci, chunk) in clean.chunks(8).enumerate() {
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        let data_len = 8 - pad;
        let last = ci == clean.len() / 8 - 1;
        if (pad > 0 && !last) || !matches!(data_len, 2 | 4 | 5 | 7 | 8) {
            return Err(format!(
                "illegal base32 data at input byte {}",
                ci * 8 + data_len
            ));
        }
        let mut n: u64 = 0;
        for (i, &b) in chunk.iter().enumerate() {
            let v = if i < data_len {
                B32.iter()
                    .position(|c| *c == b)
                    .ok_or_else(|| format!("illegal base32 data at input byte {}", ci * 8 + i))?
            } else {
                0
            };
            n = (n << 5) | v as u64;
        }
        let bytes = match data_len {
            2 => 1,
            4 => 2,
            5 => 3,
            7 => 4,
            _ => 5,
        };
        for i in 0..bytes {
            out.push((n >> (32 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = char::from(b[i + 1]).to_digit(16);
            let lo = char::from(b[i + 2]).to_digit(16);
            if let (Some(h), Some(l)) = (hi, lo) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape_url_part(s: &str, extra_ok: &str) -> String {
    let mut out = String::new();
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) || extra_ok.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A simplified `net/url.Parse` returning Sprig's `urlParse` dict.
fn url_parse(raw: &str) -> Result<BTreeMap<String, String>, String> {
    let mut m = BTreeMap::new();
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, percent_decode(f)),
        None => (raw, String::new()),
    };
    let mut scheme = String::new();
    let mut rest = rest;
    if let Some(i) = rest.find(':') {
        let cand = &rest[..i];
        let valid = cand.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && cand
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
        if valid {
            scheme = cand.to_ascii_lowercase();
            rest = &rest[i + 1..];
        } else if i == 0 {
            return Err("missing protocol scheme".into());
        }
    }
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, q.to_string()),
        None => (rest, String::new()),
    };
    let (mut host, mut userinfo, mut path, mut opaque) =
        (String::new(), String::new(), String::new(), String::new());
    if !scheme.is_empty() && !rest.starts_with('/') {
        opaque = rest.to_string();
    } else if let Some(auth_rest) = rest.strip_prefix("//") {
        let (auth, p) = match auth_rest.find('/') {
            Some(i) => (&auth_rest[..i], &auth_rest[i..]),
            None => (auth_rest, ""),
        };
        match auth.rsplit_once('@') {
            Some((u, h)) => {
                userinfo = u.to_string();
                host = h.to_string();
            }
            None => host = auth.to_string(),
        }
        path = percent_decode(p);
    } else {
        path = percent_decode(rest);
    }
    let hostname = if let Some(h) = host.strip_prefix('[') {
        h.split(']').next().unwrap_or("").to_string()
    } else {
        host.rsplit_once(':')
            .map(|(h, _)| h.to_string())
            .unwrap_or_else(|| host.clone())
    };
    m.insert("scheme".into(), scheme);
    m.insert("host".into(), host);
    m.insert("hostname".into(), hostname);
    m.insert("path".into(), path);
    m.insert("query".into(), query);
    m.insert("opaque".into(), opaque);
    m.insert("fragment".into(), fragment);
    m.insert("userinfo".into(), userinfo);
    Ok(m)
}

fn url_join(d: &Value<'_>) -> String {
    let get = |k: &str| {
        d.map_get(k)
            .map(|v| strval(&v))
            .filter(|s| s != "<nil>")
            .unwrap_or_default()
    };
    let (scheme, host, path, query, opaque, fragment, userinfo) = (
        get("scheme"),
        get("host"),
        get("path"),
        get("query"),
        get("opaque"),
        get("fragment"),
        get("userinfo"),
    );
    let mut out = String::new();
    if !scheme.is_empty() {
        out.push_str(&scheme);
        out.push(':');
    }
    if !opaque.is_empty() {
        out.push_str(&opaque);
    } else {
        if !scheme.is_empty() || !host.is_empty() || !userinfo.is_empty() {
            if !host.is_empty() || !path.is_empty() || !userinfo.is_empty() {
                out.push_str("//");
            }
            if !userinfo.is_empty() {
                out.push_str(&userinfo);
                out.push('@');
            }
            out.push_str(&host);
        }
        if !path.is_empty() && !path.starts_with('/') && !host.is_empty() {
            out.push('/');
        }
        out.push_str(&escape_url_part(&path, "/$&+,:;=@"));
    }
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    if !fragment.is_empty() {
        out.push('#');
        out.push_str(&escape_url_part(&fragment, "/$&+,:;=@?!()*"));
    }
    out
}

const MAX_SEQ: i64 = 10_000_000;
const MAX_STRING: usize = 64 << 20;

fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, FnErr> {
    let count = if step == 0 || (stop < start && step > 0) || (stop > start && step < 0) {
        0
    } else {
        (i128::from(stop) - i128::from(start))
            .unsigned_abs()
            .div_ceil(u128::from(step.unsigned_abs()))
    };
    if count > MAX_SEQ as u128 {
        return call_err(format!("sequence of {count} elements exceeds the limit"));
    }
    let mut v = Vec::with_capacity(count as usize);
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        v.push(i);
        match i.checked_add(step) {
            Some(n) => i = n,
            None => break,
        }
    }
    Ok(v)
}

fn int_list<'a>(v: Vec<i64>) -> Value<'a> {
    Value::list(v.into_iter().map(Value::Int).collect())
}

fn rand_string(r: &mut Rng, count: i64, charset: &[u8]) -> String {
    (0..count.clamp(0, 1 << 20))
        .map(|_| char::from(charset[r.below(charset.len() as u64) as usize]))
        .collect()
}

const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Dispatch a function call with already type-checked arguments.
pub(crate) fn call<'a>(ctx: &mut CallCtx<'_>, def: &FuncDef, mut a: Vec<Value<'a>>) -> Res<'a> {
    let s = |a: &[Value<'a>], i: usize| -> String {
        a.get(i).and_then(|v| v.as_str()).unwrap_or("").to_string()
    };
    Ok(match def.f {
        // ---- text/template builtins ----
        F::And | F::Or | F::Unsupported => return call_err("internal: handled by the evaluator"),
        F::Not => Value::Bool(!a.first().is_some_and(Value::truth)),
        F::Len => return go_len(&a[0]),
        F::Index => {
            let item = take(&mut a, 0);
            return go_index(item, &a[1..]);
        }
        F::Print => Value::string(sprint(&a)),
        F::Println => Value::string(sprintln(&a)),
        F::Printf => {
            let f = take_str(&mut a, 0);
            Value::string(sprintf(&f, &a[1..]))
        }
        F::Eq => Value::Bool(go_eq(&a[0], &a[1..])?),
        F::Ne => Value::Bool(!go_eq(&a[0], &a[1..])?),
        F::Lt => Value::Bool(go_lt(&a[0], &a[1])?),
        F::Le => Value::Bool(go_lt(&a[0], &a[1])? || go_eq(&a[0], &a[1..])?),
        F::Gt => Value::Bool(!(go_lt(&a[0], &a[1])? || go_eq(&a[0], &a[1..])?)),
        F::Ge => Value::Bool(!go_lt(&a[0], &a[1])?),
        F::Html => Value::string(html_escape(&eval_args_string(&a))),
        F::Js => Value::string(js_escape(&eval_args_string(&a))),
        F::Urlquery => Value::string(query_escape(&eval_args_string(&a))),

        // ---- strings ----
        F::Hello => Value::str("Hello!"),
        F::Abbrev => {
            let w = int_arg(&a, 0);
            let st = s(&a, 1);
            if w < 4 {
                Value::string(st)
            } else {
                Value::string(abbreviate_full(&st, 0, w))
            }
        }
        F::Abbrevboth => {
            let (l, r) = (int_arg(&a, 0), int_arg(&a, 1));
            let st = s(&a, 2);
            if r < 4 || (l > 0 && r < 7) {
                Value::string(st)
            } else {
                Value::string(abbreviate_full(&st, l, r))
            }
        }
        F::Trunc => {
            let c = int_arg(&a, 0);
            let st = take_str(&mut a, 1);
            let len = st.len() as i64;
            if c < 0 && len.saturating_add(c) > 0 {
                Value::string(byte_slice(&st, (len + c) as usize, st.len()))
            } else if c >= 0 && len > c {
                Value::string(byte_slice(&st, 0, c as usize))
            } else {
                Value::Str(st)
            }
        }
        F::Trim => match take_str(&mut a, 0) {
            Cow::Borrowed(b) => Value::Str(Cow::Borrowed(b.trim())),
            Cow::Owned(o) => Value::string(o.trim().to_string()),
        },
        F::Upper => Value::string(to_upper(&take_str(&mut a, 0))),
        F::Lower => Value::string(to_lower(&take_str(&mut a, 0))),
        F::Title => Value::string(title(&take_str(&mut a, 0))),
        F::Untitle => Value::string(untitle(&take_str(&mut a, 0))),
        F::Substr => {
            let (start, end) = (int_arg(&a, 0), int_arg(&a, 1));
            let st = take_str(&mut a, 2);
            let len = st.len() as i64;
            // Sprig: start < 0 → s[:end]; end < 0 or end > len → s[start:]; else s[start:end].
            let (lo, hi) = if start < 0 {
                (0, end)
            } else if end < 0 || end > len {
                (start, len)
            } else {
                (start, end)
            };
            if lo < 0 || hi < 0 || hi > len || lo > hi {
                return Err(slice_oob(lo, hi, st.len()));
            }
            Value::string(byte_slice(&st, lo as usize, hi as usize))
        }
        F::Repeat => {
            let n = int_arg(&a, 0);
            let st = s(&a, 1);
            if n < 0 {
                return call_err("strings: negative Repeat count");
            }
            if (n as u128) * (st.len() as u128) > MAX_STRING as u128 {
                return call_err("strings: Repeat output length exceeds the limit");
            }
            Value::string(st.repeat(n as usize))
        }
        F::TrimAll => {
            let cut: Vec<char> = s(&a, 0).chars().collect();
            let st = take_str(&mut a, 1);
            Value::string(st.trim_matches(|c| cut.contains(&c)).to_string())
        }
        F::TrimSuffix => {
            let suf = s(&a, 0);
            match take_str(&mut a, 1) {
                Cow::Borrowed(b) => {
                    Value::Str(Cow::Borrowed(b.strip_suffix(suf.as_str()).unwrap_or(b)))
                }
                Cow::Owned(o) => {
                    Value::string(o.strip_suffix(suf.as_str()).unwrap_or(&o).to_string())
                }
            }
        }
        F::TrimPrefix => {
            let pre = s(&a, 0);
            match take_str(&mut a, 1) {
                Cow::Borrowed(b) => {
                    Value::Str(Cow::Borrowed(b.strip_prefix(pre.as_str()).unwrap_or(b)))
                }
                Cow::Owned(o) => {
                    Value::string(o.strip_prefix(pre.as_str()).unwrap_or(&o).to_string())
                }
            }
        }
        F::Nospace => Value::string(s(&a, 0).chars().filter(|c| !c.is_whitespace()).collect()),
        F::Initials => Value::string(initials(&s(&a, 0))),
        F::RandAlphaNum | F::RandAlpha | F::RandAscii | F::RandNumeric => {
            let n = int_arg(&a, 0);
            let r = rng(ctx, def.name)?;
            let ascii: Vec<u8> = (32u8..127).collect();
            let set: &[u8] = match def.f {
                F::RandAlphaNum => ALNUM,
                F::RandAlpha => &ALNUM[..52],
                F::RandNumeric => &ALNUM[52..],
                _ => &ascii,
            };
            Value::string(rand_string(r, n, set))
        }
        F::Swapcase => Value::string(swapcase(&s(&a, 0))),
        F::Shuffle => {
            let mut chars: Vec<char> = s(&a, 0).chars().collect();
            let r = rng(ctx, def.name)?;
            for i in (1..chars.len()).rev() {
                let j = r.below(i as u64 + 1) as usize;
                chars.swap(i, j);
            }
            Value::string(chars.into_iter().collect())
        }
        F::Snakecase => Value::string(strcase::to_lower_case(&s(&a, 0), '_')),
        F::Kebabcase => Value::string(strcase::to_lower_case(&s(&a, 0), '-')),
        F::Camelcase => Value::string(strcase::to_camel(&s(&a, 0))),
        F::Wrap => Value::string(wrap_custom(&s(&a, 1), int_arg(&a, 0), "\n", false)),
        F::WrapWith => Value::string(wrap_custom(&s(&a, 2), int_arg(&a, 0), &s(&a, 1), true)),
        F::Contains => Value::Bool(s(&a, 1).contains(s(&a, 0).as_str())),
        F::HasPrefix => Value::Bool(s(&a, 1).starts_with(s(&a, 0).as_str())),
        F::HasSuffix => Value::Bool(s(&a, 1).ends_with(s(&a, 0).as_str())),
        F::Quote => Value::string(
            a.iter()
                .filter(|v| !v.is_nil())
                .map(|v| quote(&strval(v), false))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        F::Squote => Value::string(
            a.iter()
                .filter(|v| !v.is_nil())
                .map(|v| {
                    let mut o = String::from("'");
                    write_v(&mut o, v);
                    o.push('\'');
                    o
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        F::Cat => {
            let mut out = String::new();
            for (i, v) in a.iter().filter(|v| !v.is_nil()).enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(&mut out, v);
            }
            Value::string(out)
        }
        F::Indent | F::Nindent => {
            let n = int_arg(&a, 0).clamp(0, 1 << 16) as usize;
            let pad = " ".repeat(n);
            let body = format!("{pad}{}", s(&a, 1).replace('\n', &format!("\n{pad}")));
            Value::string(if def.f == F::Nindent {
                format!("\n{body}")
            } else {
                body
            })
        }
        F::Replace => {
            let (old, new) = (s(&a, 0), s(&a, 1));
            Value::string(s(&a, 2).replace(old.as_str(), &new))
        }
        F::Plural => {
            if int_arg(&a, 2) == 1 {
                take(&mut a, 0)
            } else {
                take(&mut a, 1)
            }
        }
        F::Sha1sum => {
            use sha1::Digest;
            Value::string(hex(&sha1::Sha1::digest(s(&a, 0).as_bytes())))
        }
        F::Sha256sum => {
            use sha2::Digest;
            Value::string(hex(&sha2::Sha256::digest(s(&a, 0).as_bytes())))
        }
        F::Adler32sum => Value::string(adler32(s(&a, 0).as_bytes()).to_string()),
        F::ToString => Value::string(strval(&a[0])),

        // ---- conversions / math ----
        F::Atoi => Value::Int(s(&a, 0).parse::<i64>().unwrap_or(0)),
        F::Int64 => Value::Int64(to_i64(&a[0])),
        F::Int => Value::Int(to_i64(&a[0])),
        F::Float64 => Value::Float(to_f64(&a[0])),
        F::Seq => {
            let p: Vec<i64> = a.iter().map(to_i64).collect();
            let nums = match p.len() {
                1 => {
                    let (start, end) = (1, p[0]);
                    let inc = if end < start { -1 } else { 1 };
                    until_step(start, end.saturating_add(inc), inc)?
                }
                2 => {
                    let (start, end) = (p[0], p[1]);
                    let step = if end < start { -1 } else { 1 };
                    until_step(start, end.saturating_add(step), step)?
                }
                3 => {
                    let (start, step, end) = (p[0], p[1], p[2]);
                    let mut inc = 1;
                    if end < start {
                        inc = -1;
                        if step > 0 {
                            return Ok(Value::str(""));
                        }
                    }
                    until_step(start, end.saturating_add(inc), step)?
                }
                _ => Vec::new(),
            };
            Value::string(
                nums.iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        }
        F::ToDecimal => {
            let text = strval(&a[0]);
            Value::Int64(i64::from_str_radix(&text, 8).unwrap_or(0))
        }
        F::Split => {
            let parts = go_split(&s(&a, 1), &s(&a, 0), -1);
            Value::map(
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (format!("_{i}"), Value::string(p)))
                    .collect(),
            )
        }
        F::Splitn => {
            let parts = go_split(&s(&a, 2), &s(&a, 0), int_arg(&a, 1));
            Value::map(
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| (format!("_{i}"), Value::string(p)))
                    .collect(),
            )
        }
        F::SplitList => Value::str_list(go_split(&s(&a, 1), &s(&a, 0), -1)),
        F::ToStrings => Value::str_list(strslice(&a[0])),
        F::Until => {
            let n = int_arg(&a, 0);
            int_list(until_step(0, n, if n < 0 { -1 } else { 1 })?)
        }
        F::UntilStep => int_list(until_step(int_arg(&a, 0), int_arg(&a, 1), int_arg(&a, 2))?),
        F::Add1 => Value::Int64(to_i64(&a[0]).wrapping_add(1)),
        F::Add => Value::Int64(a.iter().fold(0i64, |acc, v| acc.wrapping_add(to_i64(v)))),
        F::Sub => Value::Int64(to_i64(&a[0]).wrapping_sub(to_i64(&a[1]))),
        F::Mul => Value::Int64(
            a[1..]
                .iter()
                .fold(to_i64(&a[0]), |acc, v| acc.wrapping_mul(to_i64(v))),
        ),
        F::Div | F::Mod => {
            let (x, y) = (to_i64(&a[0]), to_i64(&a[1]));
            if y == 0 {
                return call_err("runtime error: integer divide by zero");
            }
            Value::Int64(if def.f == F::Div {
                x.wrapping_div(y)
            } else {
                x.wrapping_rem(y)
            })
        }
        F::RandInt => {
            let (lo, hi) = (int_arg(&a, 0), int_arg(&a, 1));
            if hi <= lo {
                return call_err("invalid argument to Intn");
            }
            let r = rng(ctx, def.name)?;
            let span = (i128::from(hi) - i128::from(lo)) as u64;
            Value::Int((i128::from(lo) + i128::from(r.below(span))) as i64)
        }
        F::Add1f => Value::Float(decimal_op(&a[0], &[Value::Int(1)], dec::add, |x, y| x + y)),
        F::Addf => Value::Float(decimal_op(&Value::Float(0.0), &a, dec::add, |x, y| x + y)),
        F::Subf => Value::Float(decimal_op(&a[0], &a[1..], dec::sub, |x, y| x - y)),
        F::Mulf => Value::Float(decimal_op(&a[0], &a[1..], dec::mul, |x, y| x * y)),
        F::Divf => {
            if a[1..].iter().any(|v| to_f64(v) == 0.0) {
                return call_err("decimal division by 0");
            }
            Value::Float(decimal_op(&a[0], &a[1..], dec::div, |x, y| x / y))
        }
        F::Max => Value::Int64(a[1..].iter().map(to_i64).fold(to_i64(&a[0]), i64::max)),
        F::Min => Value::Int64(a[1..].iter().map(to_i64).fold(to_i64(&a[0]), i64::min)),
        F::Maxf => Value::Float(a[1..].iter().map(to_f64).fold(to_f64(&a[0]), f64::max)),
        F::Minf => Value::Float(a[1..].iter().map(to_f64).fold(to_f64(&a[0]), f64::min)),
        F::Ceil => Value::Float(to_f64(&a[0]).ceil()),
        F::Floor => Value::Float(to_f64(&a[0]).floor()),
        F::Round => {
            let round_on = if a.len() > 2 { float_arg(&a, 2) } else { 0.5 };
            let val = to_f64(&a[0]);
            let pow = 10f64.powf(int_arg(&a, 1) as f64);
            let digit = pow * val;
            let frac = digit - digit.trunc();
            let r = if frac >= round_on {
                digit.ceil()
            } else {
                digit.floor()
            };
            Value::Float(r / pow)
        }
        F::Join => Value::string(strslice(&a[1]).join(&s(&a, 0))),
        F::SortAlpha => {
            let mut v = if a[0].list_len().is_some() {
                strslice(&a[0])
            } else {
                vec![strval(&a[0])]
            };
            v.sort();
            Value::str_list(v)
        }

        // ---- defaults / JSON / reflection ----
        F::Default => {
            if a.len() < 2 || a[1].is_empty() {
                take(&mut a, 0)
            } else {
                take(&mut a, 1)
            }
        }
        F::Empty => Value::Bool(a[0].is_empty()),
        F::Coalesce => a
            .into_iter()
            .find(|v| !v.is_empty())
            .unwrap_or(Value::Missing),
        F::All => Value::Bool(a.iter().all(|v| !v.is_empty())),
        F::Any => Value::Bool(a.iter().any(|v| !v.is_empty())),
        F::Compact => {
            let l = require_list(&a[0], "compact")?;
            Value::list(l.into_iter().filter(|v| !v.is_empty()).collect())
        }
        F::FromJson | F::MustFromJson => match serde_json::from_str::<serde_json::Value>(&s(&a, 0))
        {
            Ok(j) => from_json_owned(j),
            Err(e) if def.f == F::MustFromJson => return call_err(e.to_string()),
            Err(_) => Value::Missing,
        },
        F::ToJson
        | F::ToPrettyJson
        | F::ToRawJson
        | F::MustToJson
        | F::MustToPrettyJson
        | F::MustToRawJson => {
            let opts = json::Opts {
                escape_html: !matches!(def.f, F::ToRawJson | F::MustToRawJson),
                pretty: matches!(def.f, F::ToPrettyJson | F::MustToPrettyJson),
            };
            match json::encode(&a[0], &opts) {
                Ok(out) => Value::string(out),
                Err(e)
                    if matches!(
                        def.f,
                        F::MustToJson | F::MustToPrettyJson | F::MustToRawJson
                    ) =>
                {
                    return call_err(e)
                }
                Err(_) => Value::str(""),
            }
        }
        F::Ternary => {
            if bool_arg(&a, 2) {
                take(&mut a, 0)
            } else {
                take(&mut a, 1)
            }
        }
        F::DeepCopy => a[0].deep_copy(),
        F::TypeOf => Value::str(if a[0].is_nil() {
            "<nil>"
        } else {
            a[0].go_type()
        }),
        F::TypeIs => Value::Bool(
            s(&a, 0)
                == if a[1].is_nil() {
                    "<nil>"
                } else {
                    a[1].go_type()
                },
        ),
        F::TypeIsLike => {
            let t = if a[1].is_nil() {
                "<nil>"
            } else {
                a[1].go_type()
            };
            let want = s(&a, 0);
            Value::Bool(want == t || format!("*{want}") == t)
        }
        F::KindOf => Value::str(a[0].go_kind()),
        F::KindIs => Value::Bool(s(&a, 0) == a[1].go_kind()),
        F::DeepEqual => Value::Bool(deep_equal(&a[0], &a[1])),

        // ---- paths / encodings ----
        F::PathBase => Value::string(path_base(&s(&a, 0))),
        F::PathDir => Value::string(path_dir(&s(&a, 0))),
        F::PathClean => Value::string(path_clean(&s(&a, 0))),
        F::PathExt => Value::string(path_ext(&s(&a, 0))),
        F::PathIsAbs => Value::Bool(s(&a, 0).starts_with('/')),
        F::B64enc => {
            Value::string(base64::engine::general_purpose::STANDARD.encode(s(&a, 0).as_bytes()))
        }
        F::B64dec => {
            // Go's decoder skips newlines; errors are returned as the result text.
            let clean: String = s(&a, 0)
                .chars()
                .filter(|c| *c != '\n' && *c != '\r')
                .collect();
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
            );
            match engine.decode(clean.as_bytes()) {
                Ok(b) => Value::string(String::from_utf8_lossy(&b).into_owned()),
                Err(e) => {
                    let at = match e {
                        base64::DecodeError::InvalidByte(i, _)
                        | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                        _ => clean.len() / 4 * 4,
                    };
                    Value::string(format!("illegal base64 data at input byte {at}"))
                }
            }
        }
        F::B32enc => Value::string(b32_encode(s(&a, 0).as_bytes())),
        F::B32dec => match b32_decode(&s(&a, 0)) {
            Ok(b) => Value::string(String::from_utf8_lossy(&b).into_owned()),
            Err(e) => Value::string(e),
        },

        // ---- dicts ----
        F::List => Value::list(a),
        F::Dict => {
            let mut m = BTreeMap::new();
            let mut it = a.into_iter();
            while let Some(k) = it.next() {
                let key = strval(&k);
                m.insert(key, it.next().unwrap_or(Value::str("")));
            }
            Value::map(m)
        }
        F::Get => {
            let key = s(&a, 1);
            a[0].map_get(&key).unwrap_or(Value::str(""))
        }
        F::Set => {
            let key = s(&a, 1);
            let val = take(&mut a, 2);
            let m = mutable_map(&a[0], "set")?;
            m.borrow_mut().insert(key, val);
            Value::Map(m)
        }
        F::Unset => {
            let key = s(&a, 1);
            if a[0].is_nil() {
                return Ok(Value::Missing);
            }
            let m = mutable_map(&a[0], "unset")?;
            m.borrow_mut().remove(&key);
            Value::Map(m)
        }
        F::HasKey => Value::Bool(a[0].map_get(&s(&a, 1)).is_some()),
        F::Pluck => {
            let key = s(&a, 0);
            Value::list(a[1..].iter().filter_map(|m| m.map_get(&key)).collect())
        }
        F::Keys => {
            let mut keys = Vec::new();
            for m in &a {
                for (k, _) in m.map_entries().unwrap_or_default() {
                    keys.push(k);
                }
            }
            Value::str_list(keys)
        }
        F::Pick | F::Omit => {
            let wanted: Vec<String> = a[1..].iter().map(strval).collect();
            let pick = def.f == F::Pick;
            let m = a[0]
                .map_entries()
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| wanted.contains(k) == pick)
                .collect();
            Value::map(m)
        }
        F::Merge | F::MergeOverwrite => {
            if a[0].is_nil() {
                return call_err("src and dst must be of same type");
            }
            let dst = mutable_map(&a[0], def.name)?;
            {
                let mut d = dst.borrow_mut();
                for src in &a[1..] {
                    deep_merge(&mut d, src, def.f == F::MergeOverwrite, 0);
                }
            }
            Value::Map(dst)
        }
        F::Values => Value::list(
            a[0].map_entries()
                .unwrap_or_default()
                .into_iter()
                .map(|(_, v)| v)
                .collect(),
        ),

        // ---- lists ----
        F::Push => {
            let mut l = require_list(&a[0], "push")?;
            l.push(take(&mut a, 1));
            Value::list(l)
        }
        F::Prepend => {
            let mut l = require_list(&a[0], "prepend")?;
            l.insert(0, take(&mut a, 1));
            Value::list(l)
        }
        F::First => {
            let l = require_list(&a[0], "find first")?;
            l.into_iter().next().unwrap_or(Value::Missing)
        }
        F::Last => {
            let l = require_list(&a[0], "find last")?;
            l.into_iter().last().unwrap_or(Value::Missing)
        }
        F::Rest => {
            let l = require_list(&a[0], "find rest")?;
            if l.is_empty() {
                Value::Missing
            } else {
                Value::list(l[1..].to_vec())
            }
        }
        F::Initial => {
            let l = require_list(&a[0], "find initial")?;
            if l.is_empty() {
                Value::Missing
            } else {
                Value::list(l[..l.len() - 1].to_vec())
            }
        }
        F::Reverse => {
            let mut l = require_list(&a[0], "find reverse")?;
            l.reverse();
            Value::list(l)
        }
        F::Uniq => {
            let l = require_list(&a[0], "find uniq")?;
            let mut out: Vec<Value<'a>> = Vec::new();
            for v in l {
                if !out.iter().any(|o| deep_equal(o, &v)) {
                    out.push(v);
                }
            }
            Value::list(out)
        }
        F::Without => {
            let l = require_list(&a[0], "find without")?;
            let omit = &a[1..];
            Value::list(
                l.into_iter()
                    .filter(|v| !omit.iter().any(|o| deep_equal(o, v)))
                    .collect(),
            )
        }
        F::Has => {
            if a[1].is_nil() {
                return Ok(Value::Bool(false));
            }
            let l = require_list(&a[1], "find has")?;
            Value::Bool(l.iter().any(|v| deep_equal(&a[0], v)))
        }
        F::Slice => {
            let Some(l) = a[0].list_items() else {
                return call_err(format!(
                    "list should be type of slice or array but {}",
                    a[0].go_kind()
                ));
            };
            if l.is_empty() {
                return Ok(Value::Missing);
            }
            let start = a.get(1).map(to_i64).unwrap_or(0);
            let end = a.get(2).map(to_i64).unwrap_or(l.len() as i64);
            if start < 0 || end < start || end > l.len() as i64 {
                return Err(slice_oob(start, end, l.len()));
            }
            Value::list(l[start as usize..end as usize].to_vec())
        }
        F::Concat => {
            let mut out = Vec::new();
            for v in &a {
                match v.list_items() {
                    Some(l) => out.extend(l),
                    None => return call_err(format!("Cannot concat type {} as list", v.go_kind())),
                }
            }
            Value::list(out)
        }
        F::Dig => {
            if a.len() < 3 {
                return call_err("dig needs at least three arguments");
            }
            let n = a.len();
            let mut cur = a[n - 1].clone();
            if !cur.is_map() {
                return call_err(format!(
                    "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                    cur.go_type()
                ));
            }
            let keys: Vec<String> = a[..n - 2].iter().map(strval).collect();
            let default = a[n - 2].clone();
            for (i, k) in keys.iter().enumerate() {
                match cur.map_get(k) {
                    None => return Ok(default),
                    Some(step) => {
                        if i + 1 == keys.len() {
                            return Ok(step);
                        }
                        if !step.is_map() {
                            return call_err(format!(
                                "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                                step.go_type()
                            ));
                        }
                        cur = step;
                    }
                }
            }
            default
        }
        F::Chunk => {
            let size = int_arg(&a, 0);
            let l = require_list(&a[1], "chunk")?;
            if size <= 0 {
                return call_err("runtime error: integer divide by zero");
            }
            Value::list(
                l.chunks(size as usize)
                    .map(|c| Value::list(c.to_vec()))
                    .collect(),
            )
        }
        F::Uuidv4 => {
            let r = rng(ctx, def.name)?;
            let mut b = [0u8; 16];
            for chunk in b.chunks_mut(8) {
                chunk.copy_from_slice(&r.next_u64().to_le_bytes());
            }
            b[6] = (b[6] & 0x0f) | 0x40;
            b[8] = (b[8] & 0x3f) | 0x80;
            let h = hex(&b);
            Value::string(format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            ))
        }
        F::Fail => return call_err(s(&a, 0)),

        // ---- regex ----
        F::RegexMatch | F::MustRegexMatch => match compile_regex(ctx, &s(&a, 0)) {
            Ok(re) => Value::Bool(re.is_match(&s(&a, 1))),
            Err(e) if def.f == F::MustRegexMatch => return call_err(e),
            Err(_) => Value::Bool(false),
        },
        F::RegexFindAll => {
            let re = compile_regex(ctx, &s(&a, 0)).map_err(FnErr::Call)?;
            let text = s(&a, 1);
            let found = regexp::find_all(&re, &text, int_arg(&a, 2));
            Value::str_list(
                found
                    .into_iter()
                    .map(|(x, y)| text[x..y].to_string())
                    .collect(),
            )
        }
        F::RegexFind => {
            let re = compile_regex(ctx, &s(&a, 0)).map_err(FnErr::Call)?;
            let text = s(&a, 1);
            Value::string(
                re.find(&text)
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default(),
            )
        }
        F::RegexReplaceAll | F::RegexReplaceAllLiteral => {
            let re = compile_regex(ctx, &s(&a, 0)).map_err(FnErr::Call)?;
            Value::string(regex_replace(
                &re,
                &s(&a, 1),
                &s(&a, 2),
                def.f == F::RegexReplaceAllLiteral,
            ))
        }
        F::RegexSplit => {
            let re = compile_regex(ctx, &s(&a, 0)).map_err(FnErr::Call)?;
            Value::str_list(regexp::split(&re, &s(&a, 1), int_arg(&a, 2)))
        }
        F::RegexQuoteMeta => Value::string(quote_meta(&s(&a, 0))),

        // ---- dates ----
        F::Now => Value::Time(Rc::new(now(ctx, def.name)?)),
        F::Date | F::HtmlDate => {
            let (layout, t) = if def.f == F::Date {
                (s(&a, 0), &a[1])
            } else {
                ("2006-01-02".to_string(), &a[0])
            };
            let t = time_arg(ctx, t, def.name)?;
            Value::string(timefmt::format(&t.in_zone("Local"), &layout))
        }
        F::DateInZone | F::HtmlDateInZone => {
            let (layout, t, zone) = if def.f == F::DateInZone {
                (s(&a, 0), &a[1], s(&a, 2))
            } else {
                ("2006-01-02".to_string(), &a[0], s(&a, 1))
            };
            let t = time_arg(ctx, t, def.name)?;
            Value::string(timefmt::format(&t.in_zone(&zone), &layout))
        }
        F::DateModify | F::MustDateModify => {
            let Value::Time(t) = &a[1] else {
                return call_err("expected time.Time");
            };
            match timefmt::parse_duration(&s(&a, 0)) {
                Ok(d) => match t.add_nanos(d) {
                    Some(nt) => Value::Time(Rc::new(nt)),
                    None => return call_err("time out of range"),
                },
                Err(e) if def.f == F::MustDateModify => return call_err(e),
                Err(_) => take(&mut a, 1),
            }
        }
        F::Duration => {
            let n: i64 = match &a[0] {
                Value::Int(n) | Value::Int64(n) => *n,
                v => v.as_str().and_then(|s| s.parse().ok()).unwrap_or(0),
            };
            Value::string(duration_string(n.wrapping_mul(1_000_000_000)))
        }
        F::DurationRound => {
            let d: i64 = match &a[0] {
                Value::Int64(n) => *n,
                Value::Time(t) => {
                    let n = now(ctx, def.name)?;
                    i64::try_from(n.unix_nano() - t.unix_nano()).unwrap_or(i64::MAX)
                }
                v => v
                    .as_str()
                    .map(|s| timefmt::parse_duration(s).unwrap_or(0))
                    .unwrap_or(0),
            };
            let u = d.unsigned_abs();
            const SEC: u64 = 1_000_000_000;
            const MIN: u64 = 60 * SEC;
            const HOUR: u64 = 60 * MIN;
            const DAY: u64 = 24 * HOUR;
            const MONTH: u64 = 30 * DAY;
            const YEAR: u64 = 365 * DAY;
            let out = if u > YEAR {
                format!("{}y", u / YEAR)
            } else if u > MONTH {
                format!("{}mo", u / MONTH)
            } else if u > DAY {
                format!("{}d", u / DAY)
            } else if u > HOUR {
                format!("{}h", u / HOUR)
            } else if u > MIN {
                format!("{}m", u / MIN)
            } else if u > SEC {
                format!("{}s", u / SEC)
            } else {
                "0s".to_string()
            };
            Value::string(out)
        }
        F::ToDate | F::MustToDate => match timefmt::parse(&s(&a, 0), &s(&a, 1)) {
            Ok(t) => Value::Time(Rc::new(t)),
            Err(e) if def.f == F::MustToDate => return call_err(e),
            Err(_) => Value::Time(Rc::new(GoTime::zero())),
        },
        F::UnixEpoch => match &a[0] {
            Value::Time(t) => Value::string(t.unix().to_string()),
            _ => return call_err("expected time.Time"),
        },
        F::Ago => {
            let t = time_arg(ctx, &a[0], def.name)?;
            let n = now(ctx, def.name)?;
            let d = n.unix_nano() - t.unix_nano();
            // Round to the second, halves away from zero (Duration.Round).
            let sec = 1_000_000_000i128;
            let r = d.rem_euclid(sec);
            let mut q = d - r;
            if r * 2 >= sec && d >= 0 || r * 2 > sec && d < 0 {
                q += sec;
            }
            Value::string(duration_string(i64::try_from(q).unwrap_or(i64::MAX)))
        }

        // ---- URLs ----
        F::UrlParse => match url_parse(&s(&a, 0)) {
            Ok(m) => Value::map(m.into_iter().map(|(k, v)| (k, Value::string(v))).collect()),
            Err(e) => return call_err(format!("unable to parse url: {e}")),
        },
        F::UrlJoin => Value::string(url_join(&a[0])),
    })
}
