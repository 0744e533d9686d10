//! Lua is not available on wasm32 (mlua needs a C toolchain and a native Lua build):
//! the same API, every constructor returns [`ScriptError::NotSupported`].

use super::error::ScriptError;
use serde_json::Value;
use std::convert::Infallible;

/// Resource limits for one Lua script run (accepted and ignored on wasm32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LuaLimits {
    /// Maximum Lua VM instructions per run.
    pub max_instructions: u64,
    /// Maximum bytes the script's Lua state may hold beyond its baseline.
    pub max_memory: usize,
}

impl Default for LuaLimits {
    fn default() -> Self {
        Self {
            max_instructions: 10_000_000,
            max_memory: 64 * 1024 * 1024,
        }
    }
}

fn not_supported() -> ScriptError {
    ScriptError::NotSupported {
        feature: "Lua script",
        runtime: "wasm32",
    }
}

/// Lua `filters.script` — unavailable on wasm32.
#[derive(Debug)]
pub struct LuaFilter {
    never: Infallible,
}

impl LuaFilter {
    /// Always [`ScriptError::NotSupported`] on wasm32.
    pub fn compile(_src: &str) -> Result<Self, ScriptError> {
        Err(not_supported())
    }

    /// Always [`ScriptError::NotSupported`] on wasm32.
    pub fn compile_with_limits(_src: &str, _limits: LuaLimits) -> Result<Self, ScriptError> {
        Err(not_supported())
    }

    /// Unreachable: no value of this type exists on wasm32.
    pub fn eval(&self, _data: &Value) -> Result<bool, ScriptError> {
        match self.never {}
    }

    /// Unreachable: no value of this type exists on wasm32.
    pub fn eval_strict(&self, _data: &Value) -> Result<bool, ScriptError> {
        match self.never {}
    }
}

/// Lua `transform.script` — unavailable on wasm32.
#[derive(Debug)]
pub struct LuaTransform {
    never: Infallible,
}

impl LuaTransform {
    /// Always [`ScriptError::NotSupported`] on wasm32.
    pub fn compile(_src: &str) -> Result<Self, ScriptError> {
        Err(not_supported())
    }

    /// Always [`ScriptError::NotSupported`] on wasm32.
    pub fn compile_with_limits(_src: &str, _limits: LuaLimits) -> Result<Self, ScriptError> {
        Err(not_supported())
    }

    /// Unreachable: no value of this type exists on wasm32.
    pub fn apply(&self, _data: &Value) -> Result<Value, ScriptError> {
        match self.never {}
    }
}
