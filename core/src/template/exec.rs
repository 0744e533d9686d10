//! Tree-walking evaluator with Go `text/template` execution semantics.
//!
//! Key behaviours reproduced from Go's `exec.go`:
//! - a missing map key yields the invalid value, printed as `<no value>`;
//!   chaining through it stays missing, but chaining through a JSON `null`
//!   fails (`nil pointer evaluating interface {}.x`);
//! - pipeline results holding a nil interface become the invalid value;
//! - arguments are type-checked against the function's Go signature;
//! - `and`/`or` short-circuit; `range` visits map keys in sorted order;
//! - variables are scoped to the enclosing control structure.

use std::borrow::Cow;

use regex::Regex;

use super::error::{Pos, TemplateError};
use super::funcs::{FuncDef, F, P};
use super::gofmt;
use super::lex::Offset;
use super::parse::{Arg, Command, Control, Node, NumLit, Pipe, Tree};
use super::sprig::{self, CallCtx, FnErr, Rng};
use super::timefmt::{duration_string, format as time_format};
use super::value::{Value, K};
use super::ExecOptions;

/// Bound on nested evaluation (control structures, parenthesised pipelines and
/// template calls together). Go's `maxExecDepth` is 100000 on growable
/// goroutine stacks; this bound keeps recursion inside a 1 MiB native stack
/// (wasm) even in debug builds.
pub(crate) const MAX_DEPTH: usize = 200;

/// Output cap: templates render parameter values, never bulk data, and a
/// runaway loop must not exhaust memory.
pub(crate) const MAX_OUTPUT: usize = 64 << 20;

/// Errors are boxed inside the evaluator to keep `Result<Value>` small on the hot path.
type R<T> = Result<T, Box<TemplateError>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) struct Exec<'a, 'o> {
    tree: &'a Tree,
    src: &'a str,
    opts: &'o ExecOptions,
    /// `$`, kept apart from `vars` so plain templates never allocate a stack.
    root: Value<'a>,
    vars: Vec<(&'a str, Value<'a>)>,
    depth: usize,
    rng: Option<Rng>,
}

/// Print a pipeline result the way Go's `printValue` does.
pub(crate) fn print_value(out: &mut String, v: &Value<'_>) {
    match v {
        Value::Missing | Value::Json(serde_json::Value::Null) => out.push_str("<no value>"),
        Value::Str(s) => out.push_str(s),
        Value::Json(serde_json::Value::String(s)) => out.push_str(s),
        other => gofmt::write_v(out, other),
    }
}

impl<'a, 'o> Exec<'a, 'o> {
    pub(crate) fn new(
        tree: &'a Tree,
        src: &'a str,
        opts: &'o ExecOptions,
        root: Value<'a>,
    ) -> Self {
        Exec {
            tree,
            src,
            opts,
            root,
            vars: Vec::new(),
            depth: 0,
            rng: opts.random_seed.map(Rng::new),
        }
    }

    pub(crate) fn run(&mut self, out: &mut String) -> Result<(), TemplateError> {
        let dot = self.root.clone();
        self.walk(&dot, &self.tree.root, out).map_err(|e| *e)?;
        Ok(())
    }

    #[cold]
    fn err(&self, pos: Offset, msg: impl Into<String>) -> Box<TemplateError> {
        Box::new(TemplateError::Exec {
            pos: Pos::locate(self.src, pos),
            msg: msg.into(),
        })
    }

