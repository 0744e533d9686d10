//! jq transforms via jaq (pure Rust: works on every target, including wasm32-wasip1).

use super::error::{
    clip, float_to_json, json_type, object_input, position_of, Language, Position, ScriptError,
    MAX_DEPTH,
};
use jaq_core::data::JustLut;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars};
use jaq_json::{Num, Val};
use serde_json::Value;

type JqFilter = jaq_core::Filter<JustLut<Val>>;

/// Native jaq-std filters left out of the sandbox: `env` would expose the sensor's
/// environment variables (credentials) to whoever writes the Sensor spec.
const DENIED_NATIVE: &[&str] = &["env"];

/// A compiled jq program. Compile once, run per event; `Send + Sync`.
pub struct JqProgram {
    filter: JqFilter,
    /// Stack the program may need when run (see [`stack_need`]).
    stack: usize,
}

impl std::fmt::Debug for JqProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JqProgram").finish_non_exhaustive()
    }
}

impl JqProgram {
    /// Parses and compiles a jq program (jq standard library included, `env`/`$ENV` excluded,
    /// no module imports).
    pub fn compile(src: &str) -> Result<Self, ScriptError> {
        let tokens = count_tokens(src);
        if tokens > MAX_TOKENS {
            return Err(ScriptError::Compile {
                lang: Language::Jq,
                position: None,
                message: format!("jq program too large ({tokens} tokens, at most {MAX_TOKENS})"),
            });
        }
        let stack = stack_need(tokens);
        guarded(|| with_stack(stack, || Self::compile_inner(src, stack)))
    }

    fn compile_inner(src: &str, stack: usize) -> Result<Self, ScriptError> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs())
            .filter(|(name, _, _)| !DENIED_NATIVE.contains(name));

        let loader = Loader::new(defs);
        let arena = Arena::default();
        let program = File {
            code: src,
            path: (),
        };
        let modules = loader
            .load(&arena, program)
            .map_err(|errs| load_error(src, errs))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| compile_error(src, errs))?;
        Ok(Self { filter, stack })
    }

    /// Runs the program on `input` and returns its outputs, at most `max` of them
    /// (evaluation is lazy: later outputs are never computed). Errors stop the run.
    pub fn run(&self, input: &Value, max: usize) -> Result<Vec<Value>, ScriptError> {
        guarded(|| with_stack(self.stack, || self.run_inner(input, max)))
    }

    fn run_inner(&self, input: &Value, max: usize) -> Result<Vec<Value>, ScriptError> {
        let input = json_to_val(input, 0)?;
        let ctx = Ctx::<JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut out = Vec::new();
        for item in self.filter.id.run((ctx, input)).take(max) {
            match item {
                Ok(v) => out.push(val_to_json(&v, 0)?),
                Err(exn) => return Err(exn_error(exn)),
            }
        }
        Ok(out)
    }

    /// Argo's `applyJQTransform`: runs on the event data (which must be a JSON object;
    /// `null` counts as `{}` like Go's `json.Unmarshal` into a map), takes the **first** output
    /// only (later outputs are not evaluated), errors when there is none, and requires that
    /// output to be a JSON object.
    pub fn transform(&self, data: &Value) -> Result<Value, ScriptError> {
        let input = object_input(data)?;
        let first = self.run(&input, 1)?.into_iter().next();
        match first {
            None => Err(ScriptError::JqNoOutput),
            Some(v @ Value::Object(_)) => Ok(v),
            Some(other) => Err(ScriptError::BadOutput {
                lang: Language::Jq,
                expected: "a JSON object",
                found: json_type(&other).to_string(),
            }),
        }
    }
}

/// Runs `f`, turning a panic inside jaq into an error. jaq panics on some inputs, e.g.
/// `"x" * 9223372036854775807` ("capacity overflow" in `str::repeat`). Has no effect where
/// panics abort (wasm32, `panic = "abort"` profiles). Allocation *failures* (a repetition that
/// fits `usize` but not memory) abort the process and cannot be caught.
fn guarded<R>(f: impl FnOnce() -> Result<R, ScriptError>) -> Result<R, ScriptError> {
    // Unwind safety: `f` only reads the immutable compiled program; values built during the
    // run are dropped by the unwinding.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(ScriptError::Runtime {
            lang: Language::Jq,
            message: clip(format!("jq interpreter panicked: {what}")),
        })
    })
}

