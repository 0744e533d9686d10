//! PLACEHOLDER until the CEL engine lands (helper work in progress).
#[derive(Debug, thiserror::Error)]
pub enum ExprError {
    #[error("expressions are not available yet")]
    Unavailable,
}
#[derive(Debug)]
pub struct CompiledExpr;
impl CompiledExpr {
    pub fn compile(_expr: &str, _fields: &[&str]) -> Result<CompiledExpr, ExprError> {
        Err(ExprError::Unavailable)
    }
    pub fn eval(&self, _values: &[Option<&serde_json::Value>]) -> Result<bool, ExprError> {
        Err(ExprError::Unavailable)
    }
    pub fn cel_source(&self) -> &str {
        ""
    }
}
