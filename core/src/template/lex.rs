//! Lexer for Go `text/template` source.
//!
//! Mirrors the token rules of Go's `text/template/parse/lex.go`: text outside
//! `{{ }}`, trim markers `{{- ` / ` -}}` (dash plus one ASCII space character),
//! comments `{{/* */}}` that must touch the delimiters, and inside actions the
//! usual words, fields, variables, literals and punctuation. Spaces inside an
//! action are kept as tokens because Go uses them to tell `.a.b` (one chained
//! field) from `.a .b` (two arguments).

use super::error::TemplateError;

/// Byte offset into the template source.
pub(crate) type Offset = usize;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// Literal text between actions (already trimmed by trim markers).
    Text(String),
    LeftDelim,
    RightDelim,
    Space,
    LeftParen,
    RightParen,
    Pipe,
    Declare,
    Assign,
    Comma,
    /// Quoted or raw string, already unquoted.
    Str(String),
    /// Character constant such as `'a'`, as its code point.
    Char(char),
    /// Number literal, raw text (parsed by the parser like Go's NumberNode).
    Number(String),
    Bool(bool),
    Nil,
    Dot,
    /// `.name` (without the dot).
    Field(String),
    /// `$` or `$name` (including the `$`).
    Variable(String),
    Ident(String),
    // Keywords.
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
    Eof,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: Offset,
}

/// Go's `isSpace` for trim markers and in-action spaces: only these four.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

pub(crate) fn lex(src: &str) -> Result<Vec<Token>, TemplateError> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        out: Vec::new(),
        paren_depth: 0,
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    out: Vec<Token>,
    paren_depth: usize,
}

impl<'s> Lexer<'s> {
    fn err(&self, pos: Offset, msg: impl Into<String>) -> TemplateError {
        TemplateError::parse(self.src, pos, msg)
    }

    fn push(&mut self, tok: Tok, pos: Offset) {
        self.out.push(Token { tok, pos });
    }

