use serde::{Deserialize, Serialize};

/// Argo's `Int64OrString`: a port or size written either as a number or as a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Int64OrString {
    Int(i64),
    Str(String),
}

impl Int64OrString {
    /// The integer value, parsing the string form.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Int64OrString::Int(i) => Some(*i),
            Int64OrString::Str(s) => s.trim().parse().ok(),
        }
    }
}
