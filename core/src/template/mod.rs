//! Go `text/template` with the Sprig function library, evaluated over
//! `serde_json::Value` — the templating Argo Events uses for trigger
//! parameters (`dataTemplate` / `contextTemplate`, executed on
//! `{"Input": <event data or context>}`) and for data filters' `template`.
//!
//! Argo runs `template.New("").Funcs(sprig.FuncMap()).Parse(s)` and
//! `Execute`s into a buffer. This module reproduces that behaviour: Go's
//! output formatting (`float64` via `%v`, `map[a:1 b:2]`, `[a b c]`,
//! `<no value>` for missing keys), Go's argument type checks, and Sprig's
//! semantics for the functions Argo users write.
//!
//! ```ignore
//! // (`ignore`: this file is moved into another crate, whose path differs.)
//! let t = Template::parse("{{ .Input.body.repo | upper }}").unwrap();
//! let out = t.render(&serde_json::json!({"Input": {"body": {"repo": "tripline"}}})).unwrap();
//! assert_eq!(out, "TRIPLINE");
//! ```
//!
//! Determinism: the engine never reads the clock, the environment, the
//! network or a random source. `now`, `ago` and `date` with a non-time
//! argument need [`ExecOptions::now`]; random functions (`randAlphaNum`,
//! `randAlpha`, `randAscii`, `randNumeric`, `randInt`, `shuffle`, `uuidv4`)
//! need [`ExecOptions::random_seed`] and then produce a reproducible
//! sequence. Without them these functions fail with an execution error
//! naming the function. `env`, `expandenv`, `getHostByName`, crypto/key
//! generation and `semver` parse fine (Go would too) but fail with
//! [`TemplateError::Unsupported`] when executed; [`Template::unsupported_functions`]
//! lists them ahead of time.
//!
//! Go's `Local` time zone is taken to be UTC.
//!
//! # Deliberate differences from Go + Sprig
//!
//! - `set`, `unset`, `merge` and `mergeOverwrite` mutate dicts built by the
//!   template in place (as Go does) but return a modified *copy* when given
//!   input data: the input is never modified.
//! - `keys` / `values` return entries in sorted key order (Go: random order).
//! - `%x`, `%X` and `%b` on floats print as `%g`; `%[n]` argument indexes and
//!   Go-syntax `%#v` are not implemented; complex and hex-float literals are
//!   parse errors.
//! - `unicode.IsPrint` / `IsPunct` are approximated for exotic code points;
//!   case mapping uses Rust's Unicode tables, keeping a char when its mapping
//!   is not a single char (Go's `ToUpper("ß")` is `ß` too).
//! - Regular expressions run on the `regex` crate with Go's ASCII-only
//!   `\d \w \s \b` and `\Q..\E` rewritten; a few exotic RE2 constructs may be
//!   rejected differently.
//! - Resource bounds Go does not have: 100 levels of syntactic nesting, 200
//!   levels of evaluation depth (control structures + template calls; Go allows
//!   100000), 64 MiB of output, 10 million elements per `until`/`seq`/range over
//!   an integer, 256 levels of value nesting when printing / encoding.
//! - `addf`/`subf`/`mulf` use exact decimal arithmetic like shopspring/decimal;
//!   `divf` rounds to 16 decimals; operands beyond 38 digits fall back to f64.
//! - `urlParse` / `urlJoin` implement a simplified `net/url`.
//! - Methods on times: `Format Unix UnixMilli UnixMicro UnixNano Year Month Day
//!   Hour Minute Second Nanosecond YearDay Weekday UTC Local String IsZero Add
//!   Sub Before After Equal`; on durations: `String Seconds Minutes Hours
//!   Milliseconds Microseconds Nanoseconds`. `Month`/`Weekday` yield strings.
//! - `duration` accepts an `int` (Sprig >= 3.3 behaviour; 3.2 printed `0s`).
//! - Error texts follow Go's wording where it matters but are not byte-identical.

mod error;
mod exec;
mod funcs;
mod gofmt;
mod input_paths;
mod json;
mod lex;
mod parse;
mod regexp;
mod sprig;
mod strcase;
mod timefmt;
mod value;

#[cfg(test)]
mod tests;

pub use self::error::{Pos, TemplateError};

/// Options for one execution.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecOptions {
    /// The current time for `now`, `ago` and `date`-style functions. The
    /// engine never reads the clock itself; without it those functions fail.
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Seed for the random functions (SplitMix64). Without it they fail.
    pub random_seed: Option<u64>,
}

