//! Closed-loop HTTP load generator for `bench/e2e.sh`: C connections POST JSON events as fast
//! as they are acknowledged, for D seconds; prints throughput and accept-latency percentiles.
//! Each body carries its send time (`sent`, µs since the epoch) so the sink can measure
//! event → trigger latency.
//!
//! Usage: loadgen URL CONNECTIONS SECONDS

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn micros_now() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0)
}

fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)] as f64 / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let url = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "http://127.0.0.1:18000/bench".into());
    let conns: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(64);
    let secs: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(10);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .tcp_nodelay(true)
        .build()?;
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..conns {
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(1 << 16);
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < end {
                let body = format!(
                    "{{\"kind\":\"order\",\"n\":{},\"conn\":{c},\"sent\":{},\"pad\":\"{}\"}}",
                    i,
                    micros_now(),
                    "x".repeat(200)
                );
                let t0 = Instant::now();
                let r = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        lat.push(t0.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
                i += 1;
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_unstable();
    println!(
        "{{\"accepted\":{},\"errors\":{},\"seconds\":{:.2},\"per_second\":{:.0},\"accept_ms\":{{\"p50\":{:.3},\"p90\":{:.3},\"p99\":{:.3},\"max\":{:.3}}}}}",
        all.len(),
        errors,
        elapsed,
        all.len() as f64 / elapsed,
        pct(&all, 0.5),
        pct(&all, 0.9),
        pct(&all, 0.99),
        pct(&all, 1.0)
    );
    Ok(())
}
