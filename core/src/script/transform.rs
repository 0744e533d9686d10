//! `transform: {jq: ...}` / `transform: {script: ...}` on an event dependency.

use super::error::ScriptError;
use super::jq::JqProgram;
use super::lua::{LuaLimits, LuaTransform};
use serde_json::Value;

/// A compiled event transformation. Compile once, apply per event; `Send + Sync`.
///
/// Argo (`ApplyTransform`) applies `jq` when set, otherwise `script`; when the event has no
/// data at all it leaves the event unchanged — that check belongs to the caller, since this
/// API takes the already-decoded data.
#[derive(Debug)]
pub enum Transform {
    /// `transform.jq`
    Jq(JqProgram),
    /// `transform.script` (Lua)
    Lua(LuaTransform),
}

impl Transform {
    /// Compiles a jq transformation.
    pub fn jq(src: &str) -> Result<Self, ScriptError> {
        JqProgram::compile(src).map(Self::Jq)
    }

    /// Compiles a Lua transformation with default limits
    /// ([`ScriptError::NotSupported`] on wasm32).
    pub fn lua(src: &str) -> Result<Self, ScriptError> {
        LuaTransform::compile(src).map(Self::Lua)
    }

    /// Compiles a Lua transformation with explicit limits.
    pub fn lua_with_limits(src: &str, limits: LuaLimits) -> Result<Self, ScriptError> {
        LuaTransform::compile_with_limits(src, limits).map(Self::Lua)
    }

    /// Applies the transformation to the event data and returns the new data.
    ///
    /// * jq: data must be an object (or null = `{}`); the first output is taken, later ones
    ///   are never evaluated; no output → [`ScriptError::JqNoOutput`]; a non-object output →
    ///   [`ScriptError::BadOutput`].
    /// * Lua: `event` = data; the last return value must be a table (→ object, or array when
    ///   it is a non-empty sequence).
    pub fn apply(&self, data: &Value) -> Result<Value, ScriptError> {
        match self {
            Self::Jq(p) => p.transform(data),
            Self::Lua(l) => l.apply(data),
        }
    }
}