    fn rest(&self) -> &'s str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn run(&mut self) -> Result<(), TemplateError> {
        // Whether the previous action ended with ` -}}`: trim leading space of the next text.
        let mut trim_next = false;
        loop {
            let start = self.pos;
            let next = self.rest().find("{{").map(|i| self.pos + i);
            let text_end = next.unwrap_or(self.bytes.len());
            let mut text = &self.src[start..text_end];
            if trim_next {
                text = text.trim_start_matches([' ', '\t', '\r', '\n']);
            }
            let Some(open) = next else {
                if !text.is_empty() {
                    self.push(Tok::Text(text.to_string()), start);
                }
                self.push(Tok::Eof, self.bytes.len());
                return Ok(());
            };
            // `{{- ` trims trailing space of the preceding text.
            let left_trim = self.bytes.get(open + 2) == Some(&b'-')
                && self.bytes.get(open + 3).is_some_and(|b| is_space(*b));
            if left_trim {
                text = text.trim_end_matches([' ', '\t', '\r', '\n']);
            }
            if !text.is_empty() {
                self.push(Tok::Text(text.to_string()), start);
            }
            self.pos = open + 2;
            if left_trim {
                self.pos += 2;
            }
            // Comments must start right after the delimiter (and trim marker).
            if self.rest().starts_with("/*") {
                let Some(end) = self.rest().find("*/") else {
                    return Err(self.err(open, "unclosed comment"));
                };
                self.pos += end + 2;
                let (is_delim, trims) = self.at_right_delim();
                if !is_delim {
                    return Err(self.err(open, "comment ends before closing delimiter"));
                }
                self.pos += if trims { 4 } else { 2 };
                trim_next = trims;
                continue;
            }
            self.push(Tok::LeftDelim, open);
            trim_next = self.inside_action(open)?;
        }
    }

    /// `}}` or ` -}}` at the current position; the bool says whether it trims.
    fn at_right_delim(&self) -> (bool, bool) {
        let r = self.rest().as_bytes();
        if r.len() >= 4 && is_space(r[0]) && r[1] == b'-' && r[2] == b'}' && r[3] == b'}' {
            return (true, true);
        }
        (r.starts_with(b"}}"), false)
    }

    /// Lex tokens until the closing delimiter; returns whether it trims.
    fn inside_action(&mut self, open: Offset) -> Result<bool, TemplateError> {
        loop {
            let (is_delim, trims) = self.at_right_delim();
            if is_delim {
                if self.paren_depth > 0 {
                    return Err(self.err(self.pos, "unclosed left paren"));
                }
                let p = self.pos;
                self.pos += if trims { 4 } else { 2 };
                self.push(Tok::RightDelim, p);
                return Ok(trims);
            }
            let start = self.pos;
            let Some(c) = self.rest().chars().next() else {
                return Err(self.err(open, "unclosed action"));
            };
            match c {
                ' ' | '\t' | '\r' | '\n' => {
                    // A run of spaces; stop before a ` -}}` so it is seen as a delimiter.
                    while let Some(&b) = self.bytes.get(self.pos) {
                        if !is_space(b) || self.at_right_delim().0 {
                            break;
                        }
                        self.pos += 1;
                    }
                    if self.pos == start {
                        // Only possible when the space begins ` -}}`: handled above.
                        self.pos += 1;
                    }
                    self.push(Tok::Space, start);
                }
                '=' => {
                    self.pos += 1;
                    self.push(Tok::Assign, start);
                }
                ':' => {
                    if self.bytes.get(self.pos + 1) != Some(&b'=') {
                        return Err(self.err(start, "expected :="));
                    }
                    self.pos += 2;
                    self.push(Tok::Declare, start);
                }
                '|' => {
                    self.pos += 1;
                    self.push(Tok::Pipe, start);
                }
                ',' => {
                    self.pos += 1;
                    self.push(Tok::Comma, start);
                }
                '"' => self.lex_quote(start)?,
                '`' => self.lex_raw(start)?,
                '\'' => self.lex_char(start)?,
                '$' => {
                    self.pos += 1;
                    let name = self.scan_alnum();
                    self.check_terminator()?;
                    self.push(Tok::Variable(format!("${name}")), start);
                }
                '.' => {
                    let next = self.bytes.get(self.pos + 1).copied();
                    if next.is_some_and(|b| b.is_ascii_digit()) {
                        self.lex_number(start)?;
                    } else {
                        self.pos += 1;
                        let name = self.scan_alnum();
                        self.check_terminator()?;
                        if name.is_empty() {
                            self.push(Tok::Dot, start);
                        } else {
                            self.push(Tok::Field(name.to_string()), start);
                        }
                    }
                }
                '+' | '-' | '0'..='9' => self.lex_number(start)?,
                '(' => {
                    self.pos += 1;
                    self.paren_depth += 1;
                    self.push(Tok::LeftParen, start);
                }
                ')' => {
                    if self.paren_depth == 0 {
                        return Err(self.err(start, "unexpected right paren"));
                    }
                    self.pos += 1;
                    self.paren_depth -= 1;
                    self.push(Tok::RightParen, start);
                }
                c if is_alnum(c) => {
                    let word = self.scan_alnum();
                    self.check_terminator()?;
                    let tok = match word {
                        "block" => Tok::Block,
                        "break" => Tok::Break,
                        "continue" => Tok::Continue,
                        "define" => Tok::Define,
                        "else" => Tok::Else,
                        "end" => Tok::End,
                        "if" => Tok::If,
                        "range" => Tok::Range,
                        "template" => Tok::Template,
                        "with" => Tok::With,
                        "nil" => Tok::Nil,
                        "true" => Tok::Bool(true),
                        "false" => Tok::Bool(false),
                        w => Tok::Ident(w.to_string()),
                    };
                    self.push(tok, start);
                }
                other => {
                    return Err(self.err(
                        start,
                        format!("unrecognized character in action: {other:?}"),
                    ));
                }
            }
        }
    }

    fn scan_alnum(&mut self) -> &'s str {
        let start = self.pos;
        let rest = self.rest();
        let len = rest.find(|c: char| !is_alnum(c)).unwrap_or(rest.len());
        self.pos += len;
        &self.src[start..start + len]
    }

    /// Go requires words to end at a space, punctuation or the delimiter.
    fn check_terminator(&self) -> Result<(), TemplateError> {
        let Some(c) = self.rest().chars().next() else {
            return Ok(());
        };
        if matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '|' | ':' | ')' | '('
        ) || self.rest().starts_with("}}")
        {
            return Ok(());
        }
        Err(self.err(self.pos, format!("bad character {c:?}")))
    }

    fn lex_number(&mut self, start: Offset) -> Result<(), TemplateError> {
        // Accept Go's number syntax loosely here; the parser validates it.
        let b = self.bytes;
        let mut i = self.pos;
        if matches!(b.get(i), Some(b'+') | Some(b'-')) {
            i += 1;
        }
        let mut digits = "0123456789_";
        if b.get(i) == Some(&b'0') {
            match b.get(i + 1) {
                Some(b'x') | Some(b'X') => {
                    i += 2;
                    digits = "0123456789abcdefABCDEF_";
                }
                Some(b'o') | Some(b'O') => {
                    i += 2;
                    digits = "01234567_";
                }
                Some(b'b') | Some(b'B') => {
                    i += 2;
                    digits = "01_";
                }
                _ => {}
            }
        }
        let hex = digits.len() > 12;
        let accept = |i: &mut usize, set: &str| {
            while let Some(&c) = b.get(*i) {
                if set.as_bytes().contains(&c) {
                    *i += 1;
                } else {
                    break;
                }
            }
        };
        accept(&mut i, digits);
        if b.get(i) == Some(&b'.') {
            i += 1;
            accept(&mut i, digits);
        }
        let exp = if hex { [b'p', b'P'] } else { [b'e', b'E'] };
        if b.get(i).is_some_and(|c| exp.contains(c)) {
            i += 1;
            if matches!(b.get(i), Some(b'+') | Some(b'-')) {
                i += 1;
            }
            accept(&mut i, "0123456789_");
        }
        if b.get(i) == Some(&b'i') {
            i += 1;
        }
        let text = &self.src[start..i];
        self.pos = i;
        // Go: the number must be followed by a terminator, else "bad number syntax".
        if let Some(c) = self.rest().chars().next().filter(|c| is_alnum(*c)) {
            return Err(self.err(start, format!("bad number syntax: \"{text}{c}\"")));
        }
        if text == "+" || text == "-" {
            return Err(self.err(start, format!("bad number syntax: {text:?}")));
        }
        self.push(Tok::Number(text.to_string()), start);
        Ok(())
    }

    fn lex_quote(&mut self, start: Offset) -> Result<(), TemplateError> {
        let mut i = self.pos + 1;
        loop {
            match self.bytes.get(i) {
                None | Some(b'\n') => return Err(self.err(start, "unterminated quoted string")),
                Some(b'\\') => i += 2,
                Some(b'"') => break,
                Some(_) => i += 1,
            }
        }
        let raw = self
            .src
            .get(self.pos + 1..i)
            .ok_or_else(|| self.err(start, "unterminated quoted string"))?;
        let s = unquote(raw, '"').map_err(|m| self.err(start, m))?;
        self.pos = i + 1;
        self.push(Tok::Str(s), start);
        Ok(())
    }

    fn lex_raw(&mut self, start: Offset) -> Result<(), TemplateError> {
        let body_start = self.pos + 1;
        let Some(len) = self.src.get(body_start..).and_then(|r| r.find('`')) else {
            return Err(self.err(start, "unterminated raw quoted string"));
        };
        // Go's strconv.Unquote drops carriage returns from raw strings.
        let s = self.src[body_start..body_start + len].replace('\r', "");
        self.pos = body_start + len + 1;
        self.push(Tok::Str(s), start);
        Ok(())
    }

    fn lex_char(&mut self, start: Offset) -> Result<(), TemplateError> {
        let mut i = self.pos + 1;
        loop {
            match self.bytes.get(i) {
                None | Some(b'\n') => {
                    return Err(self.err(start, "unterminated character constant"))
                }
                Some(b'\\') => i += 2,
                Some(b'\'') => break,
                Some(_) => i += 1,
            }
        }
        let raw = self
            .src
            .get(self.pos + 1..i)
            .ok_or_else(|| self.err(start, "unterminated character constant"))?;
        let s = unquote(raw, '\'').map_err(|m| self.err(start, m))?;
        let mut chars = s.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            return Err(self.err(start, format!("malformed character constant: '{raw}'")));
        };
        self.pos = i + 1;
        self.push(Tok::Char(c), start);
        Ok(())
    }
}

