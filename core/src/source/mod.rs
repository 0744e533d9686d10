//! HTTP requests to Argo-shaped CloudEvents for the webhook-family EventSources (`webhook`,
//! `github`, `gitlab`, `slack`, `stripe`), shared by every runtime (local server, Lambda Function
//! URL, Spin component).
//!
//! Pure: the transport hands over a buffered [`HttpRequest`], the event id and the current time;
//! the answer is an [`Accepted`] outcome. Secrets are resolved and filters compiled once, in
//! [`CompiledEndpoint::compile`]; [`Router`] maps a port and path to the endpoint.
//!
//! What Argo does, and Tripline with it:
//!
//! * the event context is `id` (given), `source` = EventSource name, `specversion` `1.0`,
//!   `type` = source type, `subject` = event name, `time` (given), `datacontenttype`
//!   `application/json`;
//! * the data is JSON in Argo's exact bytes (Go `encoding/json`): `webhook`
//!   `{"header":{…},"body":…,"metadata":{…}}`, `github`/`gitlab` `{"headers":…,"body":…,
//!   "metadata":…}`, `slack` the interaction / slash command / `{"type","Data"}`, `stripe`
//!   `{"event":…,"metadata":…}`; header maps use Go's canonical names (`X-Github-Event`), and a
//!   received `Authorization` header shows as `*** Masked Auth Secret ***`;
//! * with `authSecret`, `Authorization: Bearer <token>` is required (401
//!   `Invalid Authorization Header` / `Invalid Auth token`), for every source type;
//! * answers: 200 `success` once published (500 `failed to record event` if publishing fails),
//!   400 with a reason for bad requests (wrong method, bad JSON, GitLab
//!   token mismatch), 401 for a bad bearer token or Slack signature;
//! * the EventSource's `filter.expression` is evaluated on the data; a false or failing filter
//!   answers 200 and publishes nothing — [`Accepted::Filtered`] makes that visible.
//!
//! Deliberate differences: a bad GitHub or Stripe signature is answered 401 (Argo: 400), as an
//! authentication failure; a body over `maxPayloadSize` is answered 413 for every source (Argo:
//! 400, 503 or truncation, by source); the per-source notes list the rest.

mod auth;
mod encode;
mod endpoint;
pub mod filter;
mod form;
mod github;
mod gitlab;
mod headers;
mod ignored;
mod router;
mod slack;
mod stripe;
mod webhook;

#[cfg(test)]
mod tests;

pub use endpoint::{endpoints, Endpoint, SourceKind, DEFAULT_MAX_PAYLOAD_SIZE};
pub use headers::{canonical_key, MASKED_AUTHORIZATION};
pub use ignored::{ignored_fields, Ignored};
pub use router::{Route, Router, HEALTH_BODY, NOT_FOUND};
pub use slack::REPLAY_WINDOW_SECS as SLACK_REPLAY_WINDOW_SECS;
pub use stripe::DEFAULT_TOLERANCE_SECS as STRIPE_DEFAULT_TOLERANCE_SECS;

use crate::event::{Event, EventContext};
use crate::secret::{resolve, SecretError, SecretPort};
use crate::spec::{EventSource, SecretKeySelector};
use auth::Secret;
use chrono::{DateTime, Utc};
use encode::write_str;
use endpoint::{find, source_name, Spec};
use filter::Filter;
use headers::HeaderMap;

/// Body of the 200 answer once an event is published (and when it was filtered out).
pub const SUCCESS_BODY: &str = "success";
/// Status and body when publishing to the bus failed.
pub const PUBLISH_FAILED: (u16, &str) = (500, "failed to record event");

/// One buffered HTTP request, as the transport received it.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    /// Upper-case method (`POST`).
    pub method: &'a str,
    /// Path of the request target, without the query.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    /// Headers in arrival order, names in any case, repeats allowed.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    /// Publish the event, then answer 200 [`SUCCESS_BODY`] (or [`PUBLISH_FAILED`]).
    Event(Event),
    /// Answer this and publish nothing (Slack's URL verification challenge).
    Reply {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    /// Publish nothing but answer 200 [`SUCCESS_BODY`] as Argo does: the filter expression
    /// was false or failed, or the event type is not one the source subscribes to.
    Filtered { reason: String },
    /// Answer the error and publish nothing.
    Rejected(Rejection),
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

/// Why an EventSource's webhook-family endpoints could not be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("the EventSource has no metadata.name")]
    Unnamed,
    #[error(
        "event {0:?} is not a webhook, github, gitlab, slack or stripe event of this EventSource"
    )]
    NoSuchEvent(String),
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
    #[error("{path}: {source}")]
    Secret {
        path: String,
        #[source]
        source: SecretError,
    },
    #[error("port {port} path {path:?} is served by both {first} and {second}; one route can feed only one event")]
    DuplicateRoute {
        port: u16,
        path: String,
        first: String,
        second: String,
    },
}

