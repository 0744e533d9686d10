//! Function URL and API Gateway HTTP API requests (payload format 2.0) → the core's
//! webhook-family mapping, and its outcome → the HTTP answer. The answer is 200 only after
//! SQS accepted the event.

use super::{event_id, Invocation, SourceFunction};
use base64::Engine as _;
use serde_json::{json, Value};
use tripline_core::source::{
    Accepted, HttpRequest, HEALTH_BODY, NOT_FOUND, PUBLISH_FAILED, SUCCESS_BODY,
};

/// The parts of a payload-2.0 request the mapping needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub request_id: String,
}

/// Reads a Function URL / HTTP API event. Lenient: only method and path are required.
pub fn parse(v: &Value) -> Result<Request, String> {
    let s = |p: &str| v.pointer(p).and_then(Value::as_str);
    let method = s("/requestContext/http/method")
        .ok_or("requestContext.http.method is missing")?
        .to_ascii_uppercase();
    let mut path = s("/rawPath")
        .or_else(|| s("/requestContext/http/path"))
        .ok_or("rawPath is missing")?
        .to_string();
    // An HTTP API stage other than $default prefixes the path with its name.
    if let Some(stage) = s("/requestContext/stage").filter(|st| *st != "$default") {
        if let Some(rest) = path.strip_prefix(&format!("/{stage}")) {
            if rest.is_empty() || rest.starts_with('/') {
                path = if rest.is_empty() {
                    "/".into()
                } else {
                    rest.into()
                };
            }
        }
    }
    let mut headers: Vec<(String, String)> = v
        .get("headers")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default();
    // Payload 2.0 moves cookies out of the headers.
    if let Some(cookies) = v.get("cookies").and_then(Value::as_array) {
        let list: Vec<&str> = cookies.iter().filter_map(Value::as_str).collect();
        if !list.is_empty() {
            headers.push(("cookie".into(), list.join("; ")));
        }
    }
    let body = match v.get("body").and_then(Value::as_str) {
        None => Vec::new(),
        Some(b) if v.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) => {
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|e| format!("body is not valid base64: {e}"))?
        }
        Some(b) => b.as_bytes().to_vec(),
    };
    Ok(Request {
        method,
        path,
        query: s("/rawQueryString")
            .filter(|q| !q.is_empty())
            .map(str::to_string),
        headers,
        body,
        request_id: s("/requestContext/requestId")
            .unwrap_or_default()
            .to_string(),
    })
}

/// A payload-2.0 response.
pub fn response(status: u16, content_type: &str, body: &str) -> Value {
    json!({
        "statusCode": status,
        "headers": { "content-type": content_type },
        "body": body,
        "isBase64Encoded": false,
    })
}

/// Decodes `%XX` escapes of a path (Go routes on the decoded `URL.Path`).
fn decode_path(path: &str) -> Option<String> {
    if !path.contains('%') {
        return Some(path.to_string());
    }
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl SourceFunction {
    pub(super) async fn http(&self, payload: &Value, inv: &Invocation) -> Value {
        let req = match parse(payload) {
            Ok(r) => r,
            Err(reason) => return response(400, "text/plain", &reason),
        };
        let Some(path) = decode_path(&req.path) else {
            return response(NOT_FOUND.0, "text/plain", NOT_FOUND.1);
        };
        let Some(endpoint) = self.catalog.webhook(&path) else {
            if path == "/health" {
                return response(200, "text/plain", HEALTH_BODY);
            }
            return response(NOT_FOUND.0, "text/plain", NOT_FOUND.1);
        };
        let http = HttpRequest {
            method: &req.method,
            path: &path,
            query: req.query.as_deref(),
            headers: &req.headers,
            body: &req.body,
        };
        let ep = endpoint.endpoint();
        let request_key = if req.request_id.is_empty() {
            inv.request_id.as_str()
        } else {
            req.request_id.as_str()
        };
        let id = event_id(&[&ep.event_source, &ep.event_name, request_key]);
        match endpoint.accept(&http, id, inv.now) {
            Accepted::Event(event) => {
                let published = self.publisher.publish(std::slice::from_ref(&event)).await;
                match published.into_iter().next() {
                    Some(Err(e)) => {
                        tracing::error!(source = %ep.event_source, name = %ep.event_name, error = %e, "event not published");
                        response(PUBLISH_FAILED.0, "text/plain", PUBLISH_FAILED.1)
                    }
                    _ => response(200, "text/plain", SUCCESS_BODY),
                }
            }
            Accepted::Reply {
                status,
                content_type,
                body,
            } => response(status, content_type, &body),
            Accepted::Filtered { reason } => {
                tracing::info!(source = %ep.event_source, name = %ep.event_name, %reason, "filtered out");
                response(200, "text/plain", SUCCESS_BODY)
            }
            Accepted::Rejected(r) => {
                tracing::info!(source = %ep.event_source, name = %ep.event_name, status = r.status, reason = %r.message, "request rejected");
                response(r.status, "text/plain", &r.message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_function_url_events() {
        let v = json!({
            "version": "2.0", "rawPath": "/dev/deploy", "rawQueryString": "a=1",
            "cookies": ["c1=v1", "c2=v2"],
            "headers": {"content-type": "application/json", "authorization": "Bearer t"},
            "requestContext": {"http": {"method": "post", "path": "/dev/deploy"}, "requestId": "r-1", "stage": "dev"},
            "body": "eyJhIjoxfQ==", "isBase64Encoded": true
        });
        let r = parse(&v).expect("parses");
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/deploy");
        assert_eq!(r.query.as_deref(), Some("a=1"));
        assert_eq!(r.body, br#"{"a":1}"#);
        assert!(r
            .headers
            .contains(&("cookie".into(), "c1=v1; c2=v2".into())));
        assert_eq!(r.request_id, "r-1");
        assert!(parse(&json!({"rawPath": "/x"})).is_err());
        let bad = json!({"rawPath": "/x", "requestContext": {"http": {"method": "POST"}}, "body": "!", "isBase64Encoded": true});
        assert!(parse(&bad).is_err());
    }

    #[test]
    fn paths_decode_or_fail() {
        assert_eq!(decode_path("/a%20b").as_deref(), Some("/a b"));
        assert_eq!(decode_path("/plain").as_deref(), Some("/plain"));
        assert_eq!(decode_path("/bad%2"), None);
    }
}
