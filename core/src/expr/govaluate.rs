//! govaluate syntax, translated to CEL.
//!
//! A lexer and parser for the expression language of
//! [govaluate](https://github.com/Knetic/govaluate), which Argo Events uses for
//! `filters.exprs`, and a printer of the parsed expression as CEL source with
//! the same meaning. Operator precedence follows govaluate's planner, lowest
//! first: `,` < `? : ??` < `||` < `&&` < comparators (`== != < <= > >= =~ !~ in`)
//! < bitwise `& | ^` < shifts `<< >>` < `+ -` < `* / %` < `**` < prefix `- ! ~`.
//! Operators of one level associate to the left, as govaluate's stage
//! re-ordering makes them.

use super::error::ExprError;
use super::gotime;
use super::names::{is_cel_ident, Fields};

/// Deepest nesting of parentheses and prefix operators accepted.
const MAX_NESTING: usize = 32;
/// Deepest expression tree accepted (long operator chains build deep trees).
const MAX_TREE_DEPTH: usize = 160;

/// A failed govaluate parse.
#[derive(Debug)]
pub(super) struct GvError {
    pub(super) error: ExprError,
    /// The failure is over a construct CEL has and govaluate hasn't (a function
    /// or method call, a list or map literal, `null`, ...): the expression is
    /// probably meant as CEL, so a CEL error is the more useful one to report.
    pub(super) looks_like_cel: bool,
    /// The failure is final: don't try the expression as CEL (it would be
    /// rejected as well, or is unsafe to hand to the CEL parser).
    pub(super) fatal: bool,
}

impl GvError {
    fn syntax(column: usize, message: impl Into<String>) -> GvError {
        GvError {
            error: ExprError::Syntax {
                column,
                message: message.into(),
            },
            looks_like_cel: false,
            fatal: false,
        }
    }

    fn cel_like(mut self) -> GvError {
        self.looks_like_cel = true;
        self
    }

    fn fatal(error: ExprError) -> GvError {
        GvError {
            error,
            looks_like_cel: false,
            fatal: true,
        }
    }
}

/// Translates a govaluate expression to CEL source.
pub(super) fn translate(source: &str, fields: &Fields) -> Result<String, GvError> {
    let tokens = lex(source)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        fields,
        nesting: 0,
        end_column: source.chars().count() + 1,
    };
    let node = parser.parse_separator()?;
    if let Some(tok) = parser.tokens.get(parser.pos) {
        let mut err = GvError::syntax(
            tok.column,
            format!(
                "unexpected {} after a complete expression",
                tok.tok.describe()
            ),
        );
        if matches!(tok.tok, Tok::LBrace | Tok::RBrace) {
            err = err.cel_like();
        }
        return Err(err);
    }
    Ok(Printer { fields }.emit(&node).0)
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    ReMatch,
    ReNotMatch,
    In,
    And,
    Or,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Shl,
    Shr,
    Not,
    BitNot,
    Question,
    Colon,
    Coalesce,
}

/// Operator spellings, longest first so that matching is greedy.
const OPERATORS: &[(&str, Op)] = &[
    ("==", Op::Eq),
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("<=", Op::Le),
    ("=~", Op::ReMatch),
    ("!~", Op::ReNotMatch),
    ("&&", Op::And),
    ("||", Op::Or),
    ("**", Op::Pow),
    (">>", Op::Shr),
    ("<<", Op::Shl),
    ("??", Op::Coalesce),
    (">", Op::Gt),
    ("<", Op::Lt),
    ("+", Op::Plus),
    ("-", Op::Minus),
    ("*", Op::Mul),
    ("/", Op::Div),
    ("%", Op::Mod),
    ("&", Op::BitAnd),
    ("|", Op::BitOr),
    ("^", Op::BitXor),
    ("!", Op::Not),
    ("~", Op::BitNot),
    ("?", Op::Question),
    (":", Op::Colon),
];

