//! Go RE2 regular expressions on Rust's `regex` crate, for every place Argo uses Go's
//! `regexp`: data filter values, `=~` in expressions, Sprig's regex functions.
//!
//! Both Go's `regexp` (which govaluate's `=~` uses, and which CEL's `matches`
//! specifies) and Rust's `regex` implement RE2 syntax, with a few differences
//! this module irons out by rewriting the pattern:
//!
//! * `\d \s \w` (and `\D \S \W`) are ASCII-only in Go, Unicode-aware in Rust;
//! * `\b \B` are ASCII word boundaries in Go;
//! * `\Q...\E` quotes a literal in Go, Rust has no such syntax;
//! * inside a class, Go reads `[`, `&&`, `--` and `~~` literally where Rust
//!   nests classes or applies set operations.
//!
//! `\C` (any byte) has no equivalent on `&str` and is rejected.
//! Matching is an unanchored search in both (`MatchString` / `is_match`).

use regex::Regex;

/// Compiles a Go RE2 `pattern` into a Rust regex with Go's semantics.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    let rewritten = rewrite(pattern)?;
    regex::RegexBuilder::new(&rewritten)
        .size_limit(4 << 20)
        .dfa_size_limit(4 << 20)
        .build()
        .map_err(|e| e.to_string())
}

/// Rewrites a Go RE2 pattern into an equivalent Rust `regex` pattern.
pub fn rewrite(pattern: &str) -> Result<String, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    // Just after `[` or `[^`, where `]` is a literal.
    let mut class_start = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let Some(&n) = chars.get(i + 1) else {
                // A trailing backslash: let the regex crate report it.
                out.push('\\');
                break;
            };
            i += 2;
            class_start = false;
            match n {
                'd' => out.push_str(if in_class { "0-9" } else { "[0-9]" }),
                'D' => out.push_str("[^0-9]"),
                's' => out.push_str(if in_class {
                    r"\t\n\x0C\r "
                } else {
                    r"[\t\n\x0C\r ]"
                }),
                'S' => out.push_str(r"[^\t\n\x0C\r ]"),
                'w' => out.push_str(if in_class {
                    "0-9A-Za-z_"
                } else {
                    "[0-9A-Za-z_]"
                }),
                'W' => out.push_str("[^0-9A-Za-z_]"),
                'b' if !in_class => out.push_str(r"(?-u:\b)"),
                'B' if !in_class => out.push_str(r"(?-u:\B)"),
                'C' => return Err(r"\C (match any byte) is not supported".to_string()),
                'Q' => {
                    let mut lit = String::new();
                    while i < chars.len() {
                        if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                            i += 2;
                            break;
                        }
                        lit.push(chars[i]);
                        i += 1;
                    }
                    if in_class {
                        for ch in lit.chars() {
                            push_class_literal(&mut out, ch);
                        }
                    } else {
                        out.push_str(&regex::escape(&lit));
                    }
                }
                _ => {
                    out.push('\\');
                    out.push(n);
                }
            }
            continue;
        }
        if in_class {
            if c == '[' && chars.get(i + 1) == Some(&':') {
                // POSIX class `[:alpha:]`: copy through `:]`.
                let mut j = i + 2;
                while j + 1 < chars.len() && !(chars[j] == ':' && chars[j + 1] == ']') {
                    j += 1;
                }
                let end = (j + 2).min(chars.len());
                out.extend(&chars[i..end]);
                i = end;
                class_start = false;
                continue;
            }
            if c == ']' && !class_start {
                in_class = false;
                out.push(']');
            } else if c == '-' && chars.get(i + 1) == Some(&'-') {
                // Go: a range ending at '-', or literal dashes; never a set difference.
                out.push_str(r"-\-");
                i += 1;
            } else if c == ']' {
                out.push_str(r"\]");
            } else {
                push_class_literal(&mut out, c);
            }
            class_start = false;
            i += 1;
            continue;
        }
        if c == '[' {
            in_class = true;
            class_start = true;
            out.push('[');
            if chars.get(i + 1) == Some(&'^') {
                out.push('^');
                i += 1;
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    Ok(out)
}

/// Compiles many Go regular expressions into one set (for matching many filters at once).
pub fn compile_set<'a>(
    patterns: impl IntoIterator<Item = &'a str>,
) -> Result<regex::RegexSet, String> {
    let rewritten = patterns
        .into_iter()
        .map(rewrite)
        .collect::<Result<Vec<_>, _>>()?;
    regex::RegexSetBuilder::new(rewritten)
        .size_limit(64 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .map_err(|e| e.to_string())
}

/// Pushes `c` into a class, escaping what Rust would read as nesting or a set operation.
fn push_class_literal(out: &mut String, c: char) {
    match c {
        '[' | '&' | '~' => {
            out.push('\\');
            out.push(c);
        }
        _ => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(p: &str, s: &str) -> bool {
        compile(p)
            .map(|r| r.is_match(s))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    #[test]
    fn perl_classes_are_ascii() {
        assert!(is_match(r"^\d+$", "123"));
        assert!(!is_match(r"^\d+$", "١٢٣")); // Arabic-Indic digits: not \d in Go
        assert!(!is_match(r"^\w+$", "héllo"));
        assert!(is_match(r"^\w+$", "hello_1"));
        assert!(!is_match(r"^\s$", "\u{a0}"));
        assert!(is_match(r"^\s$", "\t"));
        assert!(is_match(r"^\D$", "é"));
        assert!(is_match(r"^[\d.]+$", "1.5"));
        assert!(is_match(r"^[^\d]+$", "abc"));
        assert!(is_match(r"^[\D]+$", "abc"));
        assert!(!is_match(r"^[\D]+$", "a1"));
    }

    #[test]
    fn word_boundaries_are_ascii() {
        assert!(is_match(r"\bfoo\b", "a foo b"));
        assert!(is_match(r"\bfoo\b", "éfoo")); // é is not a word char in Go
    }

    #[test]
    fn quoted_literals() {
        assert!(is_match(r"^\Qa.b*\E$", "a.b*"));
        assert!(!is_match(r"^\Qa.b*\E$", "axbb"));
        assert!(is_match(r"\Qa.b", "xa.b"));
    }

    #[test]
    fn class_literals_that_rust_would_nest() {
        assert!(is_match(r"^[[a]+$", "[a["));
        assert!(is_match(r"^[a&&b]+$", "a&b"));
        assert!(is_match(r"^[a~~b]+$", "~"));
        assert!(is_match(r"^[]a]+$", "]a"));
        assert!(is_match(r"^[^]a]+$", "bc"));
        assert!(is_match(r"^[[:alpha:]]+$", "abc"));
        assert!(is_match(r"^[+--]+$", "+,-"));
    }

    #[test]
    fn unanchored_search_like_go() {
        assert!(is_match("pen", "opened"));
        assert!(!is_match("^pen", "opened"));
        assert!(is_match(r"(?i)OPEN", "opened"));
    }

    #[test]
    fn unsupported_and_invalid() {
        assert!(compile(r"\C").is_err());
        assert!(compile("(").is_err());
        assert!(compile("a\\").is_err());
        assert!(compile(r"(a)\1").is_err());
    }
}
