//! Error type for parsing and executing templates.

use std::fmt;

/// A position in the template source: byte offset plus 1-based line and column
/// (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub offset: usize,
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub(crate) fn locate(src: &str, offset: usize) -> Pos {
        let offset = offset.min(src.len());
        // Walk back to a char boundary so slicing below cannot fail.
        let mut off = offset;
        while off > 0 && !src.is_char_boundary(off) {
            off -= 1;
        }
        let before = &src[..off];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = before[line_start..].chars().count() + 1;
        Pos { offset, line, col }
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Errors from [`super::Template::parse`] and template execution.
///
/// Messages follow Go's `text/template` wording where it helps users map them
/// to Argo's behaviour (e.g. `wrong type for value; expected string; got float64`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    /// The template source is malformed.
    #[error("template: {pos}: {msg}")]
    Parse { pos: Pos, msg: String },
    /// A function name that neither Go's builtins nor Sprig define. Go rejects
    /// these at parse time too (`function "xyz" not defined`).
    #[error("template: {pos}: unknown function \"{name}\"")]
    UnknownFunction { name: String, pos: Pos },
    /// A runtime failure (wrong argument type, failing function, ...).
    #[error("template: {pos}: {msg}")]
    Exec { pos: Pos, msg: String },
    /// A Sprig function this engine deliberately does not run (environment,
    /// network, crypto key generation, ...). Reported when it is executed,
    /// as Go would only fail then.
    #[error("template: {pos}: not supported: {name}")]
    Unsupported { name: String, pos: Pos },
}

impl TemplateError {
    pub(crate) fn parse(src: &str, offset: usize, msg: impl Into<String>) -> TemplateError {
        TemplateError::Parse {
            pos: Pos::locate(src, offset),
            msg: msg.into(),
        }
    }
}
