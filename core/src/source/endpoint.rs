//! Where each webhook-family event listens: the lookup of an event in an EventSource spec and
//! the `WebhookContext` fields every such source shares.

use super::SourceError;
use crate::spec::{
    EventSource, EventSourceFilter, GithubEventSource, GitlabEventSource, SecretKeySelector,
    SlackEventSource, StripeEventSource, WebhookContext, WebhookEventSource,
};
use indexmap::IndexMap;

/// Argo's default `maxPayloadSize`: 1 MiB.
pub const DEFAULT_MAX_PAYLOAD_SIZE: usize = 1_048_576;

/// The webhook-family source types, named as Argo names them in the event `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Webhook,
    Github,
    Gitlab,
    Slack,
    Stripe,
}

impl SourceKind {
    /// The EventSource spec key and CloudEvent `type` (`webhook`, `github`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Webhook => "webhook",
            SourceKind::Github => "github",
            SourceKind::Gitlab => "gitlab",
            SourceKind::Slack => "slack",
            SourceKind::Stripe => "stripe",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One HTTP route an EventSource serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `metadata.name` of the EventSource (the CloudEvent `source`).
    pub event_source: String,
    /// The event's key under its source type (the CloudEvent `subject`).
    pub event_name: String,
    pub kind: SourceKind,
    pub port: u16,
    /// The endpoint with a leading `/` (Argo adds it when missing).
    pub path: String,
    /// The method a request must use; `None` accepts any (Argo checks it for `webhook` only).
    pub method: Option<String>,
    /// Largest body accepted, in bytes.
    pub max_payload_size: usize,
}

/// One webhook-family event of a spec.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Spec<'a> {
    Webhook(&'a WebhookEventSource),
    Github(&'a GithubEventSource),
    Gitlab(&'a GitlabEventSource),
    Slack(&'a SlackEventSource),
    Stripe(&'a StripeEventSource),
}

impl<'a> Spec<'a> {
    pub(crate) fn kind(&self) -> SourceKind {
        match self {
            Spec::Webhook(_) => SourceKind::Webhook,
            Spec::Github(_) => SourceKind::Github,
            Spec::Gitlab(_) => SourceKind::Gitlab,
            Spec::Slack(_) => SourceKind::Slack,
            Spec::Stripe(_) => SourceKind::Stripe,
        }
    }

    /// The HTTP fields: inline for `webhook`, under `webhook` for the others.
    pub(crate) fn context(&self, path: &str) -> Result<Context<'a>, SourceError> {
        let hook = |w: &'a Option<WebhookContext>| {
            w.as_ref()
                .map(Context::of)
                .ok_or_else(|| SourceError::Invalid {
                    path: format!("{path}.webhook"),
                    reason: "webhook is required: it names the endpoint and port to serve".into(),
                })
        };
        match self {
            Spec::Webhook(w) => Ok(Context {
                endpoint: &w.endpoint,
                port: &w.port,
                method: &w.method,
                max_payload_size: w.max_payload_size,
                auth_secret: &w.auth_secret,
                prefix: path.to_string(),
            }),
            Spec::Github(g) => hook(&g.webhook).map(|c| c.at(path)),
            Spec::Gitlab(g) => hook(&g.webhook).map(|c| c.at(path)),
            Spec::Slack(s) => hook(&s.webhook).map(|c| c.at(path)),
            Spec::Stripe(s) => hook(&s.webhook).map(|c| c.at(path)),
        }
    }

    pub(crate) fn filter(&self) -> Option<&'a EventSourceFilter> {
        match self {
            Spec::Webhook(w) => w.filter.as_ref(),
            Spec::Github(g) => g.filter.as_ref(),
            Spec::Gitlab(g) => g.filter.as_ref(),
            Spec::Slack(s) => s.filter.as_ref(),
            // Argo's stripe source has no filter.
            Spec::Stripe(_) => None,
        }
    }

    pub(crate) fn metadata(&self) -> &'a IndexMap<String, String> {
        match self {
            Spec::Webhook(w) => &w.metadata,
            Spec::Github(g) => &g.metadata,
            Spec::Gitlab(g) => &g.metadata,
            Spec::Slack(s) => &s.metadata,
            Spec::Stripe(s) => &s.metadata,
        }
    }
}

/// The shared HTTP fields of one event, with the spec path they live under.
#[derive(Debug, Clone)]
pub(crate) struct Context<'a> {
    pub(crate) endpoint: &'a Option<String>,
    pub(crate) port: &'a Option<String>,
    pub(crate) method: &'a Option<String>,
    pub(crate) max_payload_size: Option<i64>,
    pub(crate) auth_secret: &'a Option<SecretKeySelector>,
    /// Path of the object holding these fields (`spec.github.x.webhook`).
    pub(crate) prefix: String,
}

impl<'a> Context<'a> {
    fn of(w: &'a WebhookContext) -> Context<'a> {
        Context {
            endpoint: &w.endpoint,
            port: &w.port,
            method: &w.method,
            max_payload_size: w.max_payload_size,
            auth_secret: &w.auth_secret,
            prefix: String::new(),
        }
    }

    fn at(mut self, event_path: &str) -> Context<'a> {
        self.prefix = format!("{event_path}.webhook");
        self
    }

