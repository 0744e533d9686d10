//! The `stripe` source.
//!
//! As Argo: the body is decoded into stripe-go's `Event` (400 `failed to parse the event`) and
//! published re-marshalled as `{"event":{…},"metadata":{…}}` — stripe-go's fields only, in its
//! order; `data.object` verbatim, `data.previous_attributes` as a re-marshalled map.
//!
//! `eventFilter` limits the event types. Argo answers another type with 400 `invalid event`;
//! Tripline answers 200 and publishes nothing, since a 400 makes Stripe retry the delivery for
//! days and eventually disable the endpoint.
//!
//! Argo verifies no signature (its spec has no signing secret). A runtime that knows the
//! endpoint's signing secret can turn on `Stripe-Signature` verification
//! ([`CompiledEndpoint::with_stripe_signing_secret`](super::CompiledEndpoint::with_stripe_signing_secret)):
//! `t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 of `{t}.{body}`, timestamp not older than the tolerance
//! (stripe-go's `ConstructEvent` rules and messages; 400 on failure).

use super::auth::{hmac_matches, HashAlg, Secret};
use super::encode::{write_compact_valid, write_str, write_value};
use super::{reject, Early, Request};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

/// stripe-go's `DefaultTolerance`.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

#[derive(Debug)]
pub(crate) struct Stripe {
    pub(crate) event_filter: Vec<String>,
    pub(crate) signing: Option<Signing>,
}

#[derive(Debug)]
pub(crate) struct Signing {
    pub(crate) secret: Secret,
    pub(crate) tolerance_secs: i64,
}

/// stripe-go v70 `Event`, as Go decodes it: absent and `null` fields are zero values.
#[derive(Deserialize)]
struct StripeEvent<'a> {
    account: Option<String>,
    api_version: Option<String>,
    created: Option<i64>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    id: Option<String>,
    livemode: Option<bool>,
    object: Option<String>,
    pending_webhooks: Option<i64>,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// stripe-go `EventData`: `object` kept raw, `previous_attributes` decoded as a map.
#[derive(Deserialize)]
struct EventData<'a> {
    previous_attributes: Option<serde_json::Map<String, Value>>,
    #[serde(borrow)]
    object: Option<&'a RawValue>,
}

/// stripe-go `EventRequest`: an object, or (older API versions) just the request id.
#[derive(Deserialize)]
#[serde(untagged)]
enum EventRequest {
    Id(String),
    Full {
        id: Option<String>,
        idempotency_key: Option<String>,
    },
}

