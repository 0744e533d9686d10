//! The EventSource-level `filter.expression`.
//!
//! Argo evaluates it after building the event data: the data is decoded into a map, `-` in its
//! top-level keys becomes `_`, and the expression (expr-lang syntax) runs with those keys as
//! variables (`body.action == "opened"`, `header["X-Github-Event"][0] == "push"`). A false
//! result or any error drops the event, and the HTTP caller still gets 200.
//!
//! Tripline compiles the expression once with [`CompiledExpr`] (govaluate, else CEL). expr-lang's
//! word operators `and`, `or`, `not` and its `len(x)` are rewritten to `&&`, `||`, `!` and
//! `size(x)` first; other expr-lang-only forms (`contains`, `startsWith`, `matches` as infix
//! words, `not in`, the sprig functions) are not translated and fail to compile with a message.

use super::SourceError;
use crate::expr::{CompiledExpr, ExprError};
use serde_json::Value;

/// Most distinct variables one expression may read; bounds the discovery loop.
const MAX_VARIABLES: usize = 16;

/// CEL's built-in type identifiers: as bare names they compile without being declared.
const CEL_TYPE_NAMES: &[&str] = &[
    "type",
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "dyn",
    "null_type",
];

/// A compiled filter expression.
#[derive(Debug)]
pub struct Filter {
    expr: CompiledExpr,
}

impl Filter {
    /// Compiles `expression`. `keys` are the top-level keys the source's event data has (after
    /// `-` → `_`); `None` when they vary per request (slack), which leaves unknown names to fail
    /// per event, as in Argo.
    pub fn compile(
        expression: &str,
        keys: Option<&[&str]>,
        path: &str,
    ) -> Result<Filter, SourceError> {
        let err = |reason: String| SourceError::Invalid {
            path: path.to_string(),
            reason,
        };
        let (source, roots) = from_expr_lang(expression);
        // The variables are whatever top-level names the expression reads: let the compiler
        // name them one at a time. Names CEL would resolve to its own type identifiers (Slack's
        // `type` key) are declared up front, or they would never be reported.
        let mut fields: Vec<String> = roots
            .into_iter()
            .filter(|r| CEL_TYPE_NAMES.contains(&r.as_str()))
            .collect();
        fields.dedup();
        if let Some(keys) = keys {
            if let Some(name) = fields.iter().find(|f| !keys.contains(&f.as_str())) {
                return Err(err(unknown_key(expression, name, keys)));
            }
        }
        let expr = loop {
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            match CompiledExpr::compile(&source, &names) {
                Ok(expr) => break expr,
                Err(ExprError::UnknownVariable { name, .. })
                    if fields.len() < MAX_VARIABLES && !fields.contains(&name) =>
                {
                    if let Some(keys) = keys {
                        if !keys.contains(&name.as_str()) {
                            return Err(err(unknown_key(expression, &name, keys)));
                        }
                    }
                    fields.push(name);
                }
                Err(e) => {
                    return Err(err(format!(
                        "expression {expression:?} does not compile: {e}"
                    )))
                }
            }
        };
        Ok(Filter { expr })
    }

    /// Evaluates the filter on the event data. `Err` carries why the event is dropped.
    pub fn check(&self, data: &str) -> Result<(), String> {
        let value: Value = serde_json::from_str(data)
            .map_err(|e| format!("filter.expression: event data is not JSON: {e}"))?;
        let Value::Object(map) = &value else {
            return Err("filter.expression: event data is not a JSON object".into());
        };
        let values: Vec<Option<&Value>> = self
            .expr
            .fields()
            .iter()
            .map(|f| {
                map.iter()
                    .find(|(k, _)| normalized_eq(k, f))
                    .map(|(_, v)| v)
            })
            .collect();
        match self.expr.eval(&values) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "filter.expression {:?} is false",
                self.expr.source()
            )),
            Err(e) => Err(format!(
                "filter.expression {:?} failed: {e}",
                self.expr.source()
            )),
        }
    }
}

fn unknown_key(expression: &str, name: &str, keys: &[&str]) -> String {
    format!(
        "expression {expression:?} reads `{name}`, which is not in this source's event data (it has {}); Argo would drop every event",
        keys.join(", ")
    )
}

/// `key` with `-` replaced by `_` equals `name` (Argo's renaming of data keys).
fn normalized_eq(key: &str, name: &str) -> bool {
    key.len() == name.len()
        && key
            .bytes()
            .zip(name.bytes())
            .all(|(a, b)| a == b || (a == b'-' && b == b'_'))
}