    pub(crate) fn field(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }

    fn invalid(&self, name: &str, reason: impl Into<String>) -> SourceError {
        SourceError::Invalid {
            path: self.field(name),
            reason: reason.into(),
        }
    }

    pub(crate) fn port(&self) -> Result<u16, SourceError> {
        let raw = self
            .port
            .as_deref()
            .ok_or_else(|| self.invalid("port", "port is required"))?;
        // Go's strconv.Atoi: an optional sign, then digits.
        let digits = raw.strip_prefix('+').unwrap_or(raw);
        match digits.parse::<u16>() {
            Ok(p) if p > 0 && digits.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
            _ => Err(self.invalid("port", format!("port {raw:?} is not a number in 1-65535"))),
        }
    }

    /// The endpoint with Argo's normalisation: a leading `/` is added when missing.
    pub(crate) fn path(&self) -> Result<String, SourceError> {
        match self.endpoint.as_deref() {
            None => Err(self.invalid("endpoint", "endpoint is required")),
            Some(e) if e.trim().is_empty() => {
                Err(self.invalid("endpoint", "endpoint can't be empty"))
            }
            Some(e) if e.starts_with('/') => Ok(e.to_string()),
            Some(e) => Ok(format!("/{e}")),
        }
    }

    pub(crate) fn max_payload_size(&self) -> Result<usize, SourceError> {
        match self.max_payload_size {
            None => Ok(DEFAULT_MAX_PAYLOAD_SIZE),
            Some(n) if n <= 0 => Err(self.invalid(
                "maxPayloadSize",
                format!("maxPayloadSize {n} must be > 0 bytes"),
            )),
            Some(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        }
    }
}

/// The event source name (`metadata.name`).
pub(crate) fn source_name(es: &EventSource) -> Result<&str, SourceError> {
    es.metadata
        .as_ref()
        .and_then(|m| m.name.as_deref())
        .filter(|n| !n.is_empty())
        .ok_or(SourceError::Unnamed)
}

/// Every webhook-family event of the spec, with its spec path, in spec order per type.
pub(crate) fn all(es: &EventSource) -> Vec<(String, &str, Spec<'_>)> {
    let mut out = Vec::new();
    let Some(spec) = &es.spec else {
        return out;
    };
    for (name, w) in &spec.webhook {
        out.push((
            format!("spec.webhook.{name}"),
            name.as_str(),
            Spec::Webhook(w),
        ));
    }
    for (name, g) in &spec.github {
        out.push((
            format!("spec.github.{name}"),
            name.as_str(),
            Spec::Github(g),
        ));
    }
    for (name, g) in &spec.gitlab {
        out.push((
            format!("spec.gitlab.{name}"),
            name.as_str(),
            Spec::Gitlab(g),
        ));
    }
    for (name, s) in &spec.slack {
        out.push((format!("spec.slack.{name}"), name.as_str(), Spec::Slack(s)));
    }
    for (name, s) in &spec.stripe {
        out.push((
            format!("spec.stripe.{name}"),
            name.as_str(),
            Spec::Stripe(s),
        ));
    }
    out
}

/// The webhook-family event named `event_name`, with its spec path.
pub(crate) fn find<'a>(
    es: &'a EventSource,
    event_name: &str,
) -> Result<(String, Spec<'a>), SourceError> {
    let mut found = all(es).into_iter().filter(|(_, n, _)| *n == event_name);
    let (path, _, spec) = found
        .next()
        .ok_or_else(|| SourceError::NoSuchEvent(event_name.to_string()))?;
    if let Some((other, _, _)) = found.next() {
        return Err(SourceError::Invalid {
            path: other,
            reason: format!("event name {event_name:?} is also used at {path}; event names must be unique in an EventSource"),
        });
    }
    Ok((path, spec))
}

/// The routes an EventSource serves, one per webhook-family event, in spec order.
pub fn endpoints(es: &EventSource) -> Result<Vec<Endpoint>, SourceError> {
    let source = source_name(es)?;
    all(es)
        .into_iter()
        .map(|(path, name, spec)| endpoint(source, name, &path, spec))
        .collect()
}

pub(crate) fn endpoint(
    source: &str,
    name: &str,
    path: &str,
    spec: Spec<'_>,
) -> Result<Endpoint, SourceError> {
    let cx = spec.context(path)?;
    let method = match spec.kind() {
        SourceKind::Webhook => {
            Some(cx.method.clone().filter(|m| !m.is_empty()).ok_or_else(|| {
                cx.invalid(
                    "method",
                    "method is required: the webhook source accepts only requests with this method",
                )
            })?)
        }
        _ => None,
    };
    Ok(Endpoint {
        event_source: source.to_string(),
        event_name: name.to_string(),
        kind: spec.kind(),
        port: cx.port()?,
        path: cx.path()?,
        method,
        max_payload_size: cx.max_payload_size()?,
    })
}
