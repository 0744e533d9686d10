//! Error type shared by the Lua and jq runtimes.

use std::fmt;

/// Which scripting language an error came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Lua 5.4 (Argo uses gopher-lua, a Lua 5.1 implementation).
    Lua,
    /// jq (Argo uses gojq; Tripline uses jaq).
    Jq,
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Language::Lua => "Lua",
            Language::Jq => "jq",
        })
    }
}

/// Source position of a compile error (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column (in characters); `None` when the compiler does not report one (Lua).
    pub column: Option<usize>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column {}", self.line, c),
            None => write!(f, "line {}", self.line),
        }
    }
}

/// Formats an optional position as ` at line L[, column C]`.
pub(super) struct At<'a>(pub &'a Option<Position>);

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(p) => write!(f, " at {p}"),
            None => Ok(()),
        }
    }
}

/// Everything that can go wrong compiling or running a filter script or a transform.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScriptError {
    /// The script / jq program does not parse or refers to undefined names.
    #[error("{lang} compile error{}: {message}", At(.position))]
    Compile {
        lang: Language,
        position: Option<Position>,
        message: String,
    },
    /// The script raised an error while running (Lua `error(...)`, indexing nil, jq `error`, ...).
    #[error("{lang} runtime error: {message}")]
    Runtime { lang: Language, message: String },
    /// A Lua script executed more VM instructions than allowed (runaway loop).
    #[error("Lua script stopped: instruction limit of {limit} exceeded")]
    InstructionLimit { limit: u64 },
    /// A Lua script allocated more memory than allowed.
    #[error("Lua script stopped: memory limit of {limit} bytes exceeded")]
    MemoryLimit { limit: usize },
    /// Argo decodes event data into a JSON object (`map[string]interface{}`); anything else fails.
    #[error("event data must be a JSON object, got {found}")]
    DataNotObject { found: &'static str },
    /// The jq program produced no output (Argo: "no output available from the jq command execution").
    #[error("no output available from the jq command execution")]
    JqNoOutput,
    /// The transform produced something that cannot become event data.
    #[error("{lang} transformation output must be {expected}, got {found}")]
    BadOutput {
        lang: Language,
        expected: &'static str,
        found: String,
    },
    /// `LuaFilter::eval_strict` only: the script's result is not a boolean.
    #[error("Lua filter script must return a boolean, got {found}")]
    NotBool { found: String },
    /// A value could not be converted between JSON and the script runtime.
    #[error("{lang} value conversion error: {message}")]
    Conversion { lang: Language, message: String },
    /// The feature is not available on this build target (e.g. Lua on wasm32).
    #[error("{feature} is not supported on {runtime}")]
    NotSupported {
        feature: &'static str,
        runtime: &'static str,
    },
}

/// Largest nesting depth accepted when converting values in either direction.
/// Also catches cyclic Lua tables (`t.self = t`).
pub(super) const MAX_DEPTH: usize = 256;

/// Longest message copied into an error (values can be huge; keep logs readable).
const MAX_MESSAGE: usize = 1024;

/// Truncates `s` to at most [`MAX_MESSAGE`] bytes on a char boundary.
pub(super) fn clip(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Argo unmarshals event data into `map[string]interface{}`: objects pass, `null` becomes an
/// empty map, everything else is an error.
pub(super) fn object_input(
    data: &serde_json::Value,
) -> Result<std::borrow::Cow<'_, serde_json::Value>, ScriptError> {
    match data {
        serde_json::Value::Object(_) => Ok(std::borrow::Cow::Borrowed(data)),
        serde_json::Value::Null => Ok(std::borrow::Cow::Owned(serde_json::Value::Object(
            Default::default(),
        ))),
        other => Err(ScriptError::DataNotObject {
            found: json_type(other),
        }),
    }
}

/// JSON type name used in messages.
pub(super) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Largest integer that an f64 holds exactly (2^53).
const F64_EXACT_INT: f64 = 9_007_199_254_740_992.0;

/// Converts a finite float to a JSON number the way Go's `encoding/json` prints a `float64`:
/// integral values (|x| ≤ 2^53) become JSON integers (`20.0` → `20`), others stay floats.
/// Non-finite values are rejected, as `json.Marshal` does ("unsupported value: NaN").
pub(super) fn float_to_json(x: f64, lang: Language) -> Result<serde_json::Value, ScriptError> {
    if !x.is_finite() {
        return Err(ScriptError::Conversion {
            lang,
            message: format!("non-finite number {x} cannot be represented in JSON"),
        });
    }
    if x.fract() == 0.0 && x.abs() <= F64_EXACT_INT {
        // Exact: |x| ≤ 2^53 fits in i64 and has no fractional part.
        #[allow(clippy::cast_possible_truncation)]
        let i = x as i64;
        return Ok(serde_json::Value::from(i));
    }
    serde_json::Number::from_f64(x)
        .map(serde_json::Value::Number)
        .ok_or_else(|| ScriptError::Conversion {
            lang,
            message: format!("number {x} cannot be represented in JSON"),
        })
}

/// If `x` is an integral float that an i64 represents exactly, return it as i64.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(super) fn exact_int(x: f64) -> Option<i64> {
    if x.is_finite() && x.fract() == 0.0 && x.abs() <= F64_EXACT_INT {
        #[allow(clippy::cast_possible_truncation)]
        Some(x as i64)
    } else {
        None
    }
}

/// Computes the 1-based line/column of byte `offset` in `src`.
pub(super) fn position_of(src: &str, offset: usize) -> Position {
    let offset = offset.min(src.len());
    let mut line = 1;
    let mut line_start = 0;
    for (i, b) in src.bytes().enumerate().take(offset) {
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
    }
    let column = src
        .get(line_start..offset)
        .map_or(1, |s| s.chars().count() + 1);
    Position {
        line,
        column: Some(column),
    }
}
