//! Errors of compiling and evaluating filter expressions.

use thiserror::Error;

/// Why an expression failed to compile or evaluate.
///
/// Columns are 1-based and count characters (not bytes) of the expression as
/// written by the user.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ExprError {
    /// The expression is neither valid govaluate nor valid CEL.
    #[error("syntax error at column {column}: {message}")]
    Syntax { column: usize, message: String },

    /// The expression refers to a name that is not one of the declared fields.
    #[error("unknown variable '{name}' at column {column} (declared fields: {declared})")]
    UnknownVariable {
        name: String,
        column: usize,
        declared: String,
    },

    /// A govaluate construct Tripline deliberately does not support
    /// (bitwise operators, method calls on parameters, ...).
    #[error("unsupported '{token}' at column {column}: {reason}")]
    Unsupported {
        token: String,
        column: usize,
        reason: String,
    },

    /// A regular expression literal used with `=~`, `!~` or `matches` does not compile.
    #[error("invalid regular expression {pattern:?}: {message}")]
    InvalidRegex { pattern: String, message: String },

    /// The expression is too long or too deeply nested to be evaluated safely.
    #[error("expression too complex: {reason}")]
    TooComplex { reason: String },

    /// A field's path does not exist in the event (Argo fails the filter in that case).
    #[error("path of field '{name}' does not exist in the event")]
    MissingField { name: String },

    /// `eval` was given a different number of values than fields were declared.
    #[error("expected {expected} field values, got {got}")]
    ValueCount { expected: usize, got: usize },

    /// A field value cannot be bound (e.g. JSON nested too deeply).
    #[error("cannot bind field '{name}': {reason}")]
    Bind { name: String, reason: String },

    /// The expression evaluated to something other than a bool.
    #[error("expression evaluated to a {got}, not a bool")]
    NotBool { got: String },

    /// Evaluation failed (type mismatch, no such key, ...).
    #[error("evaluation failed: {message}")]
    Eval { message: String },
}
