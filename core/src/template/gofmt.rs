//! Go `fmt` / `strconv` output formatting for template values.
//!
//! Numbers decoded from JSON are `float64` in Go and print with `%v`, i.e.
//! `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest digits that round-trip,
//! switching to exponent form when the decimal exponent is `< -4` or `>= 6`.
//! Go's `strconv/ftoa.go` fixes that threshold at 6 in shortest mode ("if
//! precision was the shortest possible, use precision 6 for this decision"),
//! so `123456789.0` prints as `1.23456789e+08`, `1e6` as `1e+06` and
//! `100000.0` as `100000`. The 1e21 threshold belongs to `encoding/json`
//! (see `json.rs`), not to `fmt`.

use std::fmt::Write as _;

use super::timefmt::duration_string;
use super::value::{Value, K, MAX_VALUE_DEPTH};

/// Decimal digits of a float: value = 0.d1d2d3... × 10^dp.
struct Digits {
    d: Vec<u8>,
    dp: i32,
}

/// Parse Rust's `{:e}` rendering ("1.2345e-7") into digits and point position.
fn digits_from_exp(s: &str) -> Digits {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    if d.iter().all(|&c| c == b'0') {
        return Digits {
            d: Vec::new(),
            dp: 0,
        };
    }
    Digits { d, dp: exp + 1 }
}

fn trim_zeros(mut d: Digits) -> Digits {
    while d.d.last() == Some(&b'0') {
        d.d.pop();
    }
    if d.d.is_empty() {
        d.dp = 0;
    }
    d
}

/// Go's `fmtE`: d.ddddde±dd.
fn fmt_e(out: &mut String, d: &Digits, prec: i32, e: char) {
    out.push(d.d.first().map(|&c| char::from(c)).unwrap_or('0'));
    if prec > 0 {
        out.push('.');
        let mut i = 1usize;
        let m = d.d.len().min(prec as usize + 1);
        if i < m {
            for &c in &d.d[i..m] {
                out.push(char::from(c));
            }
            i = m;
        }
        while i <= prec as usize {
            out.push('0');
            i += 1;
        }
    }
    out.push(e);
    let mut exp = d.dp - 1;
    if d.d.is_empty() {
        exp = 0;
    }
    if exp < 0 {
        out.push('-');
        exp = -exp;
    } else {
        out.push('+');
    }
    if exp < 10 {
        out.push('0');
    }
    let _ = write!(out, "{exp}");
}

/// Go's `fmtF`: ddd.dddd.
fn fmt_f(out: &mut String, d: &Digits, prec: i32) {
    let nd = d.d.len() as i32;
    if d.dp > 0 {
        let m = nd.min(d.dp);
        for &c in &d.d[..m as usize] {
            out.push(char::from(c));
        }
        for _ in m..d.dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = d.dp + i - 1;
            let c = if (0..nd).contains(&j) {
                d.d[j as usize]
            } else {
                b'0'
            };
            out.push(char::from(c));
        }
    }
}

/// Digits past which every f64's exact decimal expansion has ended (it has at most 1074
/// fractional and 767 significant digits): beyond this Go prints only zeros, and Rust's
/// formatter cannot take such precisions at all.
const EXACT_PREC: i32 = 1100;

