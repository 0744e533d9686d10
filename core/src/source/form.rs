//! `application/x-www-form-urlencoded` and query strings, parsed as Go's `url.ParseQuery` does
//! (pairs split on `&`, `+` as space, `%XX` escapes; a pair with `;` or a bad escape is skipped
//! and reported).

use super::encode::write_str;
use std::collections::BTreeMap;

/// Form values by key (sorted, as Go marshals `url.Values`), values in order of appearance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Form {
    pub(crate) values: BTreeMap<String, Vec<String>>,
}

impl Form {
    /// Parses `query`. The second part is Go's first error, if any pair was skipped.
    pub(crate) fn parse(query: &str) -> (Form, Option<String>) {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut first_err = None;
        for pair in query.split('&') {
            if pair.contains(';') {
                first_err.get_or_insert_with(|| "invalid semicolon separator in query".to_string());
                continue;
            }
            if pair.is_empty() {
                continue;
            }
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match (unescape(k), unescape(v)) {
                (Ok(k), Ok(v)) => values.entry(k).or_default().push(v),
                (Err(e), _) | (_, Err(e)) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        (Form { values }, first_err)
    }

    /// The first value of `key`, `""` when absent (Go's `Values.Get`).
    pub(crate) fn get(&self, key: &str) -> &str {
        self.values
            .get(key)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Appends the values as Go marshals `url.Values`: `{"k":["v1","v2"]}`.
    pub(crate) fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (k, vs)) in self.values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, k);
            out.push_str(":[");
            for (j, v) in vs.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                write_str(out, v);
            }
            out.push(']');
        }
        out.push('}');
    }
}

/// Go's `url.QueryUnescape`. Bytes that are not UTF-8 after decoding become U+FFFD, which is
/// what Go's JSON encoder writes for them.
fn unescape(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    if !bytes.iter().any(|&b| b == b'%' || b == b'+') {
        return Ok(s.to_string());
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let hi = (h[0] as char).to_digit(16)?;
                    let lo = (h[1] as char).to_digit(16)?;
                    Some((hi * 16 + lo) as u8)
                });
                match hex {
                    Some(b) => out.push(b),
                    None => {
                        let end = (i + 3).min(s.len());
                        let bad = s.get(i..end).unwrap_or("%");
                        return Err(format!("invalid URL escape {bad:?}"));
                    }
                }
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_go() {
        let (f, err) = Form::parse("b=2&a=x+y&a=%41%2b&empty&=v&&c=caf%C3%A9");
        assert_eq!(err, None);
        let mut out = String::new();
        f.write_json(&mut out);
        assert_eq!(
            out,
            r#"{"":["v"],"a":["x y","A+"],"b":["2"],"c":["café"],"empty":[""]}"#
        );
        assert_eq!(f.get("a"), "x y");
        assert_eq!(f.get("missing"), "");
    }

    #[test]
    fn skips_bad_pairs_and_reports_the_first() {
        let (f, err) = Form::parse("a=1;b=2&c=%zz&d=%4&e=ok");
        assert_eq!(err.as_deref(), Some("invalid semicolon separator in query"));
        assert_eq!(f.values.keys().collect::<Vec<_>>(), ["e"]);
        let (_, err) = Form::parse("c=%zz");
        assert_eq!(err.as_deref(), Some(r#"invalid URL escape "%zz""#));
        let (_, err) = Form::parse("d=%4");
        assert_eq!(err.as_deref(), Some(r#"invalid URL escape "%4""#));
    }
}
