//! PLACEHOLDER until Lua/jq land (helper work in progress).
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("scripts are not available yet")]
    Unavailable,
}
#[derive(Debug)]
pub struct LuaFilter;
impl LuaFilter {
    pub fn compile(_src: &str) -> Result<Self, ScriptError> {
        Err(ScriptError::Unavailable)
    }
    pub fn eval(&self, _data: &serde_json::Value) -> Result<bool, ScriptError> {
        Err(ScriptError::Unavailable)
    }
}
#[derive(Debug)]
pub enum Transform {}
impl Transform {
    pub fn jq(_src: &str) -> Result<Self, ScriptError> {
        Err(ScriptError::Unavailable)
    }
    pub fn lua(_src: &str) -> Result<Self, ScriptError> {
        Err(ScriptError::Unavailable)
    }
    pub fn apply(&self, _data: &serde_json::Value) -> Result<serde_json::Value, ScriptError> {
        match *self {}
    }
}