/// `strconv.FormatFloat(f, fmt, prec, 64)` for fmt in `e E f g G`.
pub(crate) fn format_float(f: f64, fmt: char, prec: i32) -> String {
    if prec > EXACT_PREC && f.is_finite() {
        let mut s = format_float(f, fmt, EXACT_PREC);
        let zeros = "0".repeat((prec - EXACT_PREC) as usize);
        match fmt {
            'f' | 'F' => s.push_str(&zeros),
            'e' | 'E' => {
                if let Some(at) = s.find(['e', 'E']) {
                    s.insert_str(at, &zeros);
                }
            }
            // %g drops trailing zeros: the exact digits are all there is.
            _ => {}
        }
        return s;
    }
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let mut out = String::new();
    if f.is_sign_negative() {
        out.push('-');
    }
    let a = f.abs();
    let shortest = prec < 0;
    match fmt {
        'f' | 'F' if !shortest => {
            let _ = write!(out, "{a:.p$}", p = prec as usize);
            return out;
        }
        'f' | 'F' => {
            let d = digits_from_exp(&format!("{a:e}"));
            let p = (d.d.len() as i32 - d.dp).max(0);
            fmt_f(&mut out, &d, p);
        }
        'e' | 'E' => {
            let d = if shortest {
                digits_from_exp(&format!("{a:e}"))
            } else {
                digits_from_exp(&format!("{a:.p$e}", p = prec as usize))
            };
            let p = if shortest { d.d.len() as i32 - 1 } else { prec };
            fmt_e(&mut out, &d, p.max(0), fmt);
        }
        _ => {
            // 'g' / 'G'
            let e = if fmt == 'G' { 'E' } else { 'e' };
            let (d, mut p) = if shortest {
                let d = digits_from_exp(&format!("{a:e}"));
                let n = d.d.len() as i32;
                (d, n)
            } else {
                let p = prec.max(1);
                (
                    trim_zeros(digits_from_exp(&format!("{a:.p$e}", p = (p - 1) as usize))),
                    p,
                )
            };
            let nd = d.d.len() as i32;
            let mut eprec = p;
            if eprec > nd && nd >= d.dp {
                eprec = nd;
            }
            if shortest {
                eprec = 6;
            }
            let exp = d.dp - 1;
            if d.d.is_empty() {
                // Zero prints as "0".
                fmt_f(&mut out, &d, 0);
            } else if exp < -4 || exp >= eprec {
                if p > nd {
                    p = nd;
                }
                fmt_e(&mut out, &d, p - 1, e);
            } else {
                if p > d.dp {
                    p = nd;
                }
                fmt_f(&mut out, &d, (p - d.dp).max(0));
            }
        }
    }
    out
}

/// Go's `unicode.IsPrint`, approximated without Unicode tables: letters,
/// marks, numbers, punctuation, symbols and the ASCII space are printable.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = u32::from(c);
    !matches!(u,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF | 0xFFFE | 0xFFFF)
}

fn push_escaped_rune(out: &mut String, c: char, quote: char, ascii_only: bool) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if if ascii_only {
        c.is_ascii() && is_print(c)
    } else {
        is_print(c)
    } {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

/// `strconv.Quote` (or `QuoteToASCII`).
pub(crate) fn quote(s: &str, ascii_only: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped_rune(&mut out, c, '"', ascii_only);
    }
    out.push('"');
    out
}

fn quote_rune(c: char, ascii_only: bool) -> String {
    let mut out = String::from("'");
    push_escaped_rune(&mut out, c, '\'', ascii_only);
    out.push('\'');
    out
}

fn can_backquote(s: &str) -> bool {
    s.chars()
        .all(|c| c != '`' && c != '\u{FEFF}' && (c == '\t' || !(c.is_control())))
}

/// Write `%v` of a value (Go `fmt.Sprint` of a single operand).
pub(crate) fn write_v(out: &mut String, v: &Value<'_>) {
    let mut p = Printer {
        out,
        f: Flags::default(),
    };
    p.print_arg(v, 'v', 0);
}

/// `fmt.Sprint`: spaces are added between operands when neither is a string.
pub(crate) fn sprint(args: &[Value<'_>]) -> String {
    let mut out = String::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = matches!(a.k(), K::Str(_));
        if i > 0 && !is_string && !prev_string {
            out.push(' ');
        }
        write_v(&mut out, a);
        prev_string = is_string;
    }
    out
}

/// `fmt.Sprintln`: always spaces, plus a trailing newline.
pub(crate) fn sprintln(args: &[Value<'_>]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_v(&mut out, a);
    }
    out.push('\n');
    out
}

#[derive(Default, Clone, Copy)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer<'o> {
    out: &'o mut String,
    f: Flags,
}

