//! The generic `webhook` source.
//!
//! Argo publishes `{"header":{…},"body":…,"metadata":{…}}` where `body` is, by method:
//! GET — the URL query as `{"key":["value",…]}`; a form post (`Content-Type` exactly
//! `application/x-www-form-urlencoded`) — the form the same way; anything else — the request body,
//! which must be JSON. The request method must equal the configured one.

use super::encode::{write_compact, NotJson};
use super::form::Form;
use super::{reject, Early, Request};

pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

#[derive(Debug)]
pub(crate) struct Webhook {
    pub(crate) method: String,
}

impl Webhook {
    pub(crate) fn data(&self, req: &Request<'_, '_>, metadata: &str) -> Result<String, Early> {
        if req.http.method != self.method {
            return Err(reject(400, "http method does not match"));
        }
        let mut out = String::with_capacity(req.http.body.len() + 256);
        out.push_str("{\"header\":");
        req.headers.write_json(&mut out);
        out.push_str(",\"body\":");
        if req.http.method == "GET" {
            // Go's URL.Query() skips malformed pairs silently.
            let (form, _) = Form::parse(req.http.query.unwrap_or(""));
            form.write_json(&mut out);
        } else if req.headers.get("Content-Type") == Some(FORM) {
            let body = req.body()?;
            let text = std::str::from_utf8(body)
                .map_err(|_| reject(400, "form body is not UTF-8 text"))?;
            let (form, err) = Form::parse(text);
            if let Some(e) = err {
                return Err(reject(400, format!("failed to parse form data: {e}")));
            }
            form.write_json(&mut out);
        } else {
            // Argo reads other methods' bodies too (it only knows GET and POST; Tripline treats
            // every non-GET method like POST).
            let body = req.body()?;
            write_compact(&mut out, body).map_err(|NotJson(e)| {
                reject(400, format!("request body is not valid JSON: {e}"))
            })?;
        }
        out.push_str(metadata);
        out.push('}');
        Ok(out)
    }
}
