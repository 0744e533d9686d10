//! One webhook request: route by path, read the body within `maxPayloadSize`, map it to a
//! CloudEvent with the core's source module, forward it to the SQS bus when configured, and
//! run the bundled sensors on it.

use crate::bundle::{self, Bundle};
use crate::ports::settings::{DefaultSettings, Settings};
use crate::ports::SpinPorts;
use crate::sensors::{self, DispatchError};
use crate::store::StatePort;
use chrono::Utc;
use futures::StreamExt;
use spin_sdk::http::IncomingRequest;
use tripline_core::event::Event;
use tripline_core::source::{self, Accepted, HttpRequest};
use tripline_core::trigger::ports::{QueueMessage, QueuePort};

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Reply {
    fn text(status: u16, body: impl Into<String>) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

/// Headers that carry the sender's delivery id: a redelivery keeps it, so the event id (and
/// with it the firings' idempotency keys) stays the same and settled triggers are not re-run.
const DELIVERY_HEADERS: &[&str] = &["x-github-delivery", "x-gitlab-event-uuid"];

/// The event id: the sender's delivery id when it sends one, otherwise a random UUID (v4).
pub fn event_id(headers: &[(String, String)], random: impl FnOnce() -> [u8; 16]) -> String {
    for name in DELIVERY_HEADERS {
        if let Some((_, v)) = headers
            .iter()
            .find(|(n, v)| n.eq_ignore_ascii_case(name) && !v.trim().is_empty())
        {
            return v.trim().to_string();
        }
    }
    let mut b = random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn random_16() -> [u8; 16] {
    let mut out = [0u8; 16];
    let bytes = wasi::random::random::get_random_bytes(16);
    for (o, b) in out.iter_mut().zip(bytes) {
        *o = b;
    }
    out
}

/// Why the body was not read.
enum BodyError {
    TooLarge(usize),
    Read(String),
}

/// Reads the body, stopping as soon as it passes `limit` bytes.
async fn read_body(req: IncomingRequest, limit: usize) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    let mut stream = req.into_body_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge(body.len() + chunk.len()));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn too_large(got: usize, limit: usize) -> Reply {
    Reply::text(
        413,
        format!(
            "request body too large: more than {limit} bytes (read {got}), the limit \
             (maxPayloadSize) is {limit}"
        ),
    )
}

/// Serves one request.
pub async fn serve(req: IncomingRequest) -> Reply {
    crate::ports::log::init_tracing();
    let bundle = match bundle::get() {
        Ok(b) => b,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return Reply::text(500, format!("tripline cannot start: {e}"));
        }
    };
    let target = req.path_with_query().unwrap_or_else(|| "/".into());
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target, None),
    };
    if !bundle.routes.contains_key(&path) {
        return if path == "/health" {
            Reply::text(200, source::HEALTH_BODY)
        } else {
            Reply::text(source::NOT_FOUND.0, source::NOT_FOUND.1)
        };
    }
    let ports = SpinPorts {
        settings: DefaultSettings::default(),
    };
    let endpoint = match bundle.endpoint(&path, &ports) {
        Some(Ok(e)) => e,
        Some(Err(e)) => {
            tracing::error!("{e}");
            return Reply::text(500, format!("endpoint cannot start: {e}"));
        }
        None => return Reply::text(source::NOT_FOUND.0, source::NOT_FOUND.1),
    };
    let method = req.method().to_string();
    let headers: Vec<(String, String)> = req
        .headers()
        .entries()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8_lossy(&v).into_owned()))
        .collect();
    let limit = endpoint.max_payload_size();
    let declared = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    if let Some(len) = declared.filter(|len| *len > limit) {
        return too_large(len, limit);
    }
    let body = match read_body(req, limit).await {
        Ok(b) => b,
        Err(BodyError::TooLarge(got)) => return too_large(got, limit),
        Err(BodyError::Read(e)) => return Reply::text(400, format!("cannot read the body: {e}")),
    };
    let now = Utc::now();
    let http = HttpRequest {
        method: &method,
        path: &path,
        query: query.as_deref(),
        headers: &headers,
        body: &body,
    };
    let event = match endpoint.accept(&http, event_id(&headers, random_16), now) {
        Accepted::Event(e) => e,
        Accepted::Reply {
            status,
            content_type,
            body,
        } => {
            return Reply {
                status,
                content_type,
                body,
            }
        }
        Accepted::Filtered { reason } => {
            tracing::info!(path = path.as_str(), "event filtered out: {reason}");
            return Reply::text(200, source::SUCCESS_BODY);
        }
        Accepted::Rejected(r) => return Reply::text(r.status, r.message),
    };
    publish(bundle, &event, &ports).await
}

