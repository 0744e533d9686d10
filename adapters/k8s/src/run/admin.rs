//! The admin port: `/metrics`, `/healthz`, `/readyz`, and `POST /replay`.

use super::metrics::Metrics;
use super::record::{self, BusRecord};
use crate::bus::Bus;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub struct AdminState {
    pub metrics: Arc<Metrics>,
    pub ready: AtomicBool,
    pub bus: Bus,
    pub sensors: HashSet<String>,
}

pub fn app(state: Arc<AdminState>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/replay", post(replay))
        .with_state(state)
}

async fn metrics(State(st): State<Arc<AdminState>>) -> Response {
    st.metrics
        .bus_bytes
        .set(i64::try_from(segment_bytes(st.bus.dir())).unwrap_or(i64::MAX));
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        st.metrics.render(),
    )
        .into_response()
}

/// Bytes of the bus's segment files (a directory listing; scrapes are rare).
fn segment_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

async fn ready(State(st): State<Arc<AdminState>>) -> Response {
    if st.ready.load(Ordering::Acquire) {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting or stopping").into_response()
    }
}

#[derive(Debug, Deserialize)]
pub struct ReplayQuery {
    pub sensor: String,
    /// RFC 3339; events appended at or after this time.
    pub since: Option<String>,
    /// RFC 3339; events appended before this time.
    pub until: Option<String>,
    /// Only the event with this CloudEvent id.
    pub event_id: Option<String>,
}

fn bad(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, msg).into_response()
}

fn ms(field: &str, v: &Option<String>) -> Result<Option<u64>, String> {
    v.as_deref()
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|d| u64::try_from(d.timestamp_millis()).unwrap_or(0))
                .map_err(|e| format!("{field}: {t:?} is not an RFC 3339 time: {e}"))
        })
        .transpose()
}

/// Appends copies of the selected events addressed to one sensor; other sensors skip them.
async fn replay(State(st): State<Arc<AdminState>>, Query(q): Query<ReplayQuery>) -> Response {
    if !st.sensors.contains(&q.sensor) {
        return (
            StatusCode::NOT_FOUND,
            format!("no sensor named {:?}", q.sensor),
        )
            .into_response();
    }
    if q.since.is_none() && q.until.is_none() && q.event_id.is_none() {
        return bad("give since/until (a time window) or event_id".into());
    }
    let (since, until) = match (ms("since", &q.since), ms("until", &q.until)) {
        (Ok(s), Ok(u)) => (s, u),
        (Err(r), _) | (_, Err(r)) => return bad(r),
    };
    let from = match since {
        Some(t) => match st.bus.find_offset_at_or_after(t) {
            Ok(o) => o,
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        },
        None => st.bus.first_offset(),
    };
    // Only what is on the bus now: the copies appended below are not read again.
    let end = st.bus.next_offset();
    let mut reader = st.bus.reader(from);
    let mut copies = Vec::new();
    let mut scanned = 0u64;
    loop {
        let rec = match reader.try_next() {
            Ok(Some(r)) if r.offset < end => r,
            Ok(_) => break,
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        };
        scanned += 1;
        if until.is_some_and(|u| rec.timestamp_ms >= u) {
            break;
        }
        let Ok(BusRecord::Event(ev)) = record::decode(&rec.payload) else {
            continue;
        };
        if q.event_id.as_deref().is_some_and(|id| id != ev.context.id) {
            continue;
        }
        match record::encode_replay(&q.sensor, &ev) {
            Ok(b) => copies.push(b),
            Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
        }
    }
    let n = copies.len();
    if n > 0 {
        if let Err(e) = st.bus.append_batch(copies).await {
            return (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response();
        }
    }
    tracing::info!(sensor = %q.sensor, replayed = n, scanned, "replay appended");
    axum::Json(serde_json::json!({"sensor": q.sensor, "replayed": n, "scanned": scanned}))
        .into_response()
}