impl Op {
    fn symbol(self) -> &'static str {
        if self == Op::In {
            return "in";
        }
        OPERATORS
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(s, _)| *s)
            .unwrap_or("?")
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    /// A string literal govaluate reads as a date: its Unix time in seconds.
    Time(i64, String),
    Bool(bool),
    /// A plain variable name.
    Ident(String),
    /// A `[bracketed]` variable name.
    Bracketed(String),
    /// `a.b.c`: govaluate's accessor.
    Accessor(Vec<String>),
    Op(Op),
    LParen,
    RParen,
    Comma,
    /// `{` or `}`: not govaluate, but CEL map literals.
    LBrace,
    RBrace,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Time(_, s) => format!("date {s:?}"),
            Tok::Bool(b) => format!("'{b}'"),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::Bracketed(s) => format!("'[{s}]'"),
            Tok::Accessor(p) => format!("'{}'", p.join(".")),
            Tok::Op(op) => format!("'{}'", op.symbol()),
            Tok::LParen => "'('".to_string(),
            Tok::RParen => "')'".to_string(),
            Tok::Comma => "','".to_string(),
            Tok::LBrace => "'{'".to_string(),
            Tok::RBrace => "'}'".to_string(),
        }
    }
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// 1-based character column.
    column: usize,
}

fn is_quote(c: char) -> bool {
    c == '\'' || c == '"'
}

/// Characters that end a run of operator symbols.
fn ends_symbol(c: char) -> bool {
    c.is_alphanumeric()
        || c.is_whitespace()
        || is_quote(c)
        || matches!(c, '(' | ')' | '[' | ']' | ',' | '{' | '}' | '.')
}

fn lex(source: &str) -> Result<Vec<Token>, GvError> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // numbers: govaluate reads a run of digits and dots as a float64
        if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            if c == '.' && text == "." {
                return Err(GvError::syntax(column, "unexpected '.'").cel_like());
            }
            let value: f64 = text
                .parse()
                .map_err(|_| GvError::syntax(column, format!("invalid number '{text}'")))?;
            if !value.is_finite() {
                return Err(GvError::syntax(
                    column,
                    format!("number '{text}' out of range"),
                ));
            }
            tokens.push(Token {
                tok: Tok::Num(value),
                column,
            });
            continue;
        }
        match c {
            ',' => {
                tokens.push(Token {
                    tok: Tok::Comma,
                    column,
                });
                i += 1;
                continue;
            }
            '(' | ')' | '{' | '}' => {
                let tok = match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '{' => Tok::LBrace,
                    _ => Tok::RBrace,
                };
                tokens.push(Token { tok, column });
                i += 1;
                continue;
            }
            '[' => {
                // escaped parameter name, backslash escapes any character
                let mut name = String::new();
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    match chars[i] {
                        '\\' if i + 1 < chars.len() => {
                            name.push(chars[i + 1]);
                            i += 2;
                        }
                        ']' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        ch => {
                            name.push(ch);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    return Err(
                        GvError::syntax(column, "unclosed parameter bracket '['").cel_like()
                    );
                }
                tokens.push(Token {
                    tok: Tok::Bracketed(name),
                    column,
                });
                continue;
            }
            ']' => {
                return Err(GvError::syntax(column, "unexpected ']'").cel_like());
            }
            _ => {}
        }
        if is_quote(c) {
            // govaluate ends a string at either quote character, whichever opened it
            let mut value = String::new();
            i += 1;
            let mut closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                    }
                    ch if is_quote(ch) => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    ch => {
                        value.push(ch);
                        i += 1;
                    }
                }
            }
            if !closed {
                return Err(GvError::syntax(column, "unclosed string literal"));
            }
            let tok = match gotime::try_parse_time(&value) {
                Some(secs) => Tok::Time(secs, value),
                None => Tok::Str(value),
            };
            tokens.push(Token { tok, column });
            continue;
        }
        if c.is_alphabetic() {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            let tok = match text.as_str() {
                "true" => Tok::Bool(true),
                "false" => Tok::Bool(false),
                "in" | "IN" => Tok::Op(Op::In),
                _ if text.contains('.') => {
                    let parts: Vec<String> = text.split('.').map(str::to_string).collect();
                    if parts.iter().any(String::is_empty) {
                        return Err(GvError::syntax(
                            column,
                            format!("hanging or empty accessor in '{text}'"),
                        )
                        .cel_like());
                    }
                    Tok::Accessor(parts)
                }
                _ => Tok::Ident(text),
            };
            tokens.push(Token { tok, column });
            continue;
        }
        // a run of symbol characters, split greedily into operators
        let start = i;
        while i < chars.len() && !ends_symbol(chars[i]) {
            i += 1;
        }
        if i == start {
            // a lone '.' after something, or another character that ends runs
            return Err(GvError::syntax(column, format!("unexpected '{c}'")).cel_like());
        }
        let run: String = chars[start..i].iter().collect();
        let mut rest = run.as_str();
        let mut offset = 0;
        while !rest.is_empty() {
            let Some((sym, op)) = OPERATORS.iter().find(|(sym, _)| rest.starts_with(sym)) else {
                return Err(GvError::syntax(
                    start + offset + 1,
                    format!("invalid token '{rest}'"),
                ));
            };
            tokens.push(Token {
                tok: Tok::Op(*op),
                column: start + offset + 1,
            });
            rest = &rest[sym.len()..];
            offset += sym.chars().count();
        }
    }
    Ok(tokens)
}