/// Forwards the event to the bus when one is configured, then runs the sensors on it.
async fn publish<S: Settings>(bundle: &Bundle, event: &Event, ports: &SpinPorts<S>) -> Reply {
    if let Some(queue_url) = ports.settings.get("forward_queue_url") {
        if let Err(e) = ports.send_message(bus_message(&queue_url, event)).await {
            tracing::error!("forwarding event {} failed: {e}", event.context.id);
            let (status, body) = source::PUBLISH_FAILED;
            return Reply::text(status, body);
        }
    }
    let store = match crate::store::open() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("{e}");
            return Reply::text(500, e.to_string());
        }
    };
    run_sensors(bundle, event, ports, &*store).await
}

async fn run_sensors<S: Settings>(
    bundle: &Bundle,
    event: &Event,
    ports: &SpinPorts<S>,
    store: &dyn StatePort,
) -> Reply {
    let now = Utc::now();
    let mut failed = Vec::new();
    for d in &bundle.sensors {
        if d.sensor.routed(event).is_empty() {
            continue;
        }
        match sensors::dispatch(d, event, now, ports, store).await {
            Ok(outcome) => failed.extend(outcome.failed),
            Err(e @ (DispatchError::Store(_) | DispatchError::Corrupt(..))) => {
                tracing::error!(sensor = d.name.as_str(), "{e}");
                return Reply::text(500, format!("sensor {}: {e}", d.name));
            }
        }
    }
    if failed.is_empty() {
        Reply::text(200, source::SUCCESS_BODY)
    } else {
        Reply::text(502, format!("trigger failed: {}", failed.join("; ")))
    }
}

/// The event as it goes on the SQS bus: the structured-mode CloudEvent as the body, its
/// attributes also as message attributes (`ce_id`, `ce_source`, …) for routing without parsing.
pub fn bus_message(queue_url: &str, event: &Event) -> QueueMessage {
    let c = &event.context;
    let fifo = queue_url.ends_with(".fifo");
    QueueMessage {
        queue_url: queue_url.to_string(),
        body: event.to_json().to_string(),
        // One group per EventSource keeps its events in order on a FIFO bus.
        message_group_id: fifo.then(|| c.source.clone()),
        deduplication_id: fifo.then(|| c.id.chars().take(128).collect()),
        delay_seconds: None,
        attributes: vec![
            ("ce_id".into(), c.id.clone()),
            ("ce_source".into(), c.source.clone()),
            ("ce_subject".into(), c.subject.clone()),
            ("ce_type".into(), c.r#type.clone()),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_prefer_delivery_ids() {
        let h = |n: &str, v: &str| vec![(n.to_string(), v.to_string())];
        assert_eq!(
            event_id(&h("X-GitHub-Delivery", "72d3162e"), || [0; 16]),
            "72d3162e"
        );
        assert_eq!(
            event_id(&h("x-gitlab-event-uuid", " u-1 "), || [0; 16]),
            "u-1"
        );
        let id = event_id(&h("x-other", "1"), || [0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_ne!(event_id(&[], || [1; 16]), event_id(&[], || [2; 16]));
    }
}
