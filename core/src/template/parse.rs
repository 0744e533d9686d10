//! Parser producing the template tree, following Go's `text/template/parse`.
//!
//! Checks Go performs at parse time are done here too: unknown functions,
//! undefined variables, `{{break}}` outside `{{range}}`, non-executable
//! pipeline stages and malformed numbers.

use std::collections::HashMap;

use regex::Regex;

use super::error::{Pos, TemplateError};
use super::funcs::{self, FuncDef};
use super::lex::{self, Offset, Tok, Token};
use super::regexp;

#[derive(Debug)]
pub(crate) enum Node {
    Text(String),
    /// `{{pipeline}}`: printed unless it declares variables.
    Action(Pipe),
    If(Box<Control>),
    Range(Box<Control>),
    With(Box<Control>),
    Template {
        pos: Offset,
        name: String,
        pipe: Option<Pipe>,
    },
    Break,
    Continue,
}

#[derive(Debug)]
pub(crate) struct Control {
    pub pipe: Pipe,
    pub list: Vec<Node>,
    pub else_list: Option<Vec<Node>>,
}

#[derive(Debug)]
pub(crate) struct Pipe {
    pub pos: Offset,
    /// `$x = ...` rather than `$x := ...`.
    pub is_assign: bool,
    pub decl: Vec<String>,
    pub cmds: Vec<Command>,
}

#[derive(Debug)]
pub(crate) struct Command {
    pub pos: Offset,
    pub args: Vec<Arg>,
    /// Regex functions whose pattern is a string literal get it compiled once here.
    pub regex: Option<Regex>,
}

#[derive(Debug)]
pub(crate) enum Arg {
    Field {
        pos: Offset,
        names: Vec<String>,
    },
    Variable {
        pos: Offset,
        name: String,
        fields: Vec<String>,
    },
    Chain {
        pos: Offset,
        node: Box<Arg>,
        fields: Vec<String>,
    },
    Func {
        pos: Offset,
        def: &'static FuncDef,
    },
    Dot,
    Nil,
    Bool(bool),
    Number(NumLit),
    Str(String),
    Pipe(Box<Pipe>),
}

impl Arg {
    /// Go's `String()` of the node, used in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Arg::Field { names, .. } => names.iter().map(|n| format!(".{n}")).collect(),
            Arg::Variable { name, fields, .. } => {
                let mut s = name.clone();
                for f in fields {
                    s.push('.');
                    s.push_str(f);
                }
                s
            }
            Arg::Chain { node, fields, .. } => {
                let mut s = node.describe();
                for f in fields {
                    s.push('.');
                    s.push_str(f);
                }
                s
            }
            Arg::Func { def, .. } => def.name.to_string(),
            Arg::Dot => ".".into(),
            Arg::Nil => "nil".into(),
            Arg::Bool(b) => b.to_string(),
            Arg::Number(n) => n.text.clone(),
            Arg::Str(s) => super::gofmt::quote(s, false),
            Arg::Pipe(_) => "(pipeline)".into(),
        }
    }
}

/// A number literal with Go's `NumberNode` interpretations.
#[derive(Debug, Clone)]
pub(crate) struct NumLit {
    pub text: String,
    pub is_int: bool,
    pub int: i64,
    pub is_float: bool,
    pub float: f64,
    /// Character constant (`'a'`): an `int` as an ideal constant.
    pub is_rune: bool,
}

impl NumLit {
    /// Go's `idealConstant`: the literal's type when passed to `interface{}`.
    pub(crate) fn ideal_is_float(&self) -> bool {
        let t = self.text.to_ascii_lowercase();
        let hex_int = (t.starts_with("0x") || t.starts_with("-0x") || t.starts_with("+0x"))
            && !t.contains('p');
        self.is_float && !hex_int && !self.is_rune && t.contains(['.', 'e', 'p'])
    }
}