/// A request outcome decided before the event is built.
#[derive(Debug)]
pub(crate) enum Early {
    Reply {
        status: u16,
        content_type: &'static str,
        body: String,
    },
    Filtered(String),
    Rejected(Rejection),
}

impl From<Early> for Accepted {
    fn from(e: Early) -> Accepted {
        match e {
            Early::Reply {
                status,
                content_type,
                body,
            } => Accepted::Reply {
                status,
                content_type,
                body,
            },
            Early::Filtered(reason) => Accepted::Filtered { reason },
            Early::Rejected(r) => Accepted::Rejected(r),
        }
    }
}

pub(crate) fn reject(status: u16, message: impl Into<String>) -> Early {
    Early::Rejected(Rejection {
        status,
        message: message.into(),
    })
}

/// A request while it is being mapped.
pub(crate) struct Request<'r, 'a> {
    pub(crate) http: &'r HttpRequest<'a>,
    pub(crate) headers: HeaderMap<'a>,
    pub(crate) now: DateTime<Utc>,
    max_payload: usize,
}

impl<'a> Request<'_, 'a> {
    /// The body, if within `maxPayloadSize` (413 otherwise).
    pub(crate) fn body(&self) -> Result<&'a [u8], Early> {
        if self.http.body.len() > self.max_payload {
            return Err(reject(
                413,
                format!(
                    "request body too large: {} bytes, the limit (maxPayloadSize) is {}",
                    self.http.body.len(),
                    self.max_payload
                ),
            ));
        }
        Ok(self.http.body)
    }
}

#[derive(Debug)]
enum Handler {
    Webhook(webhook::Webhook),
    Github(github::Github),
    Gitlab(gitlab::Gitlab),
    Slack(slack::Slack),
    Stripe(stripe::Stripe),
}

/// One event's endpoint, ready to map requests: secrets resolved, filter compiled.
#[derive(Debug)]
pub struct CompiledEndpoint {
    endpoint: Endpoint,
    auth: Option<Secret>,
    filter: Option<Filter>,
    /// `,"metadata":{…}` as Argo appends it, or empty.
    metadata: String,
    handler: Handler,
}

