//! Trigger sink for `bench/e2e.sh`: counts requests and measures event → trigger latency from
//! the `sent` field (µs since the epoch) the load generator put in each event and the sensor's
//! `http` trigger copied into its payload. `GET /stats` answers the figures so far.
//!
//! Usage: sink PORT [print]   (`print`: also print each request body on stdout)

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::get;
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Default)]
struct Stats {
    latencies_us: Vec<u64>,
    print: bool,
}

type Shared = Arc<Mutex<Stats>>;

async fn hit(State(s): State<Shared>, body: Bytes) -> &'static str {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    let sent = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("sent").and_then(serde_json::Value::as_u64));
    if let Ok(mut st) = s.lock() {
        if let Some(sent) = sent {
            st.latencies_us.push(now.saturating_sub(sent));
        }
        if st.print {
            println!("{}", String::from_utf8_lossy(&body));
        }
    }
    "ok"
}

async fn stats(State(s): State<Shared>) -> String {
    let mut l = s
        .lock()
        .map(|st| st.latencies_us.clone())
        .unwrap_or_default();
    l.sort_unstable();
    let p = |q: f64| {
        if l.is_empty() {
            0.0
        } else {
            l[((l.len() as f64 - 1.0) * q).round() as usize] as f64 / 1000.0
        }
    };
    format!(
        "{{\"received\":{},\"event_to_trigger_ms\":{{\"p50\":{:.3},\"p90\":{:.3},\"p99\":{:.3},\"max\":{:.3}}}}}",
        l.len(),
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(18081);
    let shared: Shared = Arc::new(Mutex::new(Stats {
        latencies_us: Vec::new(),
        print: std::env::args().nth(2).as_deref() == Some("print"),
    }));
    let app = Router::new()
        .route("/stats", get(stats))
        .fallback(hit)
        .with_state(shared);
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(l, app).await?;
    Ok(())
}
