//! Request headers as Go's `net/http` server hands them to Argo: an `http.Header` map keyed by
//! canonical names (`X-Github-Event`), values in arrival order, `Host` and `Transfer-Encoding`
//! taken out of the map. Argo marshals the map into the event data (`header` / `headers`).

use super::encode::write_str;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// The value Argo puts in place of a received `Authorization` header.
pub const MASKED_AUTHORIZATION: &str = "*** Masked Auth Secret ***";

/// Go's `textproto.CanonicalMIMEHeaderKey`: upper case at the start and after each `-`, lower
/// case elsewhere; a name with a byte outside the RFC 7230 token set is returned unchanged.
pub fn canonical_key(name: &str) -> Cow<'_, str> {
    let bytes = name.as_bytes();
    if !bytes.iter().all(|&b| is_token_byte(b)) {
        return Cow::Borrowed(name);
    }
    let mut upper = true;
    let canonical = bytes.iter().all(|&b| {
        let ok = if upper {
            !b.is_ascii_lowercase()
        } else {
            !b.is_ascii_uppercase()
        };
        upper = b == b'-';
        ok
    });
    if canonical {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for &b in bytes {
        let c = if upper {
            b.to_ascii_uppercase()
        } else {
            b.to_ascii_lowercase()
        };
        out.push(c as char);
        upper = b == b'-';
    }
    Cow::Owned(out)
}

/// RFC 7230 `tchar`.
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The header map of one request, keyed by canonical name (sorted, as Go marshals maps).
#[derive(Debug, Clone, Default)]
pub(crate) struct HeaderMap<'a> {
    map: BTreeMap<Cow<'a, str>, Vec<&'a str>>,
}

impl<'a> HeaderMap<'a> {
    /// Groups the request's headers by canonical name. `Host` and `Transfer-Encoding` are
    /// dropped: Go's server moves them out of `Request.Header`.
    pub(crate) fn new(headers: &'a [(String, String)]) -> HeaderMap<'a> {
        let mut map: BTreeMap<Cow<'a, str>, Vec<&'a str>> = BTreeMap::new();
        for (name, value) in headers {
            let key = canonical_key(name);
            if key == "Host" || key == "Transfer-Encoding" {
                continue;
            }
            map.entry(key).or_default().push(value.as_str());
        }
        HeaderMap { map }
    }

    /// The first value of a header, by canonical name (Go's `Header.Get`, with `None` for
    /// absent).
    pub(crate) fn get(&self, canonical: &str) -> Option<&'a str> {
        self.map.get(canonical).and_then(|v| v.first().copied())
    }

    /// Replaces a non-empty `Authorization` header by Argo's mask, as Argo's HTTP handler does
    /// for every webhook-family source before the event is built.
    pub(crate) fn mask_authorization(&mut self) {
        if let Some(values) = self.map.get_mut("Authorization") {
            if values.first().is_some_and(|v| !v.is_empty()) {
                *values = vec![MASKED_AUTHORIZATION];
            }
        }
    }

    /// Appends the map as Go marshals `http.Header`: `{"Name":["v1","v2"],…}`, names sorted.
    pub(crate) fn write_json(&self, out: &mut String) {
        out.push('{');
        for (i, (name, values)) in self.map.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_str(out, name);
            out.push_str(":[");
            for (j, v) in values.iter().enumerate() {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises_like_go() {
        let cases = [
            ("content-type", "Content-Type"),
            ("X-GitHub-Event", "X-Github-Event"),
            ("x-hub-signature-256", "X-Hub-Signature-256"),
            ("ACCEPT", "Accept"),
            ("x_custom", "X_custom"),
            ("Content-Type", "Content-Type"),
            ("bad header", "bad header"),
            ("-x", "-X"),
        ];
        for (name, want) in cases {
            assert_eq!(canonical_key(name), want, "{name}");
        }
    }

    #[test]
    fn groups_repeats_drops_host_and_masks_auth() {
        let headers: Vec<(String, String)> = [
            ("host", "example.com"),
            ("x-b", "2"),
            ("Accept", "*/*"),
            ("X-B", "3"),
            ("authorization", "Bearer secret"),
            ("transfer-encoding", "chunked"),
            ("X-Amp", "a&b"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut h = HeaderMap::new(&headers);
        assert_eq!(h.get("X-B"), Some("2"));
        assert_eq!(h.get("Host"), None);
        h.mask_authorization();
        let mut out = String::new();
        h.write_json(&mut out);
        assert_eq!(
            out,
            r#"{"Accept":["*/*"],"Authorization":["*** Masked Auth Secret ***"],"X-Amp":["a\u0026b"],"X-B":["2","3"]}"#
        );
    }
}
