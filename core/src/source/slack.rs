//! The `slack` source.
//!
//! As Argo (slack-go): with a signing secret, `X-Slack-Signature: v0=<hex>` must be the
//! HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{body}` and the timestamp within 5 minutes of
//! now, either way (401 otherwise). Then, by body:
//!
//! * form post (`Content-Type` exactly `application/x-www-form-urlencoded`): a non-empty
//!   `payload` field is an interaction, published as that JSON; else a non-empty `command` field
//!   is a slash command, published as slack-go's `SlashCommand` struct;
//! * JSON (Events API): the body's `token` must equal the verification `token`;
//!   `url_verification` is answered with its `challenge` (nothing published); `event_callback`
//!   publishes `{"type":<inner type>,"Data":<inner event>}`; other types publish nothing.
//!
//! Divergences from Argo: an interaction and an inner event are published as Slack sent them,
//! where Argo re-marshals them through slack-go's structs (which adds zero-valued fields, drops
//! unknown ones, and rejects inner event types slack-go does not know); client errors answer 400
//! or 401 where Argo answers 500; an oversize body is refused (413) where Argo truncates it.

use super::auth::{hmac_matches, HashAlg, Secret};
use super::encode::{check_json, write_compact_valid, write_str, NotJson};
use super::form::Form;
use super::webhook::FORM;
use super::{reject, Early, Request};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::value::RawValue;

/// Slack's replay window: a request timestamp further than this from now is refused.
pub const REPLAY_WINDOW_SECS: i64 = 5 * 60;

#[derive(Debug)]
pub(crate) struct Slack {
    pub(crate) signing_secret: Secret,
    pub(crate) token: Secret,
}

/// The outer Events API envelope (the parts Argo reads).
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    token: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default, borrow)]
    event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Inner {
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl Slack {
    pub(crate) fn data(&self, req: &Request<'_, '_>) -> Result<String, Early> {
        let body = req.body()?;
        if !self.signing_secret.is_empty() {
            self.verify(req, body).map_err(|e| reject(401, e))?;
        }
        if req.headers.get("Content-Type") == Some(FORM) {
            let text = std::str::from_utf8(body)
                .map_err(|_| reject(400, "form body is not UTF-8 text"))?;
            let (form, err) = Form::parse(text);
            if let Some(e) = err {
                return Err(reject(400, format!("failed to parse form data: {e}")));
            }
            let payload = form.get("payload");
            if !payload.is_empty() {
                let json = check_json(payload.as_bytes()).map_err(|NotJson(e)| {
                    reject(400, format!("failed to parse interaction event, {e}"))
                })?;
                let mut out = String::with_capacity(json.len());
                write_compact_valid(&mut out, json);
                return Ok(out);
            }
            if !form.get("command").is_empty() {
                return Ok(slash_command(&form));
            }
            return Err(reject(
                400,
                "could not determine slack type from form parameters",
            ));
        }
        self.event(body)
    }

    /// slack-go's `NewSecretsVerifier` + `Ensure`, without echoing the computed signature.
    fn verify(&self, req: &Request<'_, '_>, body: &[u8]) -> Result<(), String> {
        let sig = req.headers.get("X-Slack-Signature").unwrap_or("");
        let ts = req.headers.get("X-Slack-Request-Timestamp").unwrap_or("");
        if sig.is_empty() || ts.is_empty() {
            return Err("cannot create secrets verifier, missing headers".into());
        }
        let mac = hex::decode(sig.strip_prefix("v0=").unwrap_or(sig))
            .map_err(|e| format!("cannot create secrets verifier, signature is not hex: {e}"))?;
        let secs: i64 = ts.parse().map_err(|_| {
            format!("cannot create secrets verifier, timestamp {ts:?} is not a number")
        })?;
        if !within(req.now, secs, REPLAY_WINDOW_SECS) {
            return Err("cannot create secrets verifier, timestamp is too old".into());
        }
        let parts: [&[u8]; 4] = [b"v0:", ts.as_bytes(), b":", body];
        if hmac_matches(
            HashAlg::Sha256,
            self.signing_secret.as_bytes(),
            &parts,
            &mac,
        ) {
            Ok(())
        } else {
            Err("signature validation failed, signature mismatch".into())
        }
    }

    /// An Events API request.
    fn event(&self, body: &[u8]) -> Result<String, Early> {
        let text = check_json(body)
            .map_err(|NotJson(e)| reject(400, format!("failed to extract event, {e}")))?;
        let env: Envelope<'_> = serde_json::from_str(text)
            .map_err(|e| reject(400, format!("failed to extract event, {e}")))?;
        let token = env.token.as_deref().unwrap_or("");
        if !self.token.matches(token.as_bytes()) {
            return Err(reject(
                401,
                "failed to extract event, Invalid verification token",
            ));
        }
        match env.kind.as_deref().unwrap_or("") {
            "url_verification" => Err(Early::Reply {
                status: 200,
                content_type: "text/plain",
                body: env.challenge.unwrap_or_default(),
            }),
            "event_callback" => {
                let raw = env.event.ok_or_else(|| {
                    reject(400, "failed to extract event, event_callback has no event")
                })?;
                let inner: Inner = serde_json::from_str(raw.get()).map_err(|e| {
                    reject(400, format!("failed to extract event, inner event: {e}"))
                })?;
                let mut out = String::with_capacity(raw.get().len() + 32);
                out.push_str("{\"type\":");
                write_str(&mut out, inner.kind.as_deref().unwrap_or(""));
                out.push_str(",\"Data\":");
                write_compact_valid(&mut out, raw.get());
                out.push('}');
                Ok(out)
            }
            other => Err(Early::Filtered(format!(
                "slack request of type {other:?} carries no event to publish"
            ))),
        }
    }
}

/// Whether `secs` (Unix seconds) is within `window` seconds of `now`, either way, with `now`'s
/// sub-second part counted as Go's `time.Since` does.
pub(crate) fn within(now: DateTime<Utc>, secs: i64, window: i64) -> bool {
    let Some(then) = DateTime::<Utc>::from_timestamp(secs, 0) else {
        return false;
    };
    let diff = now.signed_duration_since(then).abs();
    diff <= TimeDelta::seconds(window)
}

/// slack-go's `SlashCommand`, marshalled: its fields in struct order, empty strings kept except
/// the two `omitempty` enterprise fields.
fn slash_command(form: &Form) -> String {
    let mut out = String::with_capacity(512);
    out.push('{');
    let field = |out: &mut String, key: &str, first: bool| {
        if !first {
            out.push(',');
        }
        write_str(out, key);
        out.push(':');
        write_str(out, form.get(key));
    };
    field(&mut out, "token", true);
    field(&mut out, "team_id", false);
    field(&mut out, "team_domain", false);
    for key in ["enterprise_id", "enterprise_name"] {
        if !form.get(key).is_empty() {
            field(&mut out, key, false);
        }
    }
    out.push_str(",\"is_enterprise_install\":");
    out.push_str(if form.get("is_enterprise_install") == "true" {
        "true"
    } else {
        "false"
    });
    for key in [
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "response_url",
        "trigger_id",
        "api_app_id",
    ] {
        field(&mut out, key, false);
    }
    out.push('}');
    out
}
