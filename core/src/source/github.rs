//! The `github` source.
//!
//! As Argo (go-github's `ValidatePayload`): the JSON payload is the body for
//! `application/json`, the `payload` form field for `application/x-www-form-urlencoded`; with a
//! `webhookSecret` the raw body must carry a valid `X-Hub-Signature-256` (else `X-Hub-Signature`)
//! of the form `sha256=<hex>` / `sha1=<hex>` / `sha512=<hex>`. Argo then decodes the payload into
//! a map, adds the `X-GitHub-Event` and `X-GitHub-Delivery` header values as top-level keys and
//! marshals it again (keys sorted, numbers as `float64`), publishing
//! `{"headers":{…},"body":{…},"metadata":{…}}`. Failures answer 400 with go-github's message.
//!
//! `events` lists the event types Argo subscribes a hook it creates to; Tripline creates no
//! hooks, so it enforces the list on receipt: another `X-GitHub-Event` is answered 200 and not
//! published (`*` or an empty list accepts all).

use super::auth::{hmac_matches, HashAlg, Secret};
use super::encode::write_value;
use super::form::Form;
use super::webhook::FORM;
use super::{reject, Early, Request};
use serde_json::Value;

#[derive(Debug)]
pub(crate) struct Github {
    pub(crate) secret: Option<Secret>,
    pub(crate) events: Vec<String>,
}

impl Github {
    pub(crate) fn data(&self, req: &Request<'_, '_>, metadata: &str) -> Result<String, Early> {
        let body = req.body()?;
        let content_type = req.headers.get("Content-Type").unwrap_or("");
        let media = media_type(content_type).map_err(|e| reject(400, e))?;
        let form;
        let payload: &[u8] = match media.as_str() {
            "application/json" => body,
            FORM => {
                let text = std::str::from_utf8(body)
                    .map_err(|_| reject(400, "form body is not UTF-8 text"))?;
                let (parsed, err) = Form::parse(text);
                if let Some(e) = err {
                    return Err(reject(400, e));
                }
                form = parsed;
                form.get("payload").as_bytes()
            }
            _ => {
                return Err(reject(
                    400,
                    format!("webhook request has unsupported Content-Type {media:?}"),
                ))
            }
        };
        if let Some(secret) = self.secret.as_ref().filter(|s| !s.is_empty()) {
            let sig = req
                .headers
                .get("X-Hub-Signature-256")
                .filter(|s| !s.is_empty())
                .or_else(|| req.headers.get("X-Hub-Signature"))
                .unwrap_or("");
            // 401, not Argo's 400: the sender failed to authenticate, the request itself is fine.
            check_signature(sig, body, secret).map_err(|e| reject(401, e))?;
        }
        let event = req.headers.get("X-Github-Event").unwrap_or("");
        if !self.events.is_empty() && !self.events.iter().any(|e| e == "*" || e == event) {
            return Err(Early::Filtered(format!(
                "GitHub event {event:?} is not one of the source's events ({})",
                self.events.join(", ")
            )));
        }
        let mut value: Value = serde_json::from_slice(payload)
            .map_err(|e| reject(400, format!("payload is not valid JSON: {e}")))?;
        let Value::Object(map) = &mut value else {
            return Err(reject(400, "payload is not a JSON object"));
        };
        // Argo stores these two headers inside the body under their GitHub spelling.
        map.insert("X-GitHub-Event".into(), Value::String(event.into()));
        let delivery = req.headers.get("X-Github-Delivery").unwrap_or("");
        map.insert("X-GitHub-Delivery".into(), Value::String(delivery.into()));

        let mut out = String::with_capacity(payload.len() + 512);
        out.push_str("{\"headers\":");
        req.headers.write_json(&mut out);
        out.push_str(",\"body\":");
        write_value(&mut out, &value);
        out.push_str(metadata);
        out.push('}');
        Ok(out)
    }
}

/// The media type of a `Content-Type` value, lower case, without parameters (Go's
/// `mime.ParseMediaType`, simplified).
fn media_type(content_type: &str) -> Result<String, String> {
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media.is_empty() {
        return Err("mime: no media type".into());
    }
    Ok(media.to_ascii_lowercase())
}

/// go-github's `ValidateSignature`, with its messages.
fn check_signature(signature: &str, body: &[u8], secret: &Secret) -> Result<(), String> {
    if signature.is_empty() {
        return Err("missing signature".into());
    }
    let (prefix, hex_mac) = signature
        .split_once('=')
        .ok_or_else(|| format!("error parsing signature {signature:?}"))?;
    let alg = match prefix {
        "sha1" => HashAlg::Sha1,
        "sha256" => HashAlg::Sha256,
        "sha512" => HashAlg::Sha512,
        other => return Err(format!("unknown hash type prefix: {other:?}")),
    };
    let mac =
        hex::decode(hex_mac).map_err(|e| format!("error decoding signature {signature:?}: {e}"))?;
    if hmac_matches(alg, secret.as_bytes(), &[body], &mac) {
        Ok(())
    } else {
        Err("payload signature check failed".into())
    }
}