/// Upper bound on program size. jaq's parser, compiler and interpreter recurse over the
/// syntax tree, whose depth is bounded by the token count.
const MAX_TOKENS: usize = 10_000;

/// Stack bytes reserved per token: measured worst cases (nested `[`, unary `-`, `if` chains)
/// use ~7 KiB per token in debug builds and < 1 KiB in release builds.
const STACK_PER_TOKEN: usize = if cfg!(debug_assertions) {
    12 * 1024
} else {
    4 * 1024
};

/// Stack needed by a program of `tokens` tokens, plus a base for jaq's own frames.
fn stack_need(tokens: usize) -> usize {
    256 * 1024 + tokens * STACK_PER_TOKEN
}

/// Runs `f` with at least `need` bytes of stack: on native targets a bigger stack segment is
/// allocated (only) when the current thread has less left, so deeply nested programs cannot
/// overflow a small (e.g. 2 MiB tokio worker) stack. On wasm32 `f` runs as is: a deeper
/// program than the module's stack allows traps the wasm instance.
#[cfg(not(target_arch = "wasm32"))]
fn with_stack<R>(need: usize, f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(need, need + 1024 * 1024, f)
}

#[cfg(target_arch = "wasm32")]
fn with_stack<R>(_need: usize, f: impl FnOnce() -> R) -> R {
    f()
}

/// Conservative token count: every run of identifier characters is one token, every other
/// non-blank character one more (string literals and comments are counted too: overcounting
/// only reserves more stack).
fn count_tokens(src: &str) -> usize {
    let mut n = 0;
    let mut in_word = false;
    for c in src.chars() {
        if c.is_alphanumeric() || c == '_' {
            if !in_word {
                n += 1;
                in_word = true;
            }
        } else {
            in_word = false;
            if !c.is_whitespace() {
                n += 1;
            }
        }
    }
    n
}

fn depth_error(lang: Language) -> ScriptError {
    ScriptError::Conversion {
        lang,
        message: format!("value nesting exceeds {MAX_DEPTH} levels"),
    }
}