impl Printer<'_> {
    fn pad(&mut self, s: &str) {
        let Some(w) = self.f.wid else {
            self.out.push_str(s);
            return;
        };
        let n = s.chars().count();
        if n >= w {
            self.out.push_str(s);
            return;
        }
        let fill = if self.f.zero && !self.f.minus {
            '0'
        } else {
            ' '
        };
        if self.f.minus {
            self.out.push_str(s);
            self.out.extend(std::iter::repeat_n(' ', w - n));
        } else {
            self.out.extend(std::iter::repeat_n(fill, w - n));
            self.out.push_str(s);
        }
    }

    /// Pad a signed number: zero padding goes after the sign.
    fn pad_number(&mut self, s: &str) {
        if let (true, false, Some(w)) = (self.f.zero, self.f.minus, self.f.wid) {
            let (sign, digits) = match s.as_bytes().first() {
                Some(b'-') | Some(b'+') | Some(b' ') => s.split_at(1),
                _ => ("", s),
            };
            let n = s.chars().count();
            self.out.push_str(sign);
            if w > n {
                self.out.extend(std::iter::repeat_n('0', w - n));
            }
            self.out.push_str(digits);
            return;
        }
        self.pad(s);
    }

    fn bad_verb(&mut self, v: &Value<'_>, verb: char) {
        self.out.push_str("%!");
        self.out.push(verb);
        self.out.push('(');
        if v.is_nil() {
            self.out.push_str("<nil>");
        } else {
            self.out.push_str(v.go_type());
            self.out.push('=');
            let saved = self.f;
            self.f = Flags::default();
            self.print_arg(v, 'v', 0);
            self.f = saved;
        }
        self.out.push(')');
    }

    fn print_arg(&mut self, v: &Value<'_>, verb: char, depth: usize) {
        if depth > MAX_VALUE_DEPTH {
            self.out.push_str("...");
            return;
        }
        if verb == 'T' {
            let t = if v.is_nil() { "<nil>" } else { v.go_type() };
            self.pad(t);
            return;
        }
        match v.k() {
            K::Nil => {
                if verb == 'v' || depth > 0 {
                    self.pad("<nil>");
                } else {
                    self.bad_verb(v, verb);
                }
            }
            K::Bool(b) => match verb {
                'v' | 't' => self.pad(if b { "true" } else { "false" }),
                _ => self.bad_verb(v, verb),
            },
            K::Int(i) | K::Int64(i) => self.fmt_integer(v, i128::from(i), verb),
            K::Uint8(u) => self.fmt_integer(v, i128::from(u), verb),
            K::Duration(d) => match verb {
                'v' | 's' => self.pad(&duration_string(d)),
                'q' => self.pad(&quote(&duration_string(d), self.f.plus)),
                _ => self.fmt_integer(v, i128::from(d), verb),
            },
            K::Float(f) => self.fmt_float(v, f, verb),
            K::Str(s) => self.fmt_string(v, s, verb),
            K::Time(t) => match verb {
                'v' | 's' => self.pad(&t.go_string()),
                'q' => self.pad(&quote(&t.go_string(), self.f.plus)),
                'x' | 'X' => self.fmt_hex_str(&t.go_string(), verb == 'X'),
                _ => self.bad_verb(v, verb),
            },
            K::JList(_) | K::List(_) => {
                self.out.push('[');
                for (i, e) in v.list_items().unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    self.print_arg(e, verb, depth + 1);
                }
                self.out.push(']');
            }
            K::JMap(_) | K::Map(_) | K::Input => {
                self.out.push_str("map[");
                for (i, (k, e)) in v.map_entries().unwrap_or_default().iter().enumerate() {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    self.print_arg(&Value::str(k.as_str()), verb, depth + 1);
                    self.out.push(':');
                    self.print_arg(e, verb, depth + 1);
                }
                self.out.push(']');
            }
        }
    }

    fn fmt_integer(&mut self, v: &Value<'_>, i: i128, verb: char) {
        let neg = i < 0;
        let a = i.unsigned_abs();
        let digits = match verb {
            'v' | 'd' => a.to_string(),
            'b' => format!("{a:b}"),
            'o' | 'O' => format!("{a:o}"),
            'x' => format!("{a:x}"),
            'X' => format!("{a:X}"),
            'c' => {
                let c = u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                self.pad(&c.to_string());
                return;
            }
            'q' => {
                let c = u32::try_from(i)
                    .ok()
                    .and_then(char::from_u32)
                    .unwrap_or('\u{FFFD}');
                self.pad(&quote_rune(c, self.f.plus));
                return;
            }
            'U' => {
                let mut s = format!("U+{a:04X}");
                if self.f.sharp {
                    if let Some(c) = u32::try_from(i)
                        .ok()
                        .and_then(char::from_u32)
                        .filter(|c| is_print(*c))
                    {
                        let _ = write!(s, " '{c}'");
                    }
                }
                self.pad(&s);
                return;
            }
            _ => {
                self.bad_verb(v, verb);
                return;
            }
        };
        let mut digits = digits;
        if let Some(p) = self.f.prec {
            if p == 0 && a == 0 {
                digits.clear();
            }
            while digits.len() < p {
                digits.insert(0, '0');
            }
        }
        let prefix = match verb {
            'b' if self.f.sharp => "0b",
            'o' if self.f.sharp && !digits.starts_with('0') => "0",
            'O' => "0o",
            'x' if self.f.sharp => "0x",
            'X' if self.f.sharp => "0X",
            _ => "",
        };
        let sign = if neg {
            "-"
        } else if self.f.plus {
            "+"
        } else if self.f.space {
            " "
        } else {
            ""
        };
        let s = format!("{sign}{prefix}{digits}");
        if self.f.prec.is_some() {
            // Go ignores the zero flag when a precision is given.
            let z = self.f.zero;
            self.f.zero = false;
            self.pad(&s);
            self.f.zero = z;
        } else {
            self.pad_number(&s);
        }
    }

    fn fmt_float(&mut self, v: &Value<'_>, f: f64, verb: char) {
        let prec = self.f.prec.map(|p| p as i32);
        let mut s = match verb {
            'v' | 'g' | 'G' | 'b' | 'x' | 'X' => {
                // %b/%x of floats are rare; they are rendered as %g (documented gap).
                let c = if verb == 'G' || verb == 'X' { 'G' } else { 'g' };
                format_float(f, c, prec.unwrap_or(-1))
            }
            'e' | 'E' => format_float(f, verb, prec.unwrap_or(6)),
            'f' | 'F' => format_float(f, 'f', prec.unwrap_or(6)),
            _ => {
                self.bad_verb(v, verb);
                return;
            }
        };
        if f.is_nan() || f.is_infinite() {
            // Go keeps "+Inf"'s sign, drops NaN's unless asked, never zero pads.
            let sign = if f < 0.0 {
                "-"
            } else if self.f.plus {
                "+"
            } else if self.f.space {
                " "
            } else if f.is_nan() {
                ""
            } else {
                "+"
            };
            let body = if f.is_nan() { "NaN" } else { "Inf" };
            let z = self.f.zero;
            self.f.zero = false;
            self.pad(&format!("{sign}{body}"));
            self.f.zero = z;
            return;
        }
        if !s.starts_with('-') {
            if self.f.plus {
                s.insert(0, '+');
            } else if self.f.space {
                s.insert(0, ' ');
            }
        }
        self.pad_number(&s);
    }

    fn fmt_hex_str(&mut self, s: &str, upper: bool) {
        let mut out = String::new();
        let bytes = match self.f.prec {
            Some(p) => &s.as_bytes()[..p.min(s.len())],
            None => s.as_bytes(),
        };
        for (i, b) in bytes.iter().enumerate() {
            if self.f.space && i > 0 {
                out.push(' ');
            }
            if self.f.sharp && (self.f.space || i == 0) {
                out.push_str(if upper { "0X" } else { "0x" });
            }
            if upper {
                let _ = write!(out, "{b:02X}");
            } else {
                let _ = write!(out, "{b:02x}");
            }
        }
        self.pad(&out);
    }

    fn fmt_string(&mut self, v: &Value<'_>, s: &str, verb: char) {
        let truncated: String;
        let s = match self.f.prec {
            Some(p) if matches!(verb, 'v' | 's' | 'q') => {
                truncated = s.chars().take(p).collect();
                truncated.as_str()
            }
            _ => s,
        };
        match verb {
            'v' | 's' => self.pad(s),
            'q' => {
                if self.f.sharp && can_backquote(s) {
                    self.pad(&format!("`{s}`"));
                } else {
                    self.pad(&quote(s, self.f.plus));
                }
            }
            'x' | 'X' => self.fmt_hex_str(s, verb == 'X'),
            _ => self.bad_verb(v, verb),
        }
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use; argument indexes (`%[1]d`)
/// are not supported and print as a bad verb.
pub(crate) fn sprintf(format: &str, args: &[Value<'_>]) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut arg_num = 0usize;
    let b = format.as_bytes();
    let mut i = 0usize;
    while i < b.len() {
        let lit_end = format[i..].find('%').map(|n| i + n).unwrap_or(b.len());
        out.push_str(&format[i..lit_end]);
        i = lit_end;
        if i >= b.len() {
            break;
        }
        i += 1; // skip '%'
        let mut f = Flags::default();
        while i < b.len() {
            match b[i] {
                b'#' => f.sharp = true,
                b'0' => f.zero = !f.minus,
                b'+' => f.plus = true,
                b'-' => {
                    f.minus = true;
                    f.zero = false;
                }
                b' ' => f.space = true,
                _ => break,
            }
            i += 1;
        }
        // Width.
        if b.get(i) == Some(&b'*') {
            i += 1;
            match args.get(arg_num).map(|a| a.k()) {
                Some(K::Int(n)) => {
                    arg_num += 1;
                    if n < 0 {
                        f.minus = true;
                        f.zero = false;
                    }
                    f.wid = usize::try_from(n.unsigned_abs())
                        .ok()
                        .filter(|w| *w <= 1_000_000);
                }
                _ => {
                    if args.get(arg_num).is_some() {
                        arg_num += 1;
                    }
                    out.push_str("%!(BADWIDTH)");
                }
            }
        } else {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i > start {
                f.wid = format[start..i]
                    .parse()
                    .ok()
                    .filter(|w: &usize| *w <= 1_000_000);
            }
        }
        // Precision.
        if b.get(i) == Some(&b'.') {
            i += 1;
            if b.get(i) == Some(&b'*') {
                i += 1;
                match args.get(arg_num).map(|a| a.k()) {
                    Some(K::Int(n)) if n >= 0 => {
                        arg_num += 1;
                        f.prec = usize::try_from(n).ok().filter(|p| *p <= 1_000_000);
                    }
                    _ => {
                        if args.get(arg_num).is_some() {
                            arg_num += 1;
                        }
                        out.push_str("%!(BADPREC)");
                    }
                }
            } else {
                let start = i;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                f.prec = Some(format[start..i].parse().unwrap_or(0)).filter(|p| *p <= 1_000_000);
            }
        }
        let Some(verb) = format[i..].chars().next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        i += verb.len_utf8();
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(arg_num) else {
            out.push_str("%!");
            out.push(verb);
            out.push_str("(MISSING)");
            continue;
        };
        arg_num += 1;
        let mut p = Printer { out: &mut out, f };
        p.print_arg(arg, verb, 0);
    }
    if arg_num < args.len() {
        out.push_str("%!(EXTRA ");
        for (n, a) in args[arg_num..].iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            if a.is_nil() {
                out.push_str("<nil>");
            } else {
                out.push_str(a.go_type());
                out.push('=');
                write_v(&mut out, a);
            }
        }
        out.push(')');
    }
    out
}