pub(crate) struct Tree {
    pub root: Vec<Node>,
    pub defs: HashMap<String, Vec<Node>>,
}

pub(crate) fn parse(src: &str) -> Result<Tree, TemplateError> {
    let toks = lex::lex(src)?;
    let mut p = Parser {
        src,
        toks,
        i: 0,
        vars: vec!["$".to_string()],
        range_depth: 0,
        depth: 0,
        defs: HashMap::new(),
    };
    let root = p.parse_top()?;
    Ok(Tree { root, defs: p.defs })
}

enum Item {
    Node(Node),
    End(Offset),
    /// `{{else}}`, or the `else` of `{{else if ...}}` (the keyword is left pending).
    Else(Offset),
}

struct Parser<'s> {
    src: &'s str,
    toks: Vec<Token>,
    i: usize,
    vars: Vec<String>,
    range_depth: usize,
    /// Nesting of pipelines and control structures, bounded so hostile input
    /// cannot exhaust the native stack.
    depth: usize,
    defs: HashMap<String, Vec<Node>>,
}

/// Maximum nesting of parentheses / control structures in a template.
const MAX_NESTING: usize = 100;

const EOF_TOKEN: Token = Token {
    tok: Tok::Eof,
    pos: 0,
};

fn tok_desc(t: &Tok) -> String {
    match t {
        Tok::Text(_) => "text".into(),
        Tok::LeftDelim => "\"{{\"".into(),
        Tok::RightDelim => "\"}}\"".into(),
        Tok::Space => "space".into(),
        Tok::LeftParen => "\"(\"".into(),
        Tok::RightParen => "\")\"".into(),
        Tok::Pipe => "\"|\"".into(),
        Tok::Declare => "\":=\"".into(),
        Tok::Assign => "\"=\"".into(),
        Tok::Comma => "\",\"".into(),
        Tok::Str(s) => format!("quoted string {s:?}"),
        Tok::Char(c) => format!("character constant {c:?}"),
        Tok::Number(n) => format!("number {n}"),
        Tok::Bool(b) => format!("{b}"),
        Tok::Nil => "nil".into(),
        Tok::Dot => "\".\"".into(),
        Tok::Field(f) => format!("field .{f}"),
        Tok::Variable(v) => format!("variable {v}"),
        Tok::Ident(i) => format!("identifier {i}"),
        Tok::Block => "<block>".into(),
        Tok::Break => "<break>".into(),
        Tok::Continue => "<continue>".into(),
        Tok::Define => "<define>".into(),
        Tok::Else => "<else>".into(),
        Tok::End => "<end>".into(),
        Tok::If => "<if>".into(),
        Tok::Range => "<range>".into(),
        Tok::Template => "<template>".into(),
        Tok::With => "<with>".into(),
        Tok::Eof => "EOF".into(),
    }
}

fn is_empty_tree(list: &[Node]) -> bool {
    list.iter()
        .all(|n| matches!(n, Node::Text(t) if t.trim().is_empty()))
}

impl<'s> Parser<'s> {
    fn err(&self, pos: Offset, msg: impl Into<String>) -> TemplateError {
        TemplateError::parse(self.src, pos, msg)
    }

    fn next(&mut self) -> Token {
        let t = self.toks.get(self.i).cloned().unwrap_or(EOF_TOKEN);
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn peek(&self) -> &Tok {
        self.toks.get(self.i).map(|t| &t.tok).unwrap_or(&Tok::Eof)
    }

    fn next_non_space(&mut self) -> Token {
        loop {
            let t = self.next();
            if t.tok != Tok::Space {
                return t;
            }
        }
    }

    fn peek_non_space(&mut self) -> Tok {
        let t = self.next_non_space();
        self.backup();
        t.tok
    }

    fn unexpected(&self, t: &Token, context: &str) -> TemplateError {
        self.err(
            t.pos,
            format!("unexpected {} in {context}", tok_desc(&t.tok)),
        )
    }

    fn parse_top(&mut self) -> Result<Vec<Node>, TemplateError> {
        let mut list = Vec::new();
        loop {
            match self.peek() {
                Tok::Eof => break,
                Tok::LeftDelim => {
                    let save = self.i;
                    self.next();
                    if self.next_non_space().tok == Tok::Define {
                        self.parse_definition()?;
                        continue;
                    }
                    self.i = save;
                }
                _ => {}
            }
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                Item::End(pos) => return Err(self.err(pos, "unexpected {{end}}")),
                Item::Else(pos) => return Err(self.err(pos, "unexpected {{else}}")),
            }
        }
        Ok(list)
    }

