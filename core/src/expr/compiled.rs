//! Compiling an expression once, evaluating it per event.

use super::bind::{bind_into, Bindings, Slot};
use super::error::ExprError;
use super::functions::{self, MATCHES_FN};
use super::govaluate;
use super::names::Fields;
use cel::common::ast::{EntryExpr, Expr, LiteralValue, SourceInfo};
use cel::common::types::CelBool;
use cel::parser::Expression;
use cel::{Context, Env, Value};
use regex::Regex;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Longest expression accepted, in bytes.
pub const MAX_SOURCE_LEN: usize = 8 * 1024;
/// Most non-logical operators (`+`, `==`, `<`, ...) in the CEL source. The `cel`
/// parser recurses once per operator of a chain like `a + b + c`, so this bounds
/// its stack use.
const MAX_CEL_OPERATORS: usize = 256;
/// Deepest nesting of `(`, `[` and `{` in the CEL source.
const MAX_CEL_NESTING: usize = 32;
/// Deepest nesting when the CEL parser must run on the caller's thread (no
/// thread support, as on `wasm32-wasip1`): the parser's frames take about
/// 180 KiB of stack per level in debug builds (a 2 MiB stack overflows at 11
/// levels), far less in release builds.
const INLINE_MAX_CEL_NESTING: usize = if cfg!(debug_assertions) { 8 } else { 32 };
/// Stack of the thread the CEL parser runs on: enough for [`MAX_CEL_NESTING`]
/// levels in a debug build. Only the pages used are committed.
const PARSE_STACK_SIZE: usize = 16 << 20;
/// Deepest CEL tree accepted. The `cel` interpreter recurses once per level, and
/// its frames are large in debug builds (about 30 KiB: a 2 MiB thread stack
/// overflows at about 60 levels); release builds need far less.
const MAX_AST_DEPTH: usize = 32;
/// Fields bound without a heap allocation.
const INLINE_FIELDS: usize = 8;

/// The syntax an expression was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// govaluate, as in Argo Events; translated to CEL.
    Govaluate,
    /// Native CEL, compiled as written.
    Cel,
}

/// A filter expression compiled once, to be evaluated against many events.
///
/// It is `Send + Sync`: share one behind an `Arc` between threads.
pub struct CompiledExpr {
    source: String,
    cel_source: String,
    dialect: Dialect,
    fields: Fields,
    /// Per distinct field identifier: whether the expression reads it.
    used: Vec<bool>,
    program: Expression,
    /// Holds the environment and this expression's `matches` function (with its
    /// precompiled patterns); each evaluation runs in a child scope of it.
    root: Context<'static, 'static>,
}

impl fmt::Debug for CompiledExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledExpr")
            .field("source", &self.source)
            .field("cel_source", &self.cel_source)
            .field("dialect", &self.dialect)
            .field("fields", &self.fields.names())
            .finish()
    }
}

/// The CEL environment shared by all expressions: the standard library and
/// govaluate's `gv_add`, `gv_mod` and `gv_pow`.
fn env() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Fails only if the functions were declared already, which they are not.
        let _ = functions::register(&mut env);
        Arc::new(env)
    })
}

impl CompiledExpr {
    /// Compiles `expr`, whose variables are the declared `fields` (in bind order).
    ///
    /// The expression is read as govaluate, Argo Events' syntax, and translated to
    /// CEL. If it is not valid govaluate, it is compiled as native CEL. A name
    /// that is not a declared field is an error.
    pub fn compile(expr: &str, fields: &[&str]) -> Result<CompiledExpr, ExprError> {
        check_source(expr)?;
        let fields = Fields::new(fields);
        match govaluate::translate(expr, &fields) {
            Ok(cel) => CompiledExpr::build(expr, cel, Dialect::Govaluate, fields),
            Err(gv) if gv.fatal => Err(gv.error),
            Err(gv) => match CompiledExpr::build(expr, expr.to_string(), Dialect::Cel, fields) {
                Ok(compiled) => Ok(compiled),
                // Report the CEL error if the expression looks like CEL, or if CEL
                // got past parsing; otherwise govaluate's.
                Err(cel_err)
                    if gv.looks_like_cel || !matches!(cel_err, ExprError::Syntax { .. }) =>
                {
                    Err(cel_err)
                }
                Err(_) => Err(gv.error),
            },
        }
    }

