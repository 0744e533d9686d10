//! Explanations: which filter decided, on which path, with which value, and why.

use serde::Serialize;

/// One filter's outcome, for `tripline test` and debug logs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Which filter: `data[1]`, `exprs[0]`, `context`, `time`, `script`, `transform`.
    pub filter: String,
    /// The gjson path looked up, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value found (as Go's gjson `String()` renders it), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub passed: bool,
    /// Why it passed or failed, in words.
    pub reason: String,
}

/// Receives explanations; the hot path uses [`NoExplain`], which compiles them away.
pub trait Explain {
    const ON: bool;
    fn note(&mut self, make: impl FnOnce() -> Explanation);
}

/// Discards explanations.
pub struct NoExplain;

impl Explain for NoExplain {
    const ON: bool = false;
    #[inline(always)]
    fn note(&mut self, _make: impl FnOnce() -> Explanation) {}
}

impl Explain for Vec<Explanation> {
    const ON: bool = true;
    fn note(&mut self, make: impl FnOnce() -> Explanation) {
        self.push(make());
    }
}

pub(crate) fn note<E: Explain>(
    ex: &mut E,
    filter: impl FnOnce() -> String,
    path: Option<&str>,
    value: Option<&str>,
    passed: bool,
    reason: impl FnOnce() -> String,
) {
    if E::ON {
        ex.note(|| Explanation {
            filter: filter(),
            path: path.map(str::to_string),
            value: value.map(str::to_string),
            passed,
            reason: reason(),
        });
    }
}
