//! PLACEHOLDER until the Go template engine lands (helper work in progress).
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("templates are not available yet")]
    Unavailable,
}
#[derive(Debug, Default, Clone)]
pub struct ExecOptions {
    pub now: Option<chrono::DateTime<chrono::Utc>>,
}
#[derive(Debug)]
pub struct Template;
impl Template {
    pub fn parse(_src: &str) -> Result<Template, TemplateError> {
        Err(TemplateError::Unavailable)
    }
    pub fn render(&self, _data: &serde_json::Value) -> Result<String, TemplateError> {
        Err(TemplateError::Unavailable)
    }
}
