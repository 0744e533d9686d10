//! The `http` and `slack` triggers: rendered templates → [`HttpRequest`]s, and the rules that
//! decide whether a response counts as success.

use super::ports::{HttpRequest, HttpResponse, TlsMaterial};
use super::TriggerError;
use crate::param::{CompiledParam, DepEvents};
use crate::secret::{self, SecretPort};
use crate::spec::{HTTPTrigger, SlackTrigger, TLSConfig};
use base64::Engine;
use serde_json::Value;
use std::time::Duration;

/// The header carrying the firing's idempotency key on every HTTP-family request.
pub const IDEMPOTENCY_HEADER: &str = "X-Tripline-Idempotency-Key";

/// Argo's default `http.timeout`, in seconds.
const DEFAULT_TIMEOUT_SECS: u64 = 60;

fn decode<T: serde::de::DeserializeOwned>(v: &Value, kind: &str) -> Result<T, TriggerError> {
    serde_json::from_value(v.clone()).map_err(|e| {
        TriggerError::permanent(format!("invalid {kind} trigger after parameters: {e}"))
    })
}

fn secret_err(e: secret::SecretError) -> TriggerError {
    TriggerError::permanent(e.to_string())
}

fn tls(port: &(impl SecretPort + ?Sized), t: &TLSConfig) -> Result<TlsMaterial, TriggerError> {
    let read = |sel: &Option<crate::spec::SecretKeySelector>, at: &str| {
        sel.as_ref()
            .map(|s| secret::resolve(port, s, at).map_err(secret_err))
            .transpose()
    };
    Ok(TlsMaterial {
        ca_cert: read(&t.ca_cert_secret, "http.tls.caCertSecret")?,
        client_cert: read(&t.client_cert_secret, "http.tls.clientCertSecret")?,
        client_key: read(&t.client_key_secret, "http.tls.clientKeySecret")?,
        insecure_skip_verify: t.insecure_skip_verify.unwrap_or(false),
    })
}

/// Builds the request of an `http` trigger from its rendered template.
pub fn http_request<D: DepEvents + ?Sized>(
    template: &Value,
    payload: Option<Vec<u8>>,
    dynamic_headers: &[CompiledParam],
    events: &D,
    secrets: &(impl SecretPort + ?Sized),
    idempotency_key: &str,
) -> Result<HttpRequest, TriggerError> {
    let t: HTTPTrigger = decode(template, "http")?;
    let url = t
        .url
        .filter(|u| !u.is_empty())
        .ok_or_else(|| TriggerError::permanent("http trigger has no url"))?;
    let method = t
        .method
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "POST".into())
        .to_ascii_uppercase();
    let mut headers: Vec<(String, String)> = t
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (i, h) in t.secure_headers.iter().enumerate() {
        let at = format!("http.secureHeaders[{i}]");
        let name = h
            .name
            .clone()
            .filter(|n| !n.is_empty())
            .ok_or_else(|| TriggerError::permanent(format!("{at}.name is empty")))?;
        let from = h.value_from.as_ref();
        let value = if let Some(sel) = from.and_then(|f| f.secret_key_ref.as_ref()) {
            secret::resolve(secrets, sel, &format!("{at}.valueFrom.secretKeyRef"))
                .map_err(secret_err)?
        } else if let Some(cm) = from.and_then(|f| f.config_map_key_ref.as_ref()) {
            match (cm.name.as_deref(), cm.key.as_deref()) {
                (Some(n), Some(k)) => secrets.config_value(n, k).map_err(secret_err)?,
                _ => {
                    return Err(TriggerError::permanent(format!(
                        "{at}.valueFrom.configMapKeyRef has no name or key"
                    )))
                }
            }
        } else {
            return Err(TriggerError::permanent(format!(
                "{at}.valueFrom sets neither secretKeyRef nor configMapKeyRef"
            )));
        };
        headers.push((name, value));
    }
    for p in dynamic_headers {
        // Argo skips a dynamic header whose value cannot be resolved, and so do we.
        if let Some(v) = p.resolve_text(events).map_err(|e| {
            TriggerError::permanent(format!("http.dynamicHeaders `{}`: {e}", p.dest()))
        })? {
            headers.push((p.dest().to_string(), v));
        }
    }
    if let Some(auth) = &t.basic_auth {
        let user = auth
            .username
            .as_ref()
            .map(|s| secret::resolve(secrets, s, "http.basicAuth.username"))
            .transpose()
            .map_err(secret_err)?
            .unwrap_or_default();
        let pass = auth
            .password
            .as_ref()
            .map(|s| secret::resolve(secrets, s, "http.basicAuth.password"))
            .transpose()
            .map_err(secret_err)?
            .unwrap_or_default();
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        headers.push(("Authorization".into(), format!("Basic {token}")));
    }
    let body = payload.unwrap_or_default();
    if !body.is_empty()
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    headers.push((IDEMPOTENCY_HEADER.into(), idempotency_key.into()));
    let timeout = match t.timeout {
        Some(s) if s > 0 => Duration::from_secs(s.unsigned_abs()),
        _ => Duration::from_secs(DEFAULT_TIMEOUT_SECS),
    };
    let tls = t.tls.as_ref().map(|c| tls(secrets, c)).transpose()?;
    Ok(HttpRequest {
        method,
        url,
        headers,
        body,
        timeout,
        tls,
    })
}