    /// Compiles `expr` as native CEL only, without trying govaluate first.
    pub fn compile_cel(expr: &str, fields: &[&str]) -> Result<CompiledExpr, ExprError> {
        check_source(expr)?;
        CompiledExpr::build(expr, expr.to_string(), Dialect::Cel, Fields::new(fields))
    }

    fn build(
        source: &str,
        cel_source: String,
        dialect: Dialect,
        fields: Fields,
    ) -> Result<CompiledExpr, ExprError> {
        let nesting = check_cel_source(&cel_source)?;
        let env = env();
        let (mut program, source_info) = parse_cel(env, &cel_source, nesting)?;
        let mut prep = Prepare {
            fields: &fields,
            env,
            source_info: &source_info,
            source: &cel_source,
            scopes: Vec::new(),
            regexes: Vec::new(),
            used: vec![false; fields.lookup().len()],
        };
        prep.walk(&mut program, 0)?;
        let Prepare { regexes, used, .. } = prep;
        let mut root = Context::with_env(Arc::clone(env));
        root.add_function(MATCHES_FN, functions::matches_function(regexes.into()))
            .map_err(|e| ExprError::Eval {
                message: e.to_string(),
            })?;
        Ok(CompiledExpr {
            source: source.to_string(),
            cel_source,
            dialect,
            fields,
            used,
            program,
            root,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The CEL source actually compiled: the translation of a govaluate
    /// expression, or the expression itself if it is native CEL.
    pub fn cel_source(&self) -> &str {
        &self.cel_source
    }

    /// Whether the expression was read as govaluate or native CEL.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The declared field names, in bind order.
    pub fn fields(&self) -> &[String] {
        self.fields.names()
    }

    /// Evaluates the expression. `values[i]` is the value of `fields[i]`, `None`
    /// if its path is missing from the event, which is an error as in Argo.
    pub fn eval(&self, values: &[Option<&serde_json::Value>]) -> Result<bool, ExprError> {
        if values.len() != self.fields.len() {
            return Err(ExprError::ValueCount {
                expected: self.fields.len(),
                got: values.len(),
            });
        }
        if let Some(missing) = values.iter().position(Option::is_none) {
            return Err(ExprError::MissingField {
                name: self
                    .fields
                    .names()
                    .get(missing)
                    .cloned()
                    .unwrap_or_default(),
            });
        }
        let idents = self.fields.lookup();
        if idents.len() <= INLINE_FIELDS {
            let mut slots: [Slot<'_>; INLINE_FIELDS] = std::array::from_fn(|_| Slot::unbound());
            let slots = &mut slots[..idents.len()];
            bind_into(slots, idents, &self.used, values, self.fields.names())?;
            self.run(slots)
        } else {
            let mut slots: Vec<Slot<'_>> = idents.iter().map(|_| Slot::unbound()).collect();
            bind_into(&mut slots, idents, &self.used, values, self.fields.names())?;
            self.run(&slots)
        }
    }

    fn run(&self, slots: &[Slot<'_>]) -> Result<bool, ExprError> {
        let bindings = Bindings {
            idents: self.fields.lookup(),
            slots,
        };
        let root: &Context<'_, '_> = &self.root;
        let mut ctx = root.new_inner_scope();
        ctx.set_variable_resolver(&bindings);
        let value = Value::resolve_val(&self.program, &ctx).map_err(|e| ExprError::Eval {
            message: e.to_string().replace(MATCHES_FN, "matches"),
        })?;
        match value.downcast_ref::<CelBool>() {
            Some(b) => Ok(*b.inner()),
            None => Err(ExprError::NotBool {
                got: value.get_type().name().to_string(),
            }),
        }
    }
}

fn check_source(expr: &str) -> Result<(), ExprError> {
    if expr.len() > MAX_SOURCE_LEN {
        return Err(ExprError::TooComplex {
            reason: format!("{} bytes long, the limit is {MAX_SOURCE_LEN}", expr.len()),
        });
    }
    if expr.trim().is_empty() {
        return Err(ExprError::Syntax {
            column: 1,
            message: "empty expression".to_string(),
        });
    }
    Ok(())
}

/// Rejects CEL sources with more than [`MAX_CEL_OPERATORS`] non-logical
/// operators (counting runs of operator characters outside string literals) or
/// nested deeper than [`MAX_CEL_NESTING`]. Returns the nesting depth.
fn check_cel_source(src: &str) -> Result<usize, ExprError> {
    let mut operators = 0;
    let (mut depth, mut max_depth) = (0usize, 0usize);
    let mut chars = src.chars();
    let mut quote: Option<char> = None;
    let mut in_operator = false;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        let is_operator = matches!(c, '+' | '-' | '*' | '/' | '%' | '<' | '>' | '=' | '!' | '?');
        if is_operator && !in_operator {
            operators += 1;
        }
        in_operator = is_operator;
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                max_depth = max_depth.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if operators > MAX_CEL_OPERATORS {
        return Err(ExprError::TooComplex {
            reason: format!("more than {MAX_CEL_OPERATORS} operators"),
        });
    }
    if max_depth > MAX_CEL_NESTING {
        return Err(too_deep(MAX_CEL_NESTING));
    }
    Ok(max_depth)
}

fn too_deep(limit: usize) -> ExprError {
    ExprError::TooComplex {
        reason: format!("parentheses or brackets nested more than {limit} levels deep"),
    }
}

type Parsed = (Expression, SourceInfo);

/// Parses CEL on a thread with a large stack (see [`PARSE_STACK_SIZE`]), or on
/// this thread under a lower nesting limit where threads are unavailable.
fn parse_cel(env: &Arc<Env>, src: &str, nesting: usize) -> Result<Parsed, ExprError> {
    let thread_env = Arc::clone(env);
    let thread_src = src.to_string();
    let spawned = std::thread::Builder::new()
        .name("cel-parse".to_string())
        .stack_size(PARSE_STACK_SIZE)
        .spawn(move || parse_here(&thread_env, &thread_src));
    match spawned {
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            Err(ExprError::Syntax {
                column: 1,
                message: "the CEL parser failed on this expression".to_string(),
            })
        }),
        Err(_) => {
            if nesting > INLINE_MAX_CEL_NESTING {
                return Err(too_deep(INLINE_MAX_CEL_NESTING));
            }
            parse_here(env, src)
        }
    }
}

fn parse_here(env: &Env, src: &str) -> Result<Parsed, ExprError> {
    env.parser()
        .parse_with_source_info(src)
        .map_err(|errors| match errors.errors.first() {
            Some(e) => ExprError::Syntax {
                column: usize::try_from(e.pos.1).unwrap_or(0).max(1),
                message: e.msg.clone(),
            },
            None => ExprError::Syntax {
                column: 1,
                message: errors.to_string(),
            },
        })
}

/// Checks a parsed CEL program and prepares it for evaluation: every
/// identifier must be a field (or a comprehension variable, or a type name),
/// `matches` calls go to this crate's RE2 implementation, and literal patterns
/// are compiled once.
struct Prepare<'a> {
    fields: &'a Fields,
    env: &'a Env,
    source_info: &'a SourceInfo,
    source: &'a str,
    scopes: Vec<String>,
    regexes: Vec<(String, Regex)>,
    used: Vec<bool>,
}

impl Prepare<'_> {
    fn column(&self, id: u64) -> usize {
        let start = self
            .source_info
            .offset_for(id)
            .map(|(start, _)| start as usize)
            .unwrap_or(0);
        self.source
            .get(..start)
            .map(|s| s.chars().count())
            .unwrap_or(start)
            + 1
    }

    fn walk(&mut self, e: &mut Expression, depth: usize) -> Result<(), ExprError> {
        if depth > MAX_AST_DEPTH {
            return Err(ExprError::TooComplex {
                reason: format!("more than {MAX_AST_DEPTH} levels of nested operations"),
            });
        }
        let id = e.id;
        match &mut e.expr {
            Expr::Unspecified => Err(ExprError::Syntax {
                column: self.column(id),
                message: "incomplete expression".to_string(),
            }),
            Expr::Literal(_) => Ok(()),
            Expr::Ident(name) => self.ident(name.trim_start_matches('.'), id),
            Expr::Select(select) => self.walk(&mut select.operand, depth + 1),
            Expr::Call(call) => {
                if call.func_name == "matches" {
                    call.func_name = MATCHES_FN.to_string();
                    let pattern = if call.target.is_some() {
                        call.args.first()
                    } else {
                        call.args.get(1)
                    };
                    if let Some(Expr::Literal(LiteralValue::String(p))) = pattern.map(|p| &p.expr) {
                        let p = p.inner().to_string();
                        if !self.regexes.iter().any(|(s, _)| *s == p) {
                            let re = crate::regex_go::compile(&p).map_err(|message| {
                                ExprError::InvalidRegex {
                                    pattern: p.clone(),
                                    message,
                                }
                            })?;
                            self.regexes.push((p, re));
                        }
                    }
                }
                if let Some(target) = call.target.as_deref_mut() {
                    self.walk(target, depth + 1)?;
                }
                for arg in &mut call.args {
                    self.walk(arg, depth + 1)?;
                }
                Ok(())
            }
            Expr::List(list) => {
                for element in &mut list.elements {
                    self.walk(element, depth + 1)?;
                }
                Ok(())
            }
            Expr::Map(map) => {
                for entry in &mut map.entries {
                    match &mut entry.expr {
                        EntryExpr::MapEntry(m) => {
                            self.walk(&mut m.key, depth + 1)?;
                            self.walk(&mut m.value, depth + 1)?;
                        }
                        EntryExpr::StructField(_) => {
                            return Err(ExprError::Syntax {
                                column: self.column(entry.id),
                                message: "field initializer in a map literal".to_string(),
                            })
                        }
                    }
                }
                Ok(())
            }
            Expr::Struct(s) => {
                for entry in &mut s.entries {
                    match &mut entry.expr {
                        EntryExpr::StructField(f) => self.walk(&mut f.value, depth + 1)?,
                        EntryExpr::MapEntry(_) => {
                            return Err(ExprError::Syntax {
                                column: self.column(entry.id),
                                message: "map entry in a message literal".to_string(),
                            })
                        }
                    }
                }
                Ok(())
            }
            Expr::Comprehension(c) => {
                self.walk(&mut c.iter_range, depth + 1)?;
                self.walk(&mut c.accu_init, depth + 1)?;
                let pushed = 2 + usize::from(c.iter_var2.is_some());
                self.scopes.push(c.iter_var.clone());
                self.scopes.push(c.accu_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.scopes.push(v.clone());
                }
                let result = self
                    .walk(&mut c.loop_cond, depth + 1)
                    .and_then(|()| self.walk(&mut c.loop_step, depth + 1))
                    .and_then(|()| self.walk(&mut c.result, depth + 1));
                self.scopes
                    .truncate(self.scopes.len().saturating_sub(pushed));
                result
            }
        }
    }

    fn ident(&mut self, name: &str, id: u64) -> Result<(), ExprError> {
        if self.scopes.iter().any(|s| s == name) {
            return Ok(());
        }
        if let Some(k) = self
            .fields
            .lookup()
            .iter()
            .position(|(ident, _)| ident == name)
        {
            if let Some(u) = self.used.get_mut(k) {
                *u = true;
            }
            return Ok(());
        }
        if self.env.types().find_type(name).is_some() {
            return Ok(());
        }
        Err(ExprError::UnknownVariable {
            name: name.to_string(),
            column: self.column(id),
            declared: self.fields.describe(),
        })
    }
}