// ---------------------------------------------------------------------------
// Parser

#[derive(Debug, Clone)]
enum Kind {
    Num(f64),
    Str(String),
    Bool(bool),
    /// A declared field, by index.
    Var(usize),
    /// A field and keys to select in it: `a.b.c`.
    Access(usize, Vec<String>),
    /// A comma-separated list: govaluate's array.
    List(Vec<Node>),
    /// A parenthesized expression.
    Group(Box<Node>),
    Unary(Op, Box<Node>),
    Binary(Op, Box<Node>, Box<Node>),
}

#[derive(Debug, Clone)]
struct Node {
    kind: Kind,
    depth: usize,
}

impl Node {
    fn leaf(kind: Kind) -> Node {
        Node { kind, depth: 1 }
    }
}

struct Parser<'f> {
    tokens: Vec<Token>,
    pos: usize,
    fields: &'f Fields,
    nesting: usize,
    end_column: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek_op(&self) -> Option<Op> {
        match self.peek() {
            Some(Token {
                tok: Tok::Op(op), ..
            }) => Some(*op),
            _ => None,
        }
    }

    fn column(&self) -> usize {
        self.peek().map(|t| t.column).unwrap_or(self.end_column)
    }

    fn binary(&self, op: Op, l: Node, r: Node) -> Result<Node, GvError> {
        let depth = 1 + l.depth.max(r.depth);
        if depth > MAX_TREE_DEPTH {
            return Err(GvError::fatal(ExprError::TooComplex {
                reason: format!("more than {MAX_TREE_DEPTH} levels of operators"),
            }));
        }
        Ok(Node {
            kind: Kind::Binary(op, Box::new(l), Box::new(r)),
            depth,
        })
    }

    /// One left-associative level of binary operators.
    fn level(
        &mut self,
        ops: &[Op],
        next: fn(&mut Self) -> Result<Node, GvError>,
    ) -> Result<Node, GvError> {
        let mut left = next(self)?;
        while let Some(op) = self.peek_op().filter(|op| ops.contains(op)) {
            self.pos += 1;
            let right = next(self)?;
            left = self.binary(op, left, right)?;
        }
        Ok(left)
    }

    /// `a, b, c`: govaluate's array separator, the lowest precedence.
    fn parse_separator(&mut self) -> Result<Node, GvError> {
        let first = self.parse_ternary()?;
        if !matches!(self.peek().map(|t| &t.tok), Some(Tok::Comma)) {
            return Ok(first);
        }
        // govaluate appends to an array on the left of ',' rather than nesting it
        let mut items = match first.kind {
            Kind::List(items) => items,
            Kind::Group(inner) if matches!(inner.kind, Kind::List(_)) => match inner.kind {
                Kind::List(items) => items,
                other => vec![Node::leaf(other)],
            },
            kind => vec![Node {
                kind,
                depth: first.depth,
            }],
        };
        while matches!(self.peek().map(|t| &t.tok), Some(Tok::Comma)) {
            self.pos += 1;
            items.push(self.parse_ternary()?);
        }
        let depth = 1 + items.iter().map(|n| n.depth).max().unwrap_or(0);
        Ok(Node {
            kind: Kind::List(items),
            depth,
        })
    }

    fn parse_ternary(&mut self) -> Result<Node, GvError> {
        self.level(&[Op::Question, Op::Colon, Op::Coalesce], Self::parse_or)
    }

    fn parse_or(&mut self) -> Result<Node, GvError> {
        self.level(&[Op::Or], Self::parse_and)
    }

    fn parse_and(&mut self) -> Result<Node, GvError> {
        self.level(&[Op::And], Self::parse_comparator)
    }

    fn parse_comparator(&mut self) -> Result<Node, GvError> {
        self.level(
            &[
                Op::Eq,
                Op::Ne,
                Op::Gt,
                Op::Ge,
                Op::Lt,
                Op::Le,
                Op::ReMatch,
                Op::ReNotMatch,
                Op::In,
            ],
            Self::parse_bitwise,
        )
    }

    fn parse_bitwise(&mut self) -> Result<Node, GvError> {
        let left = self.parse_shift()?;
        self.reject_ops(&[Op::BitAnd, Op::BitOr, Op::BitXor])?;
        Ok(left)
    }

    fn parse_shift(&mut self) -> Result<Node, GvError> {
        let left = self.parse_additive()?;
        self.reject_ops(&[Op::Shl, Op::Shr])?;
        Ok(left)
    }

    fn reject_ops(&self, ops: &[Op]) -> Result<(), GvError> {
        match self.peek_op() {
            Some(op) if ops.contains(&op) => Err(GvError::fatal(ExprError::Unsupported {
                token: op.symbol().to_string(),
                column: self.column(),
                reason: "bitwise operators are not supported".to_string(),
            })),
            _ => Ok(()),
        }
    }

    fn parse_additive(&mut self) -> Result<Node, GvError> {
        self.level(&[Op::Plus, Op::Minus], Self::parse_multiplicative)
    }

    fn parse_multiplicative(&mut self) -> Result<Node, GvError> {
        self.level(&[Op::Mul, Op::Div, Op::Mod], Self::parse_exponent)
    }

    fn parse_exponent(&mut self) -> Result<Node, GvError> {
        self.level(&[Op::Pow], Self::parse_prefix)
    }

    fn enter(&mut self) -> Result<(), GvError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(GvError::fatal(ExprError::TooComplex {
                reason: format!("nested more than {MAX_NESTING} levels deep"),
            }));
        }
        Ok(())
    }

    /// Prefix operators bind tightest in govaluate: `-2 ** 2` is `(-2) ** 2`.
    fn parse_prefix(&mut self) -> Result<Node, GvError> {
        match self.peek_op() {
            Some(op @ (Op::Minus | Op::Not)) => {
                self.pos += 1;
                self.enter()?;
                let operand = self.parse_prefix()?;
                self.nesting -= 1;
                let depth = operand.depth + 1;
                Ok(Node {
                    kind: Kind::Unary(op, Box::new(operand)),
                    depth,
                })
            }
            Some(Op::BitNot) => Err(GvError::fatal(ExprError::Unsupported {
                token: "~".to_string(),
                column: self.column(),
                reason: "bitwise operators are not supported".to_string(),
            })),
            _ => self.parse_primary(),
        }
    }

    fn unknown(&self, name: &str, column: usize) -> GvError {
        GvError {
            error: ExprError::UnknownVariable {
                name: name.to_string(),
                column,
                declared: self.fields.describe(),
            },
            looks_like_cel: false,
            fatal: false,
        }
    }

    fn next_is_lparen(&self) -> bool {
        matches!(self.peek().map(|t| &t.tok), Some(Tok::LParen))
    }

    fn parse_primary(&mut self) -> Result<Node, GvError> {
        let Some(token) = self.tokens.get(self.pos).cloned() else {
            return Err(GvError::syntax(
                self.end_column,
                "unexpected end of expression",
            ));
        };
        self.pos += 1;
        let column = token.column;
        match token.tok {
            Tok::Num(n) => Ok(Node::leaf(Kind::Num(n))),
            Tok::Time(secs, _) => Ok(Node::leaf(Kind::Num(secs as f64))),
            Tok::Str(s) => Ok(Node::leaf(Kind::Str(s))),
            Tok::Bool(b) => Ok(Node::leaf(Kind::Bool(b))),
            Tok::Ident(name) => {
                if self.next_is_lparen() {
                    return Err(GvError::syntax(
                        column,
                        format!("'{name}(' is a function call, which govaluate (without functions) does not have"),
                    )
                    .cel_like());
                }
                match self.fields.index_of_name(&name) {
                    Some(i) => Ok(Node::leaf(Kind::Var(i))),
                    None => {
                        let err = self.unknown(&name, column);
                        Err(if name == "null" { err.cel_like() } else { err })
                    }
                }
            }
            Tok::Bracketed(name) => match self.fields.index_of_name(&name) {
                Some(i) => Ok(Node::leaf(Kind::Var(i))),
                // `[1, 2]` may be a CEL list: CEL is tried next
                None => Err(self.unknown(&name, column)),
            },
            Tok::Accessor(parts) => {
                let text = parts.join(".");
                if self.next_is_lparen() {
                    return Err(GvError::syntax(
                        column,
                        format!("'{text}(' is a method call, which govaluate does not support on JSON values"),
                    )
                    .cel_like());
                }
                if let Some(i) = self.fields.index_of_name(&text) {
                    return Ok(Node::leaf(Kind::Var(i)));
                }
                let Some((root, keys)) = parts.split_first() else {
                    return Err(GvError::syntax(column, "empty accessor"));
                };
                match self.fields.index_of_name(root) {
                    Some(i) => Ok(Node {
                        kind: Kind::Access(i, keys.to_vec()),
                        depth: 1,
                    }),
                    None => Err(self.unknown(root, column).cel_like()),
                }
            }
            Tok::LParen => {
                if matches!(self.peek().map(|t| &t.tok), Some(Tok::RParen)) {
                    return Err(GvError::syntax(column, "empty parentheses"));
                }
                self.enter()?;
                let inner = self.parse_separator()?;
                self.nesting -= 1;
                match self.peek() {
                    Some(Token {
                        tok: Tok::RParen, ..
                    }) => {
                        self.pos += 1;
                        let depth = inner.depth + 1;
                        Ok(Node {
                            kind: Kind::Group(Box::new(inner)),
                            depth,
                        })
                    }
                    _ => Err(GvError::syntax(
                        self.column(),
                        format!("missing ')' for the '(' at column {column}"),
                    )),
                }
            }
            Tok::LBrace | Tok::RBrace => Err(GvError::syntax(
                column,
                format!("unexpected {}", token.tok.describe()),
            )
            .cel_like()),
            other => Err(GvError::syntax(
                column,
                format!("unexpected {}", other.describe()),
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// CEL printer

/// CEL precedence levels, lowest first.
const P_TERNARY: u8 = 1;
const P_OR: u8 = 2;
const P_AND: u8 = 3;
const P_REL: u8 = 4;
const P_ADD: u8 = 5;
const P_MUL: u8 = 6;
const P_UNARY: u8 = 7;
const P_PRIMARY: u8 = 8;

/// What a node is known to evaluate to, without knowing the field values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StaticType {
    Num,
    Str,
    Other,
    Unknown,
}

fn static_type(node: &Node) -> StaticType {
    match &node.kind {
        Kind::Num(_) => StaticType::Num,
        Kind::Str(_) => StaticType::Str,
        Kind::Bool(_) | Kind::List(_) => StaticType::Other,
        Kind::Group(inner) => static_type(inner),
        Kind::Var(_) | Kind::Access(..) => StaticType::Unknown,
        Kind::Unary(Op::Minus, _) => StaticType::Num,
        Kind::Unary(..) => StaticType::Other,
        Kind::Binary(op, l, r) => match op {
            Op::Plus => match (static_type(l), static_type(r)) {
                (StaticType::Num, StaticType::Num) => StaticType::Num,
                (StaticType::Str, _) | (_, StaticType::Str) => StaticType::Str,
                _ => StaticType::Unknown,
            },
            Op::Minus | Op::Mul | Op::Div | Op::Mod | Op::Pow => StaticType::Num,
            Op::Question | Op::Colon | Op::Coalesce => StaticType::Unknown,
            _ => StaticType::Other,
        },
    }
}

/// Whether a node can never evaluate to null (govaluate's nil).
fn never_null(node: &Node) -> bool {
    match &node.kind {
        Kind::Group(inner) => never_null(inner),
        Kind::Var(_) | Kind::Access(..) => false,
        Kind::Binary(Op::Question | Op::Colon | Op::Coalesce, ..) => false,
        _ => true,
    }
}

fn wrap(code: (String, u8), min: u8) -> String {
    if code.1 >= min {
        code.0
    } else {
        format!("({})", code.0)
    }
}

/// A CEL double literal that reads back as `v`.
fn double_literal(v: f64) -> String {
    let s = format!("{v:?}");
    if s.contains(['.', 'e', 'E']) || !s.chars().all(|c| c.is_ascii_digit() || c == '-') {
        s
    } else {
        format!("{s}.0")
    }
}

/// A CEL string literal holding `s`.
pub(super) fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Prints parsed govaluate as CEL.
struct Printer<'f> {
    fields: &'f Fields,
}

impl Printer<'_> {
    /// `node` as CEL source, with its precedence level.
    fn emit(&self, node: &Node) -> (String, u8) {
        match &node.kind {
            Kind::Num(v) => {
                let s = double_literal(*v);
                let p = if s.starts_with('-') {
                    P_UNARY
                } else {
                    P_PRIMARY
                };
                (s, p)
            }
            Kind::Str(s) => (string_literal(s), P_PRIMARY),
            Kind::Bool(b) => (b.to_string(), P_PRIMARY),
            Kind::Var(i) => (self.fields.ident(*i).to_string(), P_PRIMARY),
            Kind::Access(i, keys) => {
                let mut s = self.fields.ident(*i).to_string();
                for key in keys {
                    if is_cel_ident(key) {
                        s.push('.');
                        s.push_str(key);
                    } else {
                        s.push('[');
                        s.push_str(&string_literal(key));
                        s.push(']');
                    }
                }
                (s, P_PRIMARY)
            }
            Kind::List(items) => (self.list(items), P_PRIMARY),
            Kind::Group(inner) => self.emit(inner),
            Kind::Unary(op, operand) => {
                let sym = if *op == Op::Not { "!" } else { "-" };
                (
                    format!("{sym}{}", wrap(self.emit(operand), P_UNARY)),
                    P_UNARY,
                )
            }
            Kind::Binary(op, l, r) => self.binary(*op, l, r),
        }
    }

    fn list(&self, items: &[Node]) -> String {
        let items: Vec<String> = items.iter().map(|n| self.emit(n).0).collect();
        format!("[{}]", items.join(", "))
    }

    /// A left-associative infix operator of level `p`.
    fn infix(&self, l: &Node, sym: &str, r: &Node, p: u8) -> (String, u8) {
        (
            format!(
                "{} {sym} {}",
                wrap(self.emit(l), p),
                wrap(self.emit(r), p + 1)
            ),
            p,
        )
    }

    fn call(&self, name: &str, l: &Node, r: &Node) -> (String, u8) {
        (
            format!("{name}({}, {})", self.emit(l).0, self.emit(r).0),
            P_PRIMARY,
        )
    }

    /// `cond ? a : b`
    fn ternary(&self, cond: &Node, a: String, b: String) -> (String, u8) {
        (
            format!("{} ? {a} : {b}", wrap(self.emit(cond), P_OR)),
            P_TERNARY,
        )
    }

    /// `x != null ? x : fallback`: govaluate's nil check.
    fn non_null_or(&self, x: &Node, fallback: String) -> String {
        let tested = wrap(self.emit(x), P_REL);
        let value = wrap(self.emit(x), P_OR);
        format!("{tested} != null ? {value} : {fallback}")
    }

    fn binary(&self, op: Op, l: &Node, r: &Node) -> (String, u8) {
        match op {
            Op::Or => self.infix(l, "||", r, P_OR),
            Op::And => self.infix(l, "&&", r, P_AND),
            Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le => {
                self.infix(l, op.symbol(), r, P_REL)
            }
            Op::In => {
                let right = match &r.kind {
                    Kind::List(items) => self.list(items),
                    // `x in ('a')`: govaluate needs an array, accept one value as one
                    Kind::Group(inner)
                        if matches!(inner.kind, Kind::Num(_) | Kind::Str(_) | Kind::Bool(_)) =>
                    {
                        format!("[{}]", self.emit(inner).0)
                    }
                    Kind::Group(inner) if matches!(inner.kind, Kind::List(_)) => self.emit(inner).0,
                    _ => wrap(self.emit(r), P_REL + 1),
                };
                (format!("{} in {right}", wrap(self.emit(l), P_REL)), P_REL)
            }
            Op::ReMatch | Op::ReNotMatch => {
                let m = format!(
                    "{}.matches({})",
                    wrap(self.emit(l), P_PRIMARY),
                    self.emit(r).0
                );
                if op == Op::ReMatch {
                    (m, P_PRIMARY)
                } else {
                    (format!("!{m}"), P_UNARY)
                }
            }
            Op::Plus => match (static_type(l), static_type(r)) {
                (StaticType::Num, StaticType::Num) | (StaticType::Str, StaticType::Str) => {
                    self.infix(l, "+", r, P_ADD)
                }
                // govaluate: concatenation if either side is a string, else addition
                _ => self.call("gv_add", l, r),
            },
            Op::Minus => self.infix(l, "-", r, P_ADD),
            Op::Mul => self.infix(l, "*", r, P_MUL),
            Op::Div => self.infix(l, "/", r, P_MUL),
            Op::Mod => self.call("gv_mod", l, r),
            Op::Pow => self.call("gv_pow", l, r),
            Op::Question => {
                // `c ? a` alone: a if c, else nil
                let a = wrap(self.emit(r), P_OR);
                self.ternary(l, a, "null".to_string())
            }
            Op::Colon | Op::Coalesce => {
                let fallback = wrap(self.emit(r), P_TERNARY);
                match &l.kind {
                    // `c ? a : b` is `(c ? a) : b`: b if c is false, or if a is nil
                    Kind::Binary(Op::Question, cond, a) => {
                        let then = if never_null(a) {
                            wrap(self.emit(a), P_OR)
                        } else {
                            format!("({})", self.non_null_or(a, fallback.clone()))
                        };
                        self.ternary(cond, then, fallback)
                    }
                    _ if never_null(l) => self.emit(l),
                    _ => (self.non_null_or(l, fallback), P_TERNARY),
                }
            }
            Op::Not | Op::BitNot | Op::BitAnd | Op::BitOr | Op::BitXor | Op::Shl | Op::Shr => {
                // rejected by the parser
                (String::from("false"), P_PRIMARY)
            }
        }
    }
}