/// A parsed template: compile once, execute many times (`Send + Sync`).
#[derive(Debug)]
pub struct Template {
    src: String,
    tree: parse::Tree,
}

impl std::fmt::Debug for parse::Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("nodes", &self.root.len())
            .field("defines", &self.defs.len())
            .finish()
    }
}

impl Template {
    /// Parse template source. Errors carry the position and Go's reason
    /// (unknown functions are rejected here, as Go does).
    pub fn parse(src: &str) -> Result<Template, TemplateError> {
        let tree = parse::parse(src)?;
        Ok(Template {
            src: src.to_string(),
            tree,
        })
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Execute with `data` as `.` and `$`, appending to `out`. On error the
    /// output written so far stays in `out` (as with Go's buffer); Argo
    /// discards it, and so should callers.
    pub fn execute(&self, data: &serde_json::Value, out: &mut String) -> Result<(), TemplateError> {
        self.execute_with(data, &ExecOptions::default(), out)
    }

    /// [`Template::execute`] with an injected clock / random seed.
    pub fn execute_with(
        &self,
        data: &serde_json::Value,
        opts: &ExecOptions,
        out: &mut String,
    ) -> Result<(), TemplateError> {
        exec::Exec::new(&self.tree, &self.src, opts, value::Value::Json(data)).run(out)
    }

    /// Execute with `.` = `{"Input": input}` — Argo's template data — without
    /// copying `input` into a wrapper object.
    pub fn execute_input_with(
        &self,
        input: &serde_json::Value,
        opts: &ExecOptions,
        out: &mut String,
    ) -> Result<(), TemplateError> {
        exec::Exec::new(&self.tree, &self.src, opts, value::Value::Input(input)).run(out)
    }

    /// Execute into a new string.
    pub fn render(&self, data: &serde_json::Value) -> Result<String, TemplateError> {
        let mut out = String::new();
        self.execute(data, &mut out)?;
        Ok(out)
    }

    /// [`Template::render`] with options.
    pub fn render_with(
        &self,
        data: &serde_json::Value,
        opts: &ExecOptions,
    ) -> Result<String, TemplateError> {
        let mut out = String::new();
        self.execute_with(data, opts, &mut out)?;
        Ok(out)
    }

    /// Render with `.` = `{"Input": input}` (see [`Template::execute_input_with`]).
    pub fn render_input(
        &self,
        input: &serde_json::Value,
        opts: &ExecOptions,
    ) -> Result<String, TemplateError> {
        let mut out = String::new();
        self.execute_input_with(input, opts, &mut out)?;
        Ok(out)
    }

    /// The field chains under `.Input` this template reads, when that is all it reads (see
    /// `input_paths.rs`); `None` when it needs the whole input.
    pub fn input_paths(&self) -> Option<Vec<Vec<String>>> {
        input_paths::input_paths(&self.tree)
    }

    /// Names of functions the template calls that this engine refuses to run
    /// (`env`, `expandenv`, `getHostByName`, crypto, `semver`, `call`), so a
    /// sensor can be flagged when it is loaded rather than when it fires.
    pub fn unsupported_functions(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let mut visit = |list: &[parse::Node]| collect_unsupported(list, &mut names);
        visit(&self.tree.root);
        for body in self.tree.defs.values() {
            visit(body);
        }
        names.sort_unstable();
        names.dedup();
        names
    }
}

fn collect_unsupported(list: &[parse::Node], names: &mut Vec<&'static str>) {
    fn pipe(p: &parse::Pipe, names: &mut Vec<&'static str>) {
        for c in &p.cmds {
            for a in &c.args {
                arg(a, names);
            }
        }
    }
    fn arg(a: &parse::Arg, names: &mut Vec<&'static str>) {
        match a {
            parse::Arg::Func { def, .. } if def.f == funcs::F::Unsupported => names.push(def.name),
            parse::Arg::Pipe(p) => pipe(p, names),
            parse::Arg::Chain { node, .. } => arg(node, names),
            _ => {}
        }
    }
    for n in list {
        match n {
            parse::Node::Action(p) => pipe(p, names),
            parse::Node::If(c) | parse::Node::Range(c) | parse::Node::With(c) => {
                pipe(&c.pipe, names);
                collect_unsupported(&c.list, names);
                if let Some(e) = &c.else_list {
                    collect_unsupported(e, names);
                }
            }
            parse::Node::Template { pipe: Some(p), .. } => pipe(p, names),
            _ => {}
        }
    }
}
