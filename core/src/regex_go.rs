//! Go (RE2) regular expressions on Rust's `regex` engine.
//!
//! The syntaxes nearly coincide; the difference that changes verdicts is that Go's Perl classes
//! (`\d \w \s \b`) are ASCII-only while Rust's are Unicode. We rewrite them to their ASCII forms
//! so `\d` does not match `٣` here when it would not in Argo.

use regex::{Regex, RegexSet};

/// Rewrites Go-only class semantics into an equivalent Rust pattern.
pub fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let (outside, inside): (&str, Option<&str>) = match n {
                    'd' => ("[0-9]", Some("0-9")),
                    'D' => ("[^0-9]", None),
                    'w' => ("[0-9A-Za-z_]", Some("0-9A-Za-z_")),
                    'W' => ("[^0-9A-Za-z_]", None),
                    's' => ("[\\t\\n\\f\\r ]", Some("\\t\\n\\f\\r ")),
                    'S' => ("[^\\t\\n\\f\\r ]", None),
                    'b' if !in_class => ("(?-u:\\b)", None),
                    'B' if !in_class => ("(?-u:\\B)", None),
                    _ => {
                        out.push('\\');
                        out.push(n);
                        continue;
                    }
                };
                match (in_class, inside) {
                    (false, _) => out.push_str(outside),
                    (true, Some(i)) => out.push_str(i),
                    // A negated class inside a class has no ASCII spelling; keep Rust's.
                    (true, None) => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // `]` or `^]` right after `[` is a literal, not the end of the class.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // POSIX class `[:alpha:]` inside a bracket: copy through to its closing `:]`.
                out.push('[');
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Compiles a Go regular expression.
pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&translate(pattern))
}

/// Compiles many Go regular expressions into one set.
pub fn compile_set<'a>(
    patterns: impl IntoIterator<Item = &'a str>,
) -> Result<RegexSet, regex::Error> {
    RegexSet::new(patterns.into_iter().map(translate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_are_ascii_like_go() {
        let re = compile(r"^\d+$").expect("compiles");
        assert!(re.is_match("123"));
        assert!(!re.is_match("١٢٣"), "Arabic-Indic digits are not \\d in Go");
        let w = compile(r"^[\w-]+$").expect("compiles");
        assert!(w.is_match("a_b-9"));
        assert!(!w.is_match("é"));
    }

    #[test]
    fn unanchored_like_go_match() {
        let re = compile("org/repo-9").expect("compiles");
        assert!(re.is_match("org/repo-945"));
    }

    #[test]
    fn literal_brackets_and_escapes_survive() {
        let re = compile(r"[]a]\.x").expect("compiles");
        assert!(re.is_match("].x"));
        assert!(compile(r"[[:alpha:]]+").expect("posix").is_match("abc"));
        assert!(compile("a(").is_err());
    }
}