    fn enter(&mut self, pos: Offset) -> R<()> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err(
                pos,
                format!("exceeded maximum template depth ({MAX_DEPTH})"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn walk(&mut self, dot: &Value<'a>, list: &'a [Node], out: &mut String) -> R<Flow> {
        self.enter(0)?;
        let r = self.walk_inner(dot, list, out);
        self.depth -= 1;
        r
    }

    fn walk_inner(&mut self, dot: &Value<'a>, list: &'a [Node], out: &mut String) -> R<Flow> {
        for node in list {
            if out.len() > MAX_OUTPUT {
                return Err(self.err(0, format!("template output exceeds {MAX_OUTPUT} bytes")));
            }
            match node {
                Node::Text(s) => out.push_str(s),
                Node::Action(pipe) => {
                    let v = self.eval_pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        print_value(out, &v);
                    }
                }
                Node::If(c) | Node::With(c) => {
                    let is_with = matches!(node, Node::With(_));
                    let mark = self.vars.len();
                    let v = self.eval_pipeline(dot, &c.pipe)?;
                    let flow = if v.truth() {
                        if is_with {
                            self.walk(&v, &c.list, out)?
                        } else {
                            self.walk(dot, &c.list, out)?
                        }
                    } else if let Some(e) = &c.else_list {
                        self.walk(dot, e, out)?
                    } else {
                        Flow::Normal
                    };
                    self.vars.truncate(mark);
                    if flow != Flow::Normal {
                        return Ok(flow);
                    }
                }
                Node::Range(c) => self.walk_range(dot, c, out)?,
                Node::Template { pos, name, pipe } => {
                    let Some(body) = self.tree.defs.get(name) else {
                        return Err(self.err(*pos, format!("no such template {name:?}")));
                    };
                    let new_dot = match pipe {
                        Some(p) => self.eval_pipeline(dot, p)?,
                        None => Value::Missing,
                    };
                    if self.depth >= MAX_DEPTH {
                        return Err(self.err(
                            *pos,
                            format!("exceeded maximum template depth ({MAX_DEPTH})"),
                        ));
                    }
                    // A template call sees only its own `$` (Go copies the state with fresh vars).
                    let saved_vars = std::mem::take(&mut self.vars);
                    let saved_root = std::mem::replace(&mut self.root, new_dot.clone());
                    let r = self.walk(&new_dot, body, out);
                    self.root = saved_root;
                    self.vars = saved_vars;
                    r?;
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk_range(&mut self, dot: &Value<'a>, c: &'a Control, out: &mut String) -> R<()> {
        let mark = self.vars.len();
        let val = self.eval_pipeline(dot, &c.pipe)?;
        let mut ran = false;
        let items: Option<Vec<(Value<'a>, Value<'a>)>> = match val.k() {
            K::JList(_) | K::List(_) => Some(
                val.list_items()
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (Value::Int(i as i64), v))
                    .collect(),
            ),
            K::JMap(_) | K::Map(_) | K::Input => Some(
                val.map_entries()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (Value::string(k), v))
                    .collect(),
            ),
            K::Int(n) | K::Int64(n) => {
                // Go 1.22: range over an integer.
                if c.pipe.decl.len() > 1 {
                    return Err(self.err(
                        c.pipe.pos,
                        format!("can't use {n} to iterate over more than one variable"),
                    ));
                }
                let is64 = matches!(val, Value::Int64(_));
                if n > 10_000_000 {
                    return Err(self.err(
                        c.pipe.pos,
                        format!("range over {n} exceeds the iteration limit"),
                    ));
                }
                Some(
                    (0..n.max(0))
                        .map(|i| {
                            let v = if is64 { Value::Int64(i) } else { Value::Int(i) };
                            (v.clone(), v)
                        })
                        .collect(),
                )
            }
            K::Nil => None,
            _ => {
                let mut s = String::new();
                print_value(&mut s, &val);
                return Err(self.err(c.pipe.pos, format!("range can't iterate over {s}")));
            }
        };
        for (index, elem) in items.unwrap_or_default() {
            ran = true;
            let n = c.pipe.decl.len();
            if n > 0 {
                if c.pipe.is_assign {
                    let target = if n > 1 { index.clone() } else { elem.clone() };
                    self.set_var(&c.pipe.decl[0], target, c.pipe.pos)?;
                } else if let Some(top) = self.vars.last_mut() {
                    top.1 = elem.clone();
                }
            }
            if n > 1 {
                if c.pipe.is_assign {
                    self.set_var(&c.pipe.decl[1], elem.clone(), c.pipe.pos)?;
                } else {
                    let len = self.vars.len();
                    if len >= 2 {
                        self.vars[len - 2].1 = index;
                    }
                }
            }
            let body_mark = self.vars.len();
            let flow = self.walk(&elem, &c.list, out);
            self.vars.truncate(body_mark);
            if flow? == Flow::Break {
                break;
            }
        }
        if !ran {
            if let Some(e) = &c.else_list {
                self.walk(dot, e, out)?;
            }
        }
        self.vars.truncate(mark);
        Ok(())
    }

    fn lookup_var(&self, name: &str, pos: Offset) -> R<Value<'a>> {
        if name == "$" {
            return Ok(self.root.clone());
        }
        match self.vars.iter().rev().find(|(n, _)| *n == name) {
            Some((_, v)) => Ok(v.clone()),
            None => Err(self.err(pos, format!("undefined variable: {name}"))),
        }
    }

    fn set_var(&mut self, name: &str, v: Value<'a>, pos: Offset) -> R<()> {
        if name == "$" {
            self.root = v;
            return Ok(());
        }
        match self.vars.iter_mut().rev().find(|(n, _)| *n == name) {
            Some(slot) => {
                slot.1 = v;
                Ok(())
            }
            None => Err(self.err(pos, format!("undefined variable: {name}"))),
        }
    }

    fn eval_pipeline(&mut self, dot: &Value<'a>, pipe: &'a Pipe) -> R<Value<'a>> {
        self.enter(pipe.pos)?;
        let r = self.eval_pipeline_inner(dot, pipe);
        self.depth -= 1;
        r
    }

    fn eval_pipeline_inner(&mut self, dot: &Value<'a>, pipe: &'a Pipe) -> R<Value<'a>> {
        let mut val: Option<Value<'a>> = None;
        for cmd in &pipe.cmds {
            let v = self.eval_command(dot, cmd, val.take())?;
            // A nil interface result becomes the invalid value (Go digs into interfaces here).
            val = Some(if v.is_nil() { Value::Missing } else { v });
        }
        let v = val.unwrap_or(Value::Missing);
        for name in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, v.clone(), pipe.pos)?;
            } else {
                self.vars.push((name.as_str(), v.clone()));
            }
        }
        Ok(v)
    }

    fn not_a_function(&self, args: &'a [Arg], fin: &Option<Value<'a>>, pos: Offset) -> R<()> {
        if args.len() > 1 || fin.is_some() {
            let name = args.first().map(Arg::describe).unwrap_or_default();
            return Err(self.err(pos, format!("can't give argument to non-function {name}")));
        }
        Ok(())
    }

    fn ideal(&self, n: &NumLit, pos: Offset) -> R<Value<'a>> {
        if n.ideal_is_float() {
            Ok(Value::Float(n.float))
        } else if n.is_int {
            Ok(Value::Int(n.int))
        } else {
            Err(self.err(pos, format!("{} overflows int", n.text)))
        }
    }

    fn eval_command(
        &mut self,
        dot: &Value<'a>,
        cmd: &'a Command,
        fin: Option<Value<'a>>,
    ) -> R<Value<'a>> {
        let Some(first) = cmd.args.first() else {
            return Err(self.err(cmd.pos, "empty command"));
        };
        let pos = cmd.pos;
        match first {
            Arg::Field { pos, names } => {
                self.eval_field_chain(dot, dot.clone(), names, &cmd.args, fin, *pos)
            }
            Arg::Chain { pos, node, fields } => {
                if matches!(**node, Arg::Nil) {
                    return Err(self.err(*pos, "indirection through explicit nil"));
                }
                let recv = self.eval_arg_any(dot, node, *pos)?;
                self.eval_field_chain(dot, recv, fields, &cmd.args, fin, *pos)
            }
            Arg::Func { pos, def } => {
                self.eval_function(dot, def, &cmd.args, fin, *pos, cmd.regex.as_ref())
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin, pos)?;
                self.eval_pipeline(dot, p)
            }
            Arg::Variable { pos, name, fields } => {
                let v = self.lookup_var(name, *pos)?;
                if fields.is_empty() {
                    self.not_a_function(&cmd.args, &fin, *pos)?;
                    Ok(v)
                } else {
                    self.eval_field_chain(dot, v, fields, &cmd.args, fin, *pos)
                }
            }
            Arg::Bool(b) => {
                self.not_a_function(&cmd.args, &fin, pos)?;
                Ok(Value::Bool(*b))
            }
            Arg::Dot => {
                self.not_a_function(&cmd.args, &fin, pos)?;
                Ok(dot.clone())
            }
            Arg::Nil => Err(self.err(pos, "nil is not a command")),
            Arg::Number(n) => {
                self.not_a_function(&cmd.args, &fin, pos)?;
                self.ideal(n, pos)
            }
            Arg::Str(s) => {
                self.not_a_function(&cmd.args, &fin, pos)?;
                Ok(Value::Str(Cow::Borrowed(s)))
            }
        }
    }

    /// Evaluate an argument where Go expects `interface{}`.
    fn eval_arg_any(&mut self, dot: &Value<'a>, node: &'a Arg, pos: Offset) -> R<Value<'a>> {
        match node {
            Arg::Dot => Ok(dot.clone()),
            Arg::Nil => Ok(Value::Missing),
            Arg::Field { pos, names } => {
                self.eval_field_chain(dot, dot.clone(), names, &[], None, *pos)
            }
            Arg::Variable { pos, name, fields } => {
                let v = self.lookup_var(name, *pos)?;
                if fields.is_empty() {
                    Ok(v)
                } else {
                    self.eval_field_chain(dot, v, fields, &[], None, *pos)
                }
            }
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Func { pos, def } => {
                self.eval_function(dot, def, std::slice::from_ref(node), None, *pos, None)
            }
            Arg::Chain {
                pos,
                node: inner,
                fields,
            } => {
                if matches!(**inner, Arg::Nil) {
                    return Err(self.err(*pos, "indirection through explicit nil"));
                }
                let recv = self.eval_arg_any(dot, inner, *pos)?;
                self.eval_field_chain(dot, recv, fields, &[], None, *pos)
            }
            Arg::Bool(b) => Ok(Value::Bool(*b)),
            Arg::Number(n) => self.ideal(n, pos),
            Arg::Str(s) => Ok(Value::Str(Cow::Borrowed(s))),
        }
    }

    fn eval_field_chain(
        &mut self,
        dot: &Value<'a>,
        receiver: Value<'a>,
        names: &'a [String],
        args: &'a [Arg],
        fin: Option<Value<'a>>,
        pos: Offset,
    ) -> R<Value<'a>> {
        let Some((last, init)) = names.split_last() else {
            return Ok(receiver);
        };
        let mut recv = receiver;
        let mut rest = init;
        if let Value::Input(j) = recv {
            // `.Input...` on the Argo root: step straight into the borrowed input.
            match rest.split_first() {
                Some((first, tail)) if first == "Input" => {
                    recv = Value::Json(j);
                    rest = tail;
                }
                _ => {}
            }
        }
        if let Value::Json(mut j) = recv {
            // Hot path: walk borrowed JSON objects without building values.
            while let (Some((name, tail)), serde_json::Value::Object(m)) = (rest.split_first(), j) {
                match m.get(name.as_str()) {
                    Some(next) => j = next,
                    // A missing key makes the rest of the chain missing (Go ignores args then).
                    None => return Ok(Value::Missing),
                }
                rest = tail;
            }
            recv = Value::Json(j);
        }
        for name in rest {
            recv = self.eval_field(dot, name, recv, &[], None, pos)?;
        }
        self.eval_field(dot, last, recv, args, fin, pos)
    }

    fn eval_field(
        &mut self,
        dot: &Value<'a>,
        name: &str,
        recv: Value<'a>,
        args: &'a [Arg],
        fin: Option<Value<'a>>,
        pos: Offset,
    ) -> R<Value<'a>> {
        let has_args = args.len() > 1 || fin.is_some();
        match &recv {
            Value::Missing => Ok(Value::Missing),
            Value::Json(serde_json::Value::Null) => {
                Err(self.err(pos, format!("nil pointer evaluating interface {{}}.{name}")))
            }
            Value::Time(_) | Value::Duration(_) => {
                let mut margs = Vec::new();
                for a in args.iter().skip(1) {
                    margs.push(self.eval_arg_any(dot, a, pos)?);
                }
                if let Some(f) = fin {
                    margs.push(f);
                }
                method(&recv, name, margs).map_err(|m| self.err(pos, m))
            }
            r if r.is_map() => {
                if has_args {
                    return Err(self.err(pos, format!("{name} is not a method but has arguments")));
                }
                Ok(r.map_get(name).unwrap_or(Value::Missing))
            }
            r => Err(self.err(
                pos,
                format!("can't evaluate field {name} in type {}", r.go_type()),
            )),
        }
    }

    /// Go's `evalArg` for a typed parameter.
    fn eval_arg(&mut self, dot: &Value<'a>, node: &'a Arg, p: P, pos: Offset) -> R<Value<'a>> {
        match node {
            Arg::Nil => {
                if p.nilable() {
                    Ok(Value::Missing)
                } else {
                    Err(self.err(pos, format!("cannot assign nil to {}", p.go_name())))
                }
            }
            Arg::Bool(b) => match p {
                P::Any | P::Bool => Ok(Value::Bool(*b)),
                _ => Err(self.literal_mismatch(p, &node.describe(), pos)),
            },
            Arg::Number(n) => match p {
                P::Any => self.ideal(n, pos),
                P::Int if n.is_int => Ok(Value::Int(n.int)),
                P::Float if n.is_float => Ok(Value::Float(n.float)),
                _ => Err(self.literal_mismatch(p, &n.text, pos)),
            },
            Arg::Str(s) => match p {
                P::Any | P::Str => Ok(Value::Str(Cow::Borrowed(s))),
                _ => Err(self.literal_mismatch(p, &node.describe(), pos)),
            },
            _ => {
                let v = self.eval_arg_any(dot, node, pos)?;
                self.validate(v, p, pos)
            }
        }
    }

    fn literal_mismatch(&self, p: P, found: &str, pos: Offset) -> Box<TemplateError> {
        let what = match p {
            P::Int => "integer",
            P::Float => "float",
            P::Str => "string",
            P::Bool => "bool",
            _ => {
                return self.err(
                    pos,
                    format!("can't handle {found} for arg of type {}", p.go_name()),
                )
            }
        };
        self.err(pos, format!("expected {what}; found {found}"))
    }

    /// Go's `validateType`: is the value assignable to the parameter type?
    fn validate(&self, v: Value<'a>, p: P, pos: Offset) -> R<Value<'a>> {
        if v.is_nil() {
            return if p.nilable() {
                Ok(Value::Missing)
            } else {
                Err(self.err(pos, format!("invalid value; expected {}", p.go_name())))
            };
        }
        let ok = match p {
            P::Any => true,
            P::Str => v.as_str().is_some(),
            P::Int => matches!(v, Value::Int(_)),
            P::Float => matches!(v.k(), K::Float(_)),
            P::Bool => matches!(v.k(), K::Bool(_)),
            P::Map => v.is_map(),
            P::Time => matches!(v, Value::Time(_)),
        };
        if ok {
            Ok(v)
        } else {
            Err(self.err(
                pos,
                format!(
                    "wrong type for value; expected {}; got {}",
                    p.go_name(),
                    v.go_type()
                ),
            ))
        }
    }

    fn eval_function(
        &mut self,
        dot: &Value<'a>,
        def: &'static FuncDef,
        args: &'a [Arg],
        fin: Option<Value<'a>>,
        pos: Offset,
        regex: Option<&'a Regex>,
    ) -> R<Value<'a>> {
        let rest = args.get(1..).unwrap_or(&[]);
        let given = rest.len() + usize::from(fin.is_some());
        if matches!(def.f, F::And | F::Or) {
            // Short-circuit: return the first falsy (and) / truthy (or) operand, else the last.
            if given == 0 {
                return Err(self.err(
                    pos,
                    format!(
                        "wrong number of args for {}: want at least 1 got 0",
                        def.name
                    ),
                ));
            }
            let want = def.f == F::Or;
            let mut v = Value::Missing;
            for a in rest {
                v = self.eval_arg(dot, a, P::Any, pos)?;
                if v.truth() == want {
                    return Ok(v);
                }
            }
            if let Some(f) = fin {
                v = f;
            }
            return Ok(v);
        }
        if def.f == F::Unsupported {
            return Err(Box::new(TemplateError::Unsupported {
                name: def.name.to_string(),
                pos: Pos::locate(self.src, pos),
            }));
        }
        let np = def.params.len();
        let arity_ok = match def.variadic {
            None => given == np,
            Some(_) => given >= np,
        };
        if !arity_ok {
            let at_least = if def.variadic.is_some() {
                "at least "
            } else {
                ""
            };
            return Err(self.err(
                pos,
                format!(
                    "wrong number of args for {}: want {at_least}{np} got {given}",
                    def.name
                ),
            ));
        }
        let mut vals = Vec::with_capacity(given);
        for (i, a) in rest.iter().enumerate() {
            vals.push(self.eval_arg(dot, a, def.param(i), pos)?);
        }
        if let Some(f) = fin {
            vals.push(self.validate(f, def.param(given - 1), pos)?);
        }
        let mut ctx = CallCtx {
            now: self.opts.now,
            rng: &mut self.rng,
            regex,
        };
        sprig::call(&mut ctx, def, vals).map_err(|e| match e {
            FnErr::Call(m) => self.err(pos, format!("error calling {}: {m}", def.name)),
            FnErr::Plain(m) => self.err(pos, m),
        })
    }
}

