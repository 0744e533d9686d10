//! The HTTP side of webhook-family event sources: one axum server per port, each request
//! mapped by the core's `source` module and acknowledged only after the bus has the event.

use super::metrics::{self, Metrics, RejectLabels};
use super::record;
use crate::bus::Bus;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use tripline_core::source::{self, Accepted, HttpRequest, Route};

pub struct PortState {
    pub port: u16,
    pub router: Arc<source::Router>,
    pub bus: Bus,
    pub metrics: Arc<Metrics>,
}

/// The app of one port; every path goes through the core's router.
pub fn app(state: Arc<PortState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

fn text(status: u16, body: impl Into<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, body.into()).into_response()
}

async fn handle(
    State(st): State<Arc<PortState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ep = match st.router.route(st.port, uri.path()) {
        Route::Endpoint(ep) => ep,
        Route::Health => return text(200, source::HEALTH_BODY),
        Route::NotFound => return text(source::NOT_FOUND.0, source::NOT_FOUND.1),
    };
    let info = ep.endpoint();
    let labels = metrics::source(&info.event_source, &info.event_name);
    st.metrics.received.get_or_create(&labels).inc();
    let reject = |status: u16, msg: String| {
        st.metrics
            .rejected
            .get_or_create(&RejectLabels {
                event_source: info.event_source.clone(),
                event_name: info.event_name.clone(),
                status: status.to_string(),
            })
            .inc();
        tracing::debug!(event_source = %info.event_source, event_name = %info.event_name, status, reason = %msg, "request rejected");
        text(status, msg)
    };
    // Cap the read before buffering: an oversize body is refused without holding it.
    let limit = info.max_payload_size;
    let body: Bytes = match axum::body::to_bytes(body, limit).await {
        Ok(b) => b,
        Err(e) => {
            let too_big = std::error::Error::source(&e)
                .is_some_and(|s| s.to_string().contains("length limit"))
                || e.to_string().contains("length limit");
            return if too_big {
                reject(
                    413,
                    format!("request body exceeds maxPayloadSize ({limit} bytes)"),
                )
            } else {
                reject(400, format!("cannot read the request body: {e}"))
            };
        }
    };
    let header_list: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let req = HttpRequest {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        headers: &header_list,
        body: &body,
    };
    let id = uuid::Uuid::new_v4().to_string();
    match ep.accept(&req, id, chrono::Utc::now()) {
        Accepted::Event(event) => {
            let bytes = match record::encode_event(&event) {
                Ok(b) => b,
                Err(e) => return reject(500, format!("cannot encode the event: {e}")),
            };
            match st.bus.append(bytes).await {
                Ok(_) => {
                    st.metrics.accepted.get_or_create(&labels).inc();
                    st.metrics.bus_appended.inc();
                    text(200, "success")
                }
                // Not stored, so not acknowledged: the sender retries.
                Err(e) => {
                    tracing::error!(error = %e, "bus append failed");
                    text(source::PUBLISH_FAILED.0, source::PUBLISH_FAILED.1)
                }
            }
        }
        Accepted::Reply {
            status,
            content_type,
            body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            (status, [("content-type", content_type)], body).into_response()
        }
        Accepted::Filtered { reason } => {
            st.metrics.filtered.get_or_create(&labels).inc();
            tracing::debug!(event_source = %info.event_source, event_name = %info.event_name, %reason, "event filtered out");
            text(200, "success")
        }
        Accepted::Rejected(r) => reject(r.status, r.message),
    }
}
