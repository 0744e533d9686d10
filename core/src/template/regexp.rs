//! Sprig's regex helpers (`regexFindAll`, `regexSplit`) over Go patterns compiled by
//! `crate::regex_go`.
use regex::Regex;

/// Compile a Go regular expression.
pub(crate) fn compile(pat: &str) -> Result<Regex, String> {
    crate::regex_go::compile(pat).map_err(|e| format!("error parsing regexp: {e}"))
}

pub(crate) fn find_all(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut prev_end: Option<usize> = None;
    for m in re.find_iter(s) {
        if m.start() == m.end() && prev_end == Some(m.start()) {
            continue;
        }
        out.push((m.start(), m.end()));
        prev_end = Some(m.end());
        if n > 0 && out.len() as i64 >= n {
            break;
        }
    }
    out
}

/// Go's `Regexp.Split(s, n)`.
pub(crate) fn split(re: &Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(re, s, n);
    let mut parts = Vec::new();
    let (mut beg, mut end) = (0usize, 0usize);
    for (ms, me) in matches {
        if n > 0 && parts.len() as i64 == n - 1 {
            break;
        }
        end = ms;
        if me != 0 {
            parts.push(s[beg..end].to_string());
        }
        beg = me;
    }
    if end != s.len() {
        parts.push(s[beg..].to_string());
    }
    parts
}