impl Stripe {
    pub(crate) fn data(&self, req: &Request<'_, '_>, metadata: &str) -> Result<String, Early> {
        let body = req.body()?;
        if let Some(signing) = &self.signing {
            let header = req.headers.get("Stripe-Signature").unwrap_or("");
            // 401, not Argo's 400: a signature failure is an authentication failure.
            verify(header, body, signing, req.now).map_err(|e| reject(401, e))?;
        }
        let bad = || reject(400, "failed to parse the event");
        let text = std::str::from_utf8(body).map_err(|_| bad())?;
        let event: StripeEvent<'_> = serde_json::from_str(text).map_err(|_| bad())?;
        let kind = event.kind.as_deref().unwrap_or("");
        let mut out = String::with_capacity(body.len() + 256);
        out.push_str("{\"event\":{\"account\":");
        write_str(&mut out, event.account.as_deref().unwrap_or(""));
        out.push_str(",\"api_version\":");
        write_str(&mut out, event.api_version.as_deref().unwrap_or(""));
        out.push_str(",\"created\":");
        out.push_str(&event.created.unwrap_or(0).to_string());
        out.push_str(",\"data\":");
        match event.data.map(RawValue::get).filter(|d| *d != "null") {
            None => out.push_str("null"),
            Some(raw) => {
                let data: EventData<'_> = serde_json::from_str(raw).map_err(|_| bad())?;
                // Go decodes `object` into a map: it must be there, and be an object or null.
                let object = data.object.map(RawValue::get).ok_or_else(bad)?;
                if !(object.starts_with('{') || object == "null") {
                    return Err(bad());
                }
                out.push_str("{\"previous_attributes\":");
                match &data.previous_attributes {
                    None => out.push_str("null"),
                    Some(map) => write_value(&mut out, &Value::Object(map.clone())),
                }
                out.push_str(",\"object\":");
                write_compact_valid(&mut out, object);
                out.push('}');
            }
        }
        out.push_str(",\"id\":");
        write_str(&mut out, event.id.as_deref().unwrap_or(""));
        out.push_str(",\"livemode\":");
        out.push_str(if event.livemode.unwrap_or(false) {
            "true"
        } else {
            "false"
        });
        out.push_str(",\"object\":");
        write_str(&mut out, event.object.as_deref().unwrap_or(""));
        out.push_str(",\"pending_webhooks\":");
        out.push_str(&event.pending_webhooks.unwrap_or(0).to_string());
        out.push_str(",\"request\":");
        match event.request.map(RawValue::get).filter(|r| *r != "null") {
            None => out.push_str("null"),
            Some(raw) => {
                let (id, key) =
                    match serde_json::from_str::<EventRequest>(raw).map_err(|_| bad())? {
                        EventRequest::Id(id) => (id, String::new()),
                        EventRequest::Full {
                            id,
                            idempotency_key,
                        } => (id.unwrap_or_default(), idempotency_key.unwrap_or_default()),
                    };
                out.push_str("{\"id\":");
                write_str(&mut out, &id);
                out.push_str(",\"idempotency_key\":");
                write_str(&mut out, &key);
                out.push('}');
            }
        }
        out.push_str(",\"type\":");
        write_str(&mut out, kind);
        out.push('}');
        out.push_str(metadata);
        out.push('}');
        // Checked once the whole event decoded, so a malformed one is a 400 whatever its type.
        if !self.event_filter.is_empty() && !self.event_filter.iter().any(|f| f == kind) {
            return Err(Early::Filtered(format!(
                "Stripe event type {kind:?} is not in eventFilter ({})",
                self.event_filter.join(", ")
            )));
        }
        Ok(out)
    }
}

/// stripe-go's `webhook.ValidatePayloadWithTolerance`, with its messages.
fn verify(header: &str, body: &[u8], signing: &Signing, now: DateTime<Utc>) -> Result<(), String> {
    const INVALID: &str = "webhook has invalid Stripe-Signature header";
    if header.is_empty() {
        return Err("webhook has no Stripe-Signature header".into());
    }
    let mut timestamp: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for pair in header.split(',') {
        let mut parts = pair.split('=');
        let (Some(k), Some(v), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(INVALID.into());
        };
        match k {
            "t" => timestamp = Some(v.parse().map_err(|_| INVALID.to_string())?),
            // Undecodable signatures are skipped, as stripe-go does.
            "v1" => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or_else(|| INVALID.to_string())?;
    if signatures.is_empty() {
        return Err("webhook had no valid signature".into());
    }
    let signed_at =
        DateTime::<Utc>::from_timestamp(timestamp, 0).ok_or_else(|| INVALID.to_string())?;
    // Only age counts (stripe-go: `time.Since(t) > tolerance`); a future timestamp passes.
    if now.signed_duration_since(signed_at) > TimeDelta::seconds(signing.tolerance_secs) {
        return Err("timestamp wasn't within tolerance".into());
    }
    let t = timestamp.to_string();
    let parts: [&[u8]; 3] = [t.as_bytes(), b".", body];
    if signatures
        .iter()
        .any(|sig| hmac_matches(HashAlg::Sha256, signing.secret.as_bytes(), &parts, sig))
    {
        Ok(())
    } else {
        Err("webhook had no valid signature".into())
    }
}