/// Methods on `time.Time` and `time.Duration` values (`{{ now.Unix }}`).
fn method<'a>(recv: &Value<'a>, name: &str, args: Vec<Value<'a>>) -> Result<Value<'a>, String> {
    let want = |n: usize| -> Result<(), String> {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "wrong number of args for {name}: want {n} got {}",
                args.len()
            ))
        }
    };
    match recv {
        Value::Time(t) => match name {
            "Format" => {
                want(1)?;
                let layout = args[0]
                    .as_str()
                    .ok_or("wrong type for value; expected string")?;
                Ok(Value::string(time_format(t, layout)))
            }
            "String" => want(0).map(|_| Value::string(t.go_string())),
            "Unix" => want(0).map(|_| Value::Int64(t.unix())),
            "UnixMilli" => want(0).map(|_| Value::Int64((t.unix_nano() / 1_000_000) as i64)),
            "UnixMicro" => want(0).map(|_| Value::Int64((t.unix_nano() / 1_000) as i64)),
            "UnixNano" => want(0).map(|_| Value::Int64(t.unix_nano() as i64)),
            "Year" | "Day" | "Hour" | "Minute" | "Second" | "Nanosecond" | "YearDay" => {
                use chrono::{Datelike, Timelike};
                want(0)?;
                let dt = &t.dt;
                let v = match name {
                    "Year" => i64::from(dt.year()),
                    "Day" => i64::from(dt.day()),
                    "Hour" => i64::from(dt.hour()),
                    "Minute" => i64::from(dt.minute()),
                    "Second" => i64::from(dt.second()),
                    "Nanosecond" => i64::from(dt.nanosecond()),
                    _ => i64::from(dt.ordinal()),
                };
                Ok(Value::Int(v))
            }
            "Month" => want(0).map(|_| Value::string(time_format(t, "January"))),
            "Weekday" => want(0).map(|_| Value::string(time_format(t, "Monday"))),
            "UTC" | "Local" => want(0).map(|_| Value::Time(std::rc::Rc::new(t.in_zone("UTC")))),
            "IsZero" => want(0).map(|_| Value::Bool(t.same_as(&super::timefmt::GoTime::zero()))),
            "Add" => {
                want(1)?;
                let d = match args[0] {
                    Value::Duration(d) | Value::Int(d) | Value::Int64(d) => d,
                    _ => return Err("wrong type for value; expected time.Duration".into()),
                };
                t.add_nanos(d)
                    .map(|t| Value::Time(std::rc::Rc::new(t)))
                    .ok_or_else(|| "time out of range".to_string())
            }
            "Sub" | "Before" | "After" | "Equal" => {
                want(1)?;
                let Value::Time(o) = &args[0] else {
                    return Err("wrong type for value; expected time.Time".into());
                };
                let (a, b) = (t.unix_nano(), o.unix_nano());
                Ok(match name {
                    "Sub" => Value::Duration(i64::try_from(a - b).unwrap_or(if a > b {
                        i64::MAX
                    } else {
                        i64::MIN
                    })),
                    "Before" => Value::Bool(a < b),
                    "After" => Value::Bool(a > b),
                    _ => Value::Bool(a == b),
                })
            }
            _ => Err(format!("can't evaluate field {name} in type time.Time")),
        },
        Value::Duration(d) => {
            let d = *d;
            match name {
                "String" => want(0).map(|_| Value::string(duration_string(d))),
                "Seconds" => want(0).map(|_| Value::Float(d as f64 / 1e9)),
                "Minutes" => want(0).map(|_| Value::Float(d as f64 / 6e10)),
                "Hours" => want(0).map(|_| Value::Float(d as f64 / 3.6e12)),
                "Milliseconds" => want(0).map(|_| Value::Int64(d / 1_000_000)),
                "Microseconds" => want(0).map(|_| Value::Int64(d / 1_000)),
                "Nanoseconds" => want(0).map(|_| Value::Int64(d)),
                _ => Err(format!("can't evaluate field {name} in type time.Duration")),
            }
        }
        _ => Err(format!("can't evaluate field {name}")),
    }
}