fn json_to_val(v: &Value, depth: usize) -> Result<Val, ScriptError> {
    if depth > MAX_DEPTH {
        return Err(depth_error(Language::Jq));
    }
    Ok(match v {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Val::Num(Num::from_integral(i))
            } else if let Some(u) = n.as_u64() {
                Val::Num(Num::from_integral(u))
            } else {
                // serde_json (without arbitrary_precision) always has an f64 here.
                Val::Num(Num::Float(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        Value::String(s) => Val::from(s.clone()),
        Value::Array(a) => a
            .iter()
            .map(|x| json_to_val(x, depth + 1))
            .collect::<Result<Val, _>>()?,
        Value::Object(o) => {
            let mut map = jaq_json::Map::default();
            for (k, x) in o {
                map.insert(Val::from(k.clone()), json_to_val(x, depth + 1)?);
            }
            Val::obj(map)
        }
    })
}

fn val_to_json(v: &Val, depth: usize) -> Result<Value, ScriptError> {
    if depth > MAX_DEPTH {
        return Err(depth_error(Language::Jq));
    }
    Ok(match v {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => num_to_json(n)?,
        Val::TStr(b) | Val::BStr(b) => Value::String(String::from_utf8_lossy(b).into_owned()),
        Val::Arr(a) => Value::Array(
            a.iter()
                .map(|x| val_to_json(x, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        Val::Obj(o) => {
            let mut map = serde_json::Map::with_capacity(o.len());
            for (k, x) in o.iter() {
                let key = match k {
                    Val::TStr(b) | Val::BStr(b) => String::from_utf8_lossy(b).into_owned(),
                    other => {
                        return Err(ScriptError::Conversion {
                            lang: Language::Jq,
                            message: clip(format!("object key {other} is not a string")),
                        })
                    }
                };
                map.insert(key, val_to_json(x, depth + 1)?);
            }
            Value::Object(map)
        }
    })
}

fn num_to_json(n: &Num) -> Result<Value, ScriptError> {
    match n {
        Num::Int(i) => Ok(Value::from(*i as i64)),
        Num::BigInt(b) => {
            let s = b.to_string();
            if let Ok(i) = s.parse::<i64>() {
                Ok(Value::from(i))
            } else if let Ok(u) = s.parse::<u64>() {
                Ok(Value::from(u))
            } else {
                float_to_json(s.parse::<f64>().unwrap_or(f64::NAN), Language::Jq)
            }
        }
        Num::Float(f) => float_to_json(*f, Language::Jq),
        Num::Dec(s) => float_to_json(s.parse::<f64>().unwrap_or(f64::NAN), Language::Jq),
    }
}

fn exn_error(exn: jaq_core::Exn<'_, Val>) -> ScriptError {
    // Never use `jaq_core::unwrap_valr`: it calls `std::process::exit` on `halt`.
    let message = match exn.get_err() {
        Ok(err) => err.to_string(),
        Err(exn) => match exn.get_halt() {
            Ok(code) => format!("halt with exit code {code}"),
            Err(_) => "unexpected control flow (break outside label)".to_string(),
        },
    };
    ScriptError::Runtime {
        lang: Language::Jq,
        message: clip(message),
    }
}

/// Byte offset of `part` inside `whole`, if `part` really is a sub-slice of it.
/// (`jaq_core::load::span` does the same with unchecked pointer arithmetic.)
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    let off = p.checked_sub(start)?;
    (off <= whole.len() && off + part.len() <= whole.len()).then_some(off)
}

fn compile_err(src: &str, found: &str, message: String) -> ScriptError {
    let position: Option<Position> = offset_in(src, found).map(|o| position_of(src, o));
    ScriptError::Compile {
        lang: Language::Jq,
        position,
        message: clip(message),
    }
}

fn describe_found(found: &str) -> String {
    if found.is_empty() {
        "end of input".to_string()
    } else {
        let shown: String = found.chars().take(20).collect();
        format!("'{shown}'")
    }
}

fn lex_expect(e: &jaq_core::load::lex::Expect<&str>) -> String {
    use jaq_core::load::lex::Expect;
    match e {
        // `Expect::as_str` panics on unknown delimiters; spell them out ourselves.
        Expect::Delim(d) => format!("closing delimiter for {d}"),
        Expect::Digit => "digit".into(),
        Expect::Ident => "identifier".into(),
        Expect::Escape => "string escape sequence".into(),
        Expect::Unicode => "4-digit hexadecimal code point".into(),
        Expect::Token => "token".into(),
        _ => "valid input".into(),
    }
}

fn load_error(src: &str, errs: jaq_core::load::Errors<&str, ()>) -> ScriptError {
    use jaq_core::load::Error;
    // Report the first error (the main file is always first).
    for (_file, err) in errs {
        match err {
            Error::Lex(es) => {
                if let Some((expect, found)) = es.into_iter().next() {
                    let msg = format!(
                        "expected {}, found {}",
                        lex_expect(&expect),
                        describe_found(found)
                    );
                    return compile_err(src, found, msg);
                }
            }
            Error::Parse(es) => {
                if let Some((expect, found)) = es.into_iter().next() {
                    let msg = format!(
                        "expected {}, found {}",
                        expect.as_str(),
                        describe_found(found)
                    );
                    return compile_err(src, found, msg);
                }
            }
            Error::Io(es) => {
                if let Some((path, msg)) = es.into_iter().next() {
                    return compile_err(src, path, format!("cannot import {path}: {msg}"));
                }
            }
        }
    }
    ScriptError::Compile {
        lang: Language::Jq,
        position: None,
        message: "invalid jq program".into(),
    }
}

fn compile_error(src: &str, errs: jaq_core::compile::Errors<&str, ()>) -> ScriptError {
    for (_file, es) in errs {
        if let Some((name, undef)) = es.into_iter().next() {
            let what = match undef {
                jaq_core::compile::Undefined::Filter(arity) => format!("filter {name}/{arity}"),
                other => format!("{} {name}", other.as_str()),
            };
            return compile_err(src, name, format!("undefined {what}"));
        }
    }
    ScriptError::Compile {
        lang: Language::Jq,
        position: None,
        message: "invalid jq program".into(),
    }
}
