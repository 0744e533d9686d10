//! Case conversions from `github.com/huandu/xstrings` (used by Sprig's
//! `snakecase`, `kebabcase` and `camelcase`), following its word-splitting
//! rules: "HTTPServer" → "http_server", "HTTP20xOK" → "http_20x_ok",
//! "Bld4Floor3rd" → "bld4_floor_3rd", "http_server" → "HttpServer".

use super::sprig::{lower_char, upper_char};

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// Go's `unicode.IsPunct` (category P). ASCII symbols such as `$ + < = > ^ ` | ~`
/// are category S and therefore not punctuation.
fn is_punct(c: char) -> bool {
    if c.is_ascii() {
        return "!\"#%&'()*,-./:;?@[\\]_{}".contains(c);
    }
    matches!(u32::from(c),
        0x00A1 | 0x00A7 | 0x00AB | 0x00B6 | 0x00B7 | 0x00BB | 0x00BF | 0x037E | 0x0387
        | 0x2010..=0x2027 | 0x2030..=0x2043 | 0x2045..=0x2051 | 0x2053..=0x205E
        | 0x3001..=0x3003 | 0x3008..=0x3011 | 0x3014..=0x301F | 0xFF01..=0xFF03
        | 0xFF05..=0xFF0A | 0xFF0C..=0xFF0F | 0xFF1A | 0xFF1B | 0xFF1F | 0xFF20)
}

fn is_alphabet(c: char) -> bool {
    c.is_alphabetic()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Wt {
    Invalid,
    Number,
    Upper,
    Alphabet,
    Connector,
    Punct,
    Other,
}

/// Split off the next word: its type and length in chars.
fn next_word(s: &[char]) -> (Wt, usize) {
    let Some(&r) = s.first() else {
        return (Wt::Invalid, 0);
    };
    let n = s.len();
    let mut off = 1;
    let run = |off: &mut usize, pred: &dyn Fn(char) -> bool| {
        while *off < n && pred(s[*off]) {
            *off += 1;
        }
    };
    let wt = if is_connector(r) {
        run(&mut off, &is_connector);
        Wt::Connector
    } else if is_punct(r) {
        run(&mut off, &is_punct);
        Wt::Punct
    } else if r.is_uppercase() {
        if off < n {
            let r2 = s[off];
            if r2.is_uppercase() {
                off += 1;
                run(&mut off, &|c: char| c.is_uppercase());
                // "HTTPStatus" splits into "HTTP" and "Status".
                if off < n && is_alphabet(s[off]) {
                    off -= 1;
                }
            } else if is_alphabet(r2) {
                off += 1;
                run(&mut off, &|c: char| is_alphabet(c) && !c.is_uppercase());
            }
        }
        Wt::Upper
    } else if is_alphabet(r) {
        run(&mut off, &|c: char| is_alphabet(c) && !c.is_uppercase());
        Wt::Alphabet
    } else if r.is_numeric() {
        run(&mut off, &|c: char| c.is_numeric());
        Wt::Number
    } else {
        run(&mut off, &|c: char| {
            !(is_connector(c) || is_alphabet(c) || c.is_numeric() || is_punct(c))
        });
        Wt::Other
    };
    (wt, off)
}

fn push_lower(buf: &mut String, wt: Wt, word: &[char], connector: char) {
    if wt != Wt::Upper && wt != Wt::Connector {
        buf.extend(word.iter());
        return;
    }
    for &c in word {
        if is_connector(c) {
            buf.push(connector);
        } else if c.is_uppercase() {
            buf.push(lower_char(c));
        } else {
            buf.push(c);
        }
    }
}

/// xstrings `camelCaseToLowerCase` (ToSnakeCase / ToKebabCase).
pub(crate) fn to_lower_case(s: &str, connector: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut buf = String::with_capacity(s.len() + 4);
    let mut pos = 0usize;
    // Returns (type, word range) and advances `pos`.
    let next = |pos: &mut usize| -> (Wt, usize, usize) {
        let (wt, len) = next_word(&chars[*pos..]);
        let start = *pos;
        *pos += len;
        (wt, start, start + len)
    };
    if chars.is_empty() {
        return buf;
    }
    let (mut wt, mut ws, mut we) = next(&mut pos);
    while pos < chars.len() {
        if wt != Wt::Connector {
            push_lower(&mut buf, wt, &chars[ws..we], connector);
        }
        let prev = wt;
        let (last_s, last_e) = (ws, we);
        (wt, ws, we) = next(&mut pos);
        match prev {
            Wt::Number => {
                while wt == Wt::Alphabet || wt == Wt::Number {
                    push_lower(&mut buf, wt, &chars[ws..we], connector);
                    (wt, ws, we) = next(&mut pos);
                }
                if !matches!(wt, Wt::Invalid | Wt::Punct | Wt::Connector) {
                    buf.push(connector);
                }
            }
            Wt::Connector => push_lower(&mut buf, prev, &chars[last_s..last_e], connector),
            Wt::Punct => {}
            _ => {
                if wt != Wt::Number {
                    if wt != Wt::Connector && wt != Wt::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                if pos >= chars.len() {
                    continue;
                }
                let (num_s, num_e) = (ws, we);
                (wt, ws, we) = next(&mut pos);
                // A number followed by a non-letter belongs to the previous word ("Bld4Floor").
                if wt != Wt::Alphabet {
                    push_lower(&mut buf, Wt::Number, &chars[num_s..num_e], connector);
                    if wt != Wt::Connector && wt != Wt::Punct {
                        buf.push(connector);
                    }
                    continue;
                }
                // Lower-case letters after a number start a new word with it ("HTTP2xx").
                buf.push(connector);
                push_lower(&mut buf, Wt::Number, &chars[num_s..num_e], connector);
                while wt == Wt::Alphabet || wt == Wt::Number {
                    push_lower(&mut buf, wt, &chars[ws..we], connector);
                    (wt, ws, we) = next(&mut pos);
                }
                if !matches!(wt, Wt::Invalid | Wt::Connector | Wt::Punct) {
                    buf.push(connector);
                }
            }
        }
    }
    push_lower(&mut buf, wt, &chars[ws..we], connector);
    buf
}

/// xstrings `toCamelCase(s, isBig=true)` (Pascal case), which Sprig's
/// `camelcase` produces: "http_server" → "HttpServer".
pub(crate) fn to_camel(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut buf = String::with_capacity(s.len());
    if chars.is_empty() {
        return buf;
    }
    let mut i = 0;
    let mut r0 = ' ';
    let mut first_upper = false;
    // Leading connectors are kept.
    while i < chars.len() {
        r0 = chars[i];
        i += 1;
        if !is_connector(r0) {
            first_upper = r0.is_uppercase();
            r0 = upper_char(r0);
            break;
        }
        buf.push(r0);
    }
    if i >= chars.len() {
        // xstrings writes the last rune again here (so "_" becomes "__").
        buf.push(r0);
        return buf;
    }
    while i < chars.len() {
        let r1 = r0;
        r0 = chars[i];
        i += 1;
        if is_connector(r0) && is_connector(r1) {
            buf.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = r0.is_uppercase();
            r0 = upper_char(r0);
        } else {
            if first_upper {
                if r0.is_uppercase() {
                    r0 = lower_char(r0);
                } else {
                    first_upper = false;
                }
            }
            buf.push(r1);
        }
    }
    buf.push(r0);
    buf
}