/// Go's `strconv.Unquote` escape rules for the body of a quoted literal.
fn unquote(raw: &str, quote: char) -> Result<String, String> {
    let mut out = String::with_capacity(raw.len());
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = it.next() else {
            return Err("invalid syntax in quoted string".into());
        };
        let mut hex = |n: usize| -> Result<u32, String> {
            let mut v = 0u32;
            for _ in 0..n {
                let d = it
                    .next()
                    .and_then(|c| c.to_digit(16))
                    .ok_or_else(|| "invalid escape in quoted string".to_string())?;
                v = v * 16 + d;
            }
            Ok(v)
        };
        match e {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '"' if quote == '"' => out.push('"'),
            '\'' if quote == '\'' => out.push('\''),
            'x' => {
                let v = hex(2)?;
                // A \x escape is a single byte; Go would allow invalid UTF-8 here.
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            'u' => out.push(char::from_u32(hex(4)?).ok_or("invalid unicode escape")?),
            'U' => out.push(char::from_u32(hex(8)?).ok_or("invalid unicode escape")?),
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = it
                        .next()
                        .and_then(|c| c.to_digit(8))
                        .ok_or_else(|| "invalid octal escape".to_string())?;
                    v = v * 8 + d;
                }
                if v > 255 {
                    return Err("invalid octal escape".into());
                }
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
            }
            _ => return Err(format!("invalid escape \\{e} in quoted string")),
        }
    }
    Ok(out)
}