impl CompiledEndpoint {
    /// Compiles the webhook-family event `event_name` of `es`, resolving its secrets.
    pub fn compile(
        es: &EventSource,
        event_name: &str,
        secrets: &dyn SecretPort,
    ) -> Result<CompiledEndpoint, SourceError> {
        let source = source_name(es)?;
        let (path, spec) = find(es, event_name)?;
        let endpoint = endpoint::endpoint(source, event_name, &path, spec)?;
        let cx = spec.context(&path)?;
        let auth = optional_secret(secrets, cx.auth_secret, &cx.field("authSecret"))?;
        let metadata = spec.metadata();
        let filter_keys: Option<Vec<&str>> = match spec.kind() {
            SourceKind::Webhook => Some(vec!["header", "body"]),
            SourceKind::Github | SourceKind::Gitlab => Some(vec!["headers", "body"]),
            SourceKind::Stripe => Some(vec!["event"]),
            // Slack's data keys depend on the request (interaction payloads vary).
            SourceKind::Slack => None,
        }
        .map(|mut keys| {
            if !metadata.is_empty() {
                keys.push("metadata");
            }
            keys
        });
        let filter = match spec.filter().and_then(|f| f.expression.as_deref()) {
            Some(expr) if !expr.trim().is_empty() => Some(Filter::compile(
                expr,
                filter_keys.as_deref(),
                &format!("{path}.filter.expression"),
            )?),
            _ => None,
        };
        let handler = match spec {
            Spec::Webhook(_) => Handler::Webhook(webhook::Webhook {
                method: endpoint.method.clone().unwrap_or_default(),
            }),
            Spec::Github(g) => Handler::Github(github::Github {
                secret: optional_secret(
                    secrets,
                    &g.webhook_secret,
                    &format!("{path}.webhookSecret"),
                )?,
                events: g.events.clone(),
            }),
            Spec::Gitlab(g) => Handler::Gitlab(gitlab::Gitlab::new(
                optional_secret(secrets, &g.secret_token, &format!("{path}.secretToken"))?,
                &g.events,
                &path,
            )?),
            Spec::Slack(s) => Handler::Slack(slack::Slack {
                // Argo refuses to start a slack source without either.
                signing_secret: required_secret(
                    secrets,
                    &s.signing_secret,
                    &format!("{path}.signingSecret"),
                )?,
                token: required_secret(secrets, &s.token, &format!("{path}.token"))?,
            }),
            Spec::Stripe(s) => Handler::Stripe(stripe::Stripe {
                event_filter: s.event_filter.clone(),
                signing: None,
            }),
        };
        let metadata = if metadata.is_empty() || spec.kind() == SourceKind::Slack {
            String::new()
        } else {
            let mut sorted: Vec<(&String, &String)> = metadata.iter().collect();
            sorted.sort_unstable();
            let mut out = String::from(",\"metadata\":{");
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(&mut out, k);
                out.push(':');
                write_str(&mut out, v);
            }
            out.push('}');
            out
        };
        Ok(CompiledEndpoint {
            endpoint,
            auth,
            filter,
            metadata,
            handler,
        })
    }

    /// Compiles every webhook-family event of `es`, in spec order.
    pub fn compile_all(
        es: &EventSource,
        secrets: &dyn SecretPort,
    ) -> Result<Vec<CompiledEndpoint>, SourceError> {
        endpoint::all(es)
            .into_iter()
            .map(|(_, name, _)| CompiledEndpoint::compile(es, name, secrets))
            .collect()
    }

    /// Turns on `Stripe-Signature` verification with the endpoint's signing secret (`whsec_…`)
    /// and a tolerance in seconds ([`STRIPE_DEFAULT_TOLERANCE_SECS`] is Stripe's). Argo's spec has
    /// no field for it, so the runtime supplies it.
    pub fn with_stripe_signing_secret(
        mut self,
        secret: String,
        tolerance_secs: i64,
    ) -> Result<CompiledEndpoint, SourceError> {
        let Handler::Stripe(s) = &mut self.handler else {
            return Err(SourceError::Invalid {
                path: self.describe(),
                reason: "a Stripe signing secret applies to stripe events only".into(),
            });
        };
        if secret.is_empty() || tolerance_secs <= 0 {
            return Err(SourceError::Invalid {
                path: self.describe(),
                reason: "the Stripe signing secret must be non-empty and the tolerance > 0 seconds"
                    .into(),
            });
        }
        s.signing = Some(stripe::Signing {
            secret: Secret::new(secret),
            tolerance_secs,
        });
        Ok(self)
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// Largest body accepted: transports can stop reading (and answer 413) beyond it.
    pub fn max_payload_size(&self) -> usize {
        self.endpoint.max_payload_size
    }

    /// Maps one request to its outcome. `id` and `now` become the event's `id` and `time`.
    pub fn accept(&self, http: &HttpRequest<'_>, id: String, now: DateTime<Utc>) -> Accepted {
        let mut headers = HeaderMap::new(http.headers);
        if let Some(token) = &self.auth {
            let given = headers.get("Authorization").unwrap_or("");
            let Some(given) = given.strip_prefix("Bearer ") else {
                return Early::into(reject(401, "Invalid Authorization Header"));
            };
            if !token.matches(given.as_bytes()) {
                return Early::into(reject(401, "Invalid Auth token"));
            }
        }
        headers.mask_authorization();
        let req = Request {
            http,
            headers,
            now,
            max_payload: self.endpoint.max_payload_size,
        };
        let meta = self.metadata.as_str();
        let data = match &self.handler {
            Handler::Webhook(h) => h.data(&req, meta),
            Handler::Github(h) => h.data(&req, meta),
            Handler::Gitlab(h) => h.data(&req, meta),
            Handler::Slack(h) => h.data(&req),
            Handler::Stripe(h) => h.data(&req, meta),
        };
        let data = match data {
            Ok(d) => d,
            Err(early) => return early.into(),
        };
        if let Some(filter) = &self.filter {
            if let Err(reason) = filter.check(&data) {
                return Accepted::Filtered { reason };
            }
        }
        let context = EventContext {
            id,
            source: self.endpoint.event_source.clone(),
            specversion: "1.0".into(),
            r#type: self.endpoint.kind.as_str().into(),
            datacontenttype: "application/json".into(),
            subject: self.endpoint.event_name.clone(),
            time: now,
        };
        Accepted::Event(Event::new(context, data.into_bytes()))
    }

    /// `spec.<type>.<name> of EventSource <source>`, for messages.
    pub(crate) fn describe(&self) -> String {
        format!(
            "spec.{}.{} of EventSource {:?}",
            self.endpoint.kind, self.endpoint.event_name, self.endpoint.event_source
        )
    }
}

fn optional_secret(
    port: &dyn SecretPort,
    sel: &Option<SecretKeySelector>,
    path: &str,
) -> Result<Option<Secret>, SourceError> {
    sel.as_ref()
        .map(|s| {
            resolve(port, s, path)
                .map(Secret::new)
                .map_err(|source| SourceError::Secret {
                    path: path.to_string(),
                    source,
                })
        })
        .transpose()
}

fn required_secret(
    port: &dyn SecretPort,
    sel: &Option<SecretKeySelector>,
    path: &str,
) -> Result<Secret, SourceError> {
    optional_secret(port, sel, path)?.ok_or_else(|| SourceError::Invalid {
        path: path.to_string(),
        reason: "is required (Argo does not start this source without it)".into(),
    })
}