/// Whether a response succeeded. With `policy.status.allow`, exactly those codes; without it,
/// any 2xx (Argo counts every answered request as success, hiding failing targets: Tripline
/// does not). Failures worth retrying: 408, 425, 429 and 5xx.
pub fn check_status(resp: &HttpResponse, allow: Option<&[i32]>) -> Result<(), TriggerError> {
    let ok = match allow {
        Some(list) if !list.is_empty() => list.contains(&i32::from(resp.status)),
        _ => (200..300).contains(&resp.status),
    };
    if ok {
        return Ok(());
    }
    let snippet: String = String::from_utf8_lossy(&resp.body)
        .chars()
        .take(200)
        .collect();
    let msg = format!("target answered HTTP {}: {snippet}", resp.status);
    if matches!(resp.status, 408 | 425 | 429) || resp.status >= 500 {
        Err(TriggerError::transient(msg))
    } else {
        Err(TriggerError::permanent(msg))
    }
}

/// Builds Slack's `chat.postMessage` request for a `slack` trigger.
pub fn slack_request(
    template: &Value,
    api_base: &str,
    thread_ts: Option<&str>,
    secrets: &(impl SecretPort + ?Sized),
    idempotency_key: &str,
) -> Result<HttpRequest, TriggerError> {
    let t: SlackTrigger = decode(template, "slack")?;
    let token_sel = t
        .slack_token
        .as_ref()
        .ok_or_else(|| TriggerError::permanent("slack trigger has no slackToken"))?;
    let token = secret::resolve(secrets, token_sel, "slack.slackToken").map_err(secret_err)?;
    let channel = t
        .channel
        .filter(|c| !c.is_empty())
        .ok_or_else(|| TriggerError::permanent("slack trigger has no channel"))?;
    let mut msg = serde_json::Map::new();
    msg.insert(
        "channel".into(),
        Value::String(channel.trim_start_matches('#').into()),
    );
    if let Some(text) = t.message.filter(|m| !m.is_empty()) {
        msg.insert("text".into(), Value::String(text));
    }
    for (field, raw) in [("attachments", &t.attachments), ("blocks", &t.blocks)] {
        if let Some(raw) = raw.as_deref().filter(|r| !r.trim().is_empty()) {
            let v: Value = serde_json::from_str(raw).map_err(|e| {
                TriggerError::permanent(format!("slack.{field} is not a JSON array: {e}"))
            })?;
            msg.insert(field.into(), v);
        }
    }
    if !msg.contains_key("text") && !msg.contains_key("attachments") && !msg.contains_key("blocks")
    {
        return Err(TriggerError::permanent(
            "slack trigger has none of message, attachments, blocks",
        ));
    }
    if let Some(sender) = &t.sender {
        if let Some(u) = sender.username.as_deref().filter(|u| !u.is_empty()) {
            msg.insert("username".into(), Value::String(u.into()));
        }
        if let Some(icon) = sender.icon.as_deref().filter(|i| !i.is_empty()) {
            let field = if icon.starts_with("http://") || icon.starts_with("https://") {
                "icon_url"
            } else {
                "icon_emoji"
            };
            msg.insert(field.into(), Value::String(icon.into()));
        }
    }
    if let Some(ts) = thread_ts {
        msg.insert("thread_ts".into(), Value::String(ts.into()));
        if t.thread
            .as_ref()
            .and_then(|th| th.broadcast_message_to_channel)
            == Some(true)
        {
            msg.insert("reply_broadcast".into(), Value::Bool(true));
        }
    }
    Ok(HttpRequest {
        method: "POST".into(),
        url: format!("{}/chat.postMessage", api_base.trim_end_matches('/')),
        headers: vec![
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("Authorization".into(), format!("Bearer {token}")),
            (IDEMPOTENCY_HEADER.into(), idempotency_key.into()),
        ],
        body: serde_json::to_vec(&Value::Object(msg))
            .map_err(|e| TriggerError::permanent(e.to_string()))?,
        timeout: Duration::from_secs(30),
        tls: None,
    })
}

/// The aggregation key of a slack trigger's thread, if it threads messages.
pub fn slack_thread_key(template: &Value) -> Option<String> {
    template
        .get("thread")
        .and_then(|t| t.get("messageAggregationKey"))
        .and_then(Value::as_str)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
}

/// Slack answers 200 with `{"ok": false, "error": …}` on failure; returns the message `ts`.
pub fn check_slack(resp: &HttpResponse) -> Result<Option<String>, TriggerError> {
    check_status(resp, None)?;
    let v: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| TriggerError::transient(format!("slack answered non-JSON: {e}")))?;
    if v.get("ok").and_then(Value::as_bool) == Some(true) {
        return Ok(v.get("ts").and_then(Value::as_str).map(str::to_string));
    }
    let err = v
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("unknown error")
        .to_string();
    // Slack's own throttling and outages are worth a retry; bad tokens and channels are not.
    if matches!(
        err.as_str(),
        "ratelimited"
            | "rate_limited"
            | "service_unavailable"
            | "internal_error"
            | "request_timeout"
            | "fatal_error"
    ) {
        Err(TriggerError::transient(format!("slack: {err}")))
    } else {
        Err(TriggerError::permanent(format!("slack: {err}")))
    }
}