/// Rewrites expr-lang's `and`, `or`, `not` and `len(` outside string literals and member names;
/// also returns the words used as root names (not members, not calls).
fn from_expr_lang(src: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(src.len());
    let mut roots = Vec::new();
    let mut chars = src.char_indices().peekable();
    // The last significant character written, to tell `.and` (a member) from `and`.
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                // Copy the literal through its closing quote.
                out.push(c);
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if escaped {
                        escaped = false;
                    } else if d == '\\' && c != '`' {
                        escaped = true;
                    } else if d == c {
                        break;
                    }
                }
                prev = Some(c);
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &src[i..end];
                let member = prev == Some('.');
                let next_is_call = src[end..].trim_start().starts_with('(');
                let rep = match word {
                    "and" if !member => "&&",
                    "or" if !member => "||",
                    "not" if !member => "!",
                    "len" if !member && next_is_call => "size",
                    _ => {
                        if !member && !next_is_call {
                            roots.push(word.to_string());
                        }
                        word
                    }
                };
                out.push_str(rep);
                prev = word.chars().last();
            }
            c => {
                out.push(c);
                if !c.is_whitespace() {
                    prev = Some(c);
                }
            }
        }
    }
    (out, roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_expr_lang_words_only_outside_strings_and_members() {
        let cases = [
            ("a and b or not c", "a && b || ! c"),
            (
                r#"body.s == "x and y" and body.and"#,
                r#"body.s == "x and y" && body.and"#,
            ),
            ("len(body.items) > 2", "size(body.items) > 2"),
            ("body.len > 2", "body.len > 2"),
            (
                r"body.q == 'it\'s or' || band",
                r"body.q == 'it\'s or' || band",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(from_expr_lang(src).0, want, "{src}");
        }
    }

    #[test]
    fn evaluates_on_the_data_keys() {
        let f = Filter::compile(
            r#"body.action == "opened" and header["X-Github-Event"][0] == "pull_request""#,
            Some(&["header", "body", "metadata"]),
            "spec.webhook.x.filter.expression",
        )
        .expect("compiles");
        let yes = r#"{"header":{"X-Github-Event":["pull_request"]},"body":{"action":"opened"}}"#;
        let no = r#"{"header":{"X-Github-Event":["pull_request"]},"body":{"action":"closed"}}"#;
        let missing = r#"{"header":{},"body":{"action":"opened"}}"#;
        assert_eq!(f.check(yes), Ok(()));
        assert!(f.check(no).expect_err("false").contains("is false"));
        assert!(f.check(missing).expect_err("error").contains("failed"));
    }

    #[test]
    fn cel_type_names_are_data_keys() {
        let f = Filter::compile(r#"type == "app_mention""#, None, "p").expect("compiles");
        assert_eq!(f.check(r#"{"type":"app_mention"}"#), Ok(()));
        assert!(f.check(r#"{"type":"reaction_added"}"#).is_err());
        assert!(f.check(r#"{"token":"x"}"#).is_err());
        // Still checked against the keys a source has.
        assert!(Filter::compile("int > 1", Some(&["body"]), "p").is_err());
    }

    #[test]
    fn cel_macros_and_functions_need_no_declaration() {
        let f = Filter::compile(
            "has(body.items) && body.items.exists(i, i.price > 10.0) && size(body.items) == 2",
            Some(&["header", "body"]),
            "p",
        )
        .expect("compiles");
        assert_eq!(
            f.check(r#"{"body":{"items":[{"price":5},{"price":12}]}}"#),
            Ok(())
        );
        assert!(f
            .check(r#"{"body":{"items":[{"price":5},{"price":7}]}}"#)
            .is_err());
    }

    #[test]
    fn dashed_keys_are_read_with_underscores() {
        let f = Filter::compile("x_y.n > 1", None, "p").expect("compiles");
        assert_eq!(f.check(r#"{"x-y":{"n":2}}"#), Ok(()));
        assert!(f.check(r#"{"other":1}"#).is_err());
    }

    #[test]
    fn unknown_keys_and_bad_syntax_fail_at_compile() {
        let e = Filter::compile("metadata.team == 'a'", Some(&["header", "body"]), "p")
            .expect_err("unknown key");
        assert!(e.to_string().contains("`metadata`"), "{e}");
        let e = Filter::compile("body.a ==", Some(&["body"]), "p").expect_err("syntax");
        assert!(e.to_string().contains("does not compile"), "{e}");
    }
}
