//! Argo Events filter expressions (`filters.exprs`) on CEL.
//!
//! Argo evaluates each `expr` with [govaluate](https://github.com/Knetic/govaluate),
//! binding each declared field to the value at its path in the event's data.
//! Tripline evaluates them with CEL (the `cel` crate): [`CompiledExpr::compile`]
//! reads the expression as govaluate and translates it to CEL with the same
//! meaning, or, if it is not valid govaluate, compiles it as native CEL.
//!
//! ```ignore
//! # use tripline_expr::CompiledExpr;
//! let expr = CompiledExpr::compile(r#"action == "opened" && additions > 5"#, &["action", "additions"])?;
//! assert_eq!(expr.cel_source(), r#"action == "opened" && additions > 5.0"#);
//! let (action, additions) = (serde_json::json!("opened"), serde_json::json!(12));
//! assert!(expr.eval(&[Some(&action), Some(&additions)])?);
//! # Ok::<(), tripline_expr::ExprError>(())
//! ```
//!
//! # Translation (govaluate → CEL)
//!
//! | govaluate | CEL |
//! |---|---|
//! | `5`, `1.5`, `.5` (all float64) | `5.0`, `1.5`, `0.5`; JSON numbers are bound as doubles |
//! | `'text'` or `"text"`; `\x` escapes `x` | `"text"` |
//! | a string literal that is a date (14 Go layouts) | its Unix time in seconds, a double |
//! | `[name with spaces]`, `a-longer-name` fields | a safe identifier (`__f<i>`) bound to the field |
//! | `== != < <= > >= && \|\| !`, unary `-`, `- * /` | the same |
//! | `a =~ "re"`, `a !~ "re"` | `a.matches("re")`, `!a.matches("re")` (Go RE2 semantics, unanchored) |
//! | `x in ('a', 'b')`, `(1, 2)` | `x in ["a", "b"]`, `[1.0, 2.0]` |
//! | `a + b` (either a string: concatenation with `%v`) | `a + b` when both are known numbers or strings, else `gv_add(a, b)` |
//! | `a % b`, `a ** b` | `gv_mod(a, b)`, `gv_pow(a, b)` |
//! | `c ? a : b`, `c ? a`, `a ?? b`, `a : b` | `c ? a : b`, `c ? a : null`, `a != null ? a : b` |
//! | `a.b.c` (accessor) | `a.b.c` (member access on maps; govaluate only allows it on Go structs) |
//! | `& \| ^ << >> ~` | rejected: [`ExprError::Unsupported`] |
//!
//! # Native CEL
//!
//! govaluate is tried first, and every valid govaluate expression is read as
//! govaluate: `a == "x"`, `n > 5`, `c ? 1 : 2` mean the same in both anyway.
//! When govaluate rejects the expression (a function or method call such as
//! `has(a.b)`, `size(x)`, `x.startsWith("a")`, `l.exists(e, e > 1)`; a list or
//! map literal `[1, 2]`, `{"a": 1}`; `null`; a string quoted with the other
//! quote inside, ...), it is compiled as CEL. [`CompiledExpr::compile_cel`]
//! skips govaluate. In native CEL, JSON numbers are doubles too (`x + 1.0`,
//! comparisons with ints work), and fields whose names are not CEL identifiers
//! are not reachable.

//! # Semantics worth knowing
//!
//! * [`CompiledExpr::eval`] returns [`ExprError::MissingField`] when a field's
//!   path is missing, as Argo fails the filter then. Argo skips an expr with no
//!   fields at all (no parameters: not evaluated); that is the caller's to mirror.
//! * A non-bool result is [`ExprError::NotBool`]; Argo treats it as `false`
//!   without an error (an AND of exprs fails, an OR goes on to the next expr).
//! * Where govaluate errors and CEL doesn't, Tripline is more lenient: `x in m`
//!   with a map `m` tests its keys; `true > false` holds; `false && "x"` is
//!   `false`; `x in ('a')` is a list of one; `a.b` reads a JSON object's key.
//! * `=~`/`matches` use Go RE2 semantics on Rust's `regex` (ASCII `\d \w \s \b`,
//!   `\Q..\E`); literal patterns are compiled once, at compile time.
//! * Dates without a zone are read as UTC (govaluate uses the sensor's local zone).
//!
//! # Limits
//!
//! The `cel` parser and interpreter recurse deeply, with large frames in debug
//! builds, so expressions longer than [`MAX_SOURCE_LEN`], nested more than 32
//! levels of brackets, with more than 256 operators, or with a tree deeper than
//! 32 levels are rejected with [`ExprError::TooComplex`]. The CEL parser runs on
//! a short-lived thread with a 16 MiB stack; where threads are unavailable
//! (`wasm32-wasip1`) it runs inline, with nesting limited to 8 levels in debug
//! builds.

mod bind;
mod compiled;
mod error;
mod functions;
mod gotime;
mod govaluate;
mod names;

#[cfg(test)]
mod tests;

pub use compiled::{CompiledExpr, Dialect, MAX_SOURCE_LEN};
pub use error::ExprError;
