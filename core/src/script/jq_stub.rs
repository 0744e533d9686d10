//! Builds without the `jq` feature (the Spin component, for size): the same API, every
//! constructor returns [`ScriptError::NotSupported`].

use super::error::ScriptError;
use serde_json::Value;
use std::convert::Infallible;

/// A jq program — unavailable in this build.
#[derive(Debug)]
pub struct JqProgram {
    never: Infallible,
}

impl JqProgram {
    /// Always [`ScriptError::NotSupported`] in this build.
    pub fn compile(_src: &str) -> Result<Self, ScriptError> {
        Err(ScriptError::NotSupported {
            feature: "jq transform",
            runtime: "this build (tripline-core without the `jq` feature)",
        })
    }

    /// Unreachable: no value of this type exists in this build.
    pub fn run(&self, _input: &Value, _max: usize) -> Result<Vec<Value>, ScriptError> {
        match self.never {}
    }

    /// Unreachable: no value of this type exists in this build.
    pub fn transform(&self, _data: &Value) -> Result<Value, ScriptError> {
        match self.never {}
    }
}