    fn template_name(&mut self, context: &str) -> Result<String, TemplateError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Str(s) => Ok(s),
            _ => Err(self.unexpected(&t, context)),
        }
    }

    fn add_def(&mut self, name: String, list: Vec<Node>) {
        // Like Go's `associate`: an empty body never replaces an existing one.
        if self.defs.contains_key(&name) && is_empty_tree(&list) {
            return;
        }
        self.defs.insert(name, list);
    }

    /// Parse a body with a fresh variable scope (define / block bodies).
    fn isolated_body(&mut self, context: &str) -> Result<Vec<Node>, TemplateError> {
        self.enter()?;
        let r = self.isolated_body_inner(context);
        self.depth -= 1;
        r
    }

    fn isolated_body_inner(&mut self, context: &str) -> Result<Vec<Node>, TemplateError> {
        let saved_vars = std::mem::replace(&mut self.vars, vec!["$".to_string()]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        match end {
            Item::End(_) => Ok(list),
            Item::Else(pos) => Err(self.err(pos, format!("unexpected {{{{else}}}} in {context}"))),
            Item::Node(_) => Err(self.err(0, format!("unexpected node in {context}"))),
        }
    }

    fn parse_definition(&mut self) -> Result<(), TemplateError> {
        let name = self.template_name("define clause")?;
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return Err(self.unexpected(&t, "define clause"));
        }
        let list = self.isolated_body("define clause")?;
        self.add_def(name, list);
        Ok(())
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, Item), TemplateError> {
        let mut list = Vec::new();
        while self.peek_non_space() != Tok::Eof {
            match self.text_or_action()? {
                Item::Node(n) => list.push(n),
                other => return Ok((list, other)),
            }
        }
        let pos = self.src.len();
        Err(self.err(pos, "unexpected EOF"))
    }

    fn text_or_action(&mut self) -> Result<Item, TemplateError> {
        let t = self.next_non_space();
        match t.tok {
            Tok::Text(s) => Ok(Item::Node(Node::Text(s))),
            Tok::LeftDelim => self.action(),
            _ => Err(self.unexpected(&t, "input")),
        }
    }

    fn expect_right_delim(&mut self, context: &str) -> Result<(), TemplateError> {
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return Err(self.unexpected(&t, context));
        }
        Ok(())
    }

    fn action(&mut self) -> Result<Item, TemplateError> {
        let t = self.next_non_space();
        let pos = t.pos;
        match t.tok {
            Tok::Block => self.block_control(pos).map(Item::Node),
            Tok::Break | Tok::Continue => {
                let is_break = t.tok == Tok::Break;
                let name = if is_break {
                    "{{break}}"
                } else {
                    "{{continue}}"
                };
                if self.range_depth == 0 {
                    return Err(self.err(pos, format!("{name} outside {{{{range}}}}")));
                }
                self.expect_right_delim(name)?;
                Ok(Item::Node(if is_break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            Tok::Else => {
                // `else if` / `else with`: leave the keyword for the enclosing control.
                match self.peek_non_space() {
                    Tok::If | Tok::With => Ok(Item::Else(pos)),
                    _ => {
                        self.expect_right_delim("else")?;
                        Ok(Item::Else(pos))
                    }
                }
            }
            Tok::End => {
                self.expect_right_delim("end")?;
                Ok(Item::End(pos))
            }
            Tok::If => self
                .control("if")
                .map(|c| Item::Node(Node::If(Box::new(c)))),
            Tok::Range => self
                .control("range")
                .map(|c| Item::Node(Node::Range(Box::new(c)))),
            Tok::With => self
                .control("with")
                .map(|c| Item::Node(Node::With(Box::new(c)))),
            Tok::Template => {
                let name = self.template_name("template clause")?;
                let pipe = if self.next_non_space().tok != Tok::RightDelim {
                    self.backup();
                    Some(self.pipeline("template clause", &Tok::RightDelim)?)
                } else {
                    None
                };
                Ok(Item::Node(Node::Template { pos, name, pipe }))
            }
            Tok::Define => Err(self.err(pos, "{{define}} is only allowed at the top level")),
            _ => {
                self.backup();
                Ok(Item::Node(Node::Action(
                    self.pipeline("command", &Tok::RightDelim)?,
                )))
            }
        }
    }

    fn block_control(&mut self, pos: Offset) -> Result<Node, TemplateError> {
        let name = self.template_name("block clause")?;
        let pipe = self.pipeline("block clause", &Tok::RightDelim)?;
        let list = self.isolated_body("block clause")?;
        self.add_def(name.clone(), list);
        Ok(Node::Template {
            pos,
            name,
            pipe: Some(pipe),
        })
    }

    fn enter(&mut self) -> Result<(), TemplateError> {
        if self.depth >= MAX_NESTING {
            let pos = self.toks.get(self.i).map(|t| t.pos).unwrap_or(0);
            return Err(self.err(
                pos,
                format!("template nesting exceeds {MAX_NESTING} levels"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn control(&mut self, context: &str) -> Result<Control, TemplateError> {
        self.enter()?;
        let r = self.control_inner(context);
        self.depth -= 1;
        r
    }

    fn control_inner(&mut self, context: &str) -> Result<Control, TemplateError> {
        let mark = self.vars.len();
        let pipe = self.pipeline(context, &Tok::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let (list, next) = self.item_list()?;
        if context == "range" {
            self.range_depth -= 1;
        }
        let mut else_list = None;
        match next {
            Item::End(_) => {}
            Item::Else(pos) => {
                // `{{if a}}x{{else if b}}y{{end}}` is `{{if a}}x{{else}}{{if b}}y{{end}}{{end}}`
                // with the inner `if` consuming the single `{{end}}`.
                let chained = match (context, self.peek_non_space()) {
                    ("if", Tok::If) => Some("if"),
                    ("with", Tok::With) => Some("with"),
                    _ => None,
                };
                if let Some(kind) = chained {
                    self.next_non_space();
                    let inner = self.control(kind)?;
                    let node = if kind == "if" {
                        Node::If(Box::new(inner))
                    } else {
                        Node::With(Box::new(inner))
                    };
                    else_list = Some(vec![node]);
                } else {
                    if matches!(self.peek_non_space(), Tok::If | Tok::With) {
                        return Err(self.err(pos, format!("unexpected else-chain in {context}")));
                    }
                    let (l, end) = self.item_list()?;
                    if let Item::Else(p) = end {
                        return Err(self.err(p, "expected end; found {{else}}"));
                    }
                    else_list = Some(l);
                }
            }
            Item::Node(_) => {}
        }
        self.vars.truncate(mark);
        Ok(Control {
            pipe,
            list,
            else_list,
        })
    }

    fn pipeline(&mut self, context: &str, end: &Tok) -> Result<Pipe, TemplateError> {
        self.enter()?;
        let r = self.pipeline_inner(context, end);
        self.depth -= 1;
        r
    }

    fn pipeline_inner(&mut self, context: &str, end: &Tok) -> Result<Pipe, TemplateError> {
        let pos = {
            let t = self.next_non_space();
            self.backup();
            t.pos
        };
        let mut pipe = Pipe {
            pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        // Declarations: `$x :=`, `$x =`, `$i, $v :=` (range only).
        loop {
            let save = self.i;
            let v = self.next_non_space();
            let Tok::Variable(name) = v.tok else {
                self.i = save;
                break;
            };
            let next = self.next_non_space();
            match next.tok {
                Tok::Declare | Tok::Assign => {
                    pipe.is_assign = next.tok == Tok::Assign;
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    break;
                }
                Tok::Comma => {
                    pipe.decl.push(name.clone());
                    self.vars.push(name);
                    if context == "range" && pipe.decl.len() < 2 {
                        match self.peek_non_space() {
                            Tok::Variable(_) | Tok::RightDelim | Tok::RightParen => continue,
                            _ => {
                                return Err(
                                    self.err(next.pos, "range can only initialize variables")
                                )
                            }
                        }
                    }
                    return Err(self.err(next.pos, format!("too many declarations in {context}")));
                }
                _ => {
                    self.i = save;
                    break;
                }
            }
        }
        loop {
            let t = self.next_non_space();
            if &t.tok == end {
                self.check_pipeline(&pipe, context)?;
                return Ok(pipe);
            }
            match t.tok {
                Tok::Bool(_)
                | Tok::Char(_)
                | Tok::Dot
                | Tok::Field(_)
                | Tok::Ident(_)
                | Tok::Number(_)
                | Tok::Nil
                | Tok::Str(_)
                | Tok::Variable(_)
                | Tok::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&t, context)),
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> Result<(), TemplateError> {
        if pipe.cmds.is_empty() {
            return Err(self.err(pipe.pos, format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(Arg::Bool(_) | Arg::Dot | Arg::Nil | Arg::Number(_) | Arg::Str(_))
            ) {
                return Err(self.err(
                    c.pos,
                    format!("non executable command in pipeline stage {}", i + 1),
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command, TemplateError> {
        let pos = {
            let t = self.next_non_space();
            self.backup();
            t.pos
        };
        let mut args = Vec::new();
        loop {
            self.peek_non_space();
            if let Some(op) = self.operand()? {
                args.push(op);
            }
            let t = self.next();
            match t.tok {
                Tok::Space => continue,
                Tok::RightDelim | Tok::RightParen => self.backup(),
                Tok::Pipe => {}
                _ => return Err(self.unexpected(&t, "operand")),
            }
            break;
        }
        if args.is_empty() {
            return Err(self.err(pos, "empty command"));
        }
        // Precompile a literal regex pattern once per template.
        let mut regex = None;
        if let (Some(Arg::Func { def, .. }), Some(Arg::Str(pat))) = (args.first(), args.get(1)) {
            if def.regex_first_arg {
                regex = regexp::compile(pat).ok();
            }
        }
        Ok(Command { pos, args, regex })
    }

    fn operand(&mut self) -> Result<Option<Arg>, TemplateError> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if !matches!(self.peek(), Tok::Field(_)) {
            return Ok(Some(node));
        }
        let chain_pos = self.toks.get(self.i).map(|t| t.pos).unwrap_or(0);
        let mut fields = Vec::new();
        while let Tok::Field(f) = self.peek().clone() {
            self.next();
            fields.push(f);
        }
        Ok(Some(match node {
            Arg::Field { pos, mut names } => {
                names.extend(fields);
                Arg::Field { pos, names }
            }
            Arg::Variable {
                pos,
                name,
                fields: mut f0,
            } => {
                f0.extend(fields);
                Arg::Variable {
                    pos,
                    name,
                    fields: f0,
                }
            }
            Arg::Bool(_) | Arg::Str(_) | Arg::Number(_) | Arg::Nil | Arg::Dot => {
                return Err(self.err(
                    chain_pos,
                    format!("unexpected . after term {:?}", node.describe()),
                ));
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>, TemplateError> {
        let t = self.next_non_space();
        let pos = t.pos;
        Ok(Some(match t.tok {
            Tok::Ident(name) => match funcs::lookup(&name) {
                Some(def) => Arg::Func { pos, def },
                None => {
                    return Err(TemplateError::UnknownFunction {
                        name,
                        pos: Pos::locate(self.src, pos),
                    })
                }
            },
            Tok::Dot => Arg::Dot,
            Tok::Nil => Arg::Nil,
            Tok::Variable(name) => {
                if !self.vars.contains(&name) {
                    return Err(self.err(pos, format!("undefined variable {name:?}")));
                }
                Arg::Variable {
                    pos,
                    name,
                    fields: Vec::new(),
                }
            }
            Tok::Field(f) => Arg::Field {
                pos,
                names: vec![f],
            },
            Tok::Bool(b) => Arg::Bool(b),
            Tok::Char(c) => {
                let v = i64::from(u32::from(c));
                Arg::Number(NumLit {
                    text: format!("'{c}'"),
                    is_int: true,
                    int: v,
                    is_float: true,
                    float: v as f64,
                    is_rune: true,
                })
            }
            Tok::Number(text) => Arg::Number(parse_number(&text).map_err(|m| self.err(pos, m))?),
            Tok::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", &Tok::RightParen)?,
            )),
            Tok::Str(s) => Arg::Str(s),
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` syntax (sign, 0x/0o/0b/0 prefixes, underscores).
pub(crate) fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(r) = lower.strip_prefix("0x") {
        (16, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0o") {
        (8, r.to_string(), true)
    } else if let Some(r) = lower.strip_prefix("0b") {
        (2, r.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    if digits.contains('_') {
        // Underscores only between digits (or right after a base prefix).
        let ok = (prefixed || !digits.starts_with('_'))
            && !digits.ends_with('_')
            && !digits.contains("__");
        if !ok || radix == 10 && !prefixed && body.starts_with('_') {
            return None;
        }
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    if clean.is_empty() {
        return None;
    }
    let v = u128::from_str_radix(&clean, radix).ok()?;
    let v = i128::try_from(v).ok()?;
    Some(if neg { -v } else { v })
}

/// Go's `parse.NumberNode` interpretation of a number literal.
fn parse_number(text: &str) -> Result<NumLit, String> {
    if text.ends_with('i') {
        return Err(format!(
            "complex number literals are not supported: {text:?}"
        ));
    }
    let mut n = NumLit {
        text: text.to_string(),
        is_int: false,
        int: 0,
        is_float: false,
        float: 0.0,
        is_rune: false,
    };
    let parsed = go_parse_int(text);
    let mut is_uint = false;
    if let Some(v) = parsed {
        if let Ok(i) = i64::try_from(v) {
            n.is_int = true;
            n.int = i;
            n.is_float = true;
            n.float = i as f64;
        } else if v >= 0 && u64::try_from(v).is_ok() {
            is_uint = true;
            n.is_float = true;
            n.float = v as f64;
        }
    }
    if !n.is_int && !is_uint {
        let lower = text.to_ascii_lowercase();
        if lower.contains("0x") {
            return Err(format!(
                "hexadecimal float literals are not supported: {text:?}"
            ));
        }
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        match clean.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                if !text.contains(['.', 'e', 'E', 'p', 'P']) {
                    return Err(format!("integer overflow: {text:?}"));
                }
                n.is_float = true;
                n.float = f;
                if f == f.trunc() && f.abs() < 9.2e18 {
                    n.is_int = true;
                    n.int = f as i64;
                }
            }
            _ => return Err(format!("illegal number syntax: {text:?}")),
        }
    }
    if !n.is_int && !n.is_float {
        return Err(format!("illegal number syntax: {text:?}"));
    }
    if is_uint && !n.is_int {
        // Fits uint64 but not int64: Go keeps it as a uint constant.
        n.is_float = true;
    }
    Ok(n)
}
