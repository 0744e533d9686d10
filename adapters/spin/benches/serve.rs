//! Per-request latency and throughput of the component in `wasmtime serve`: a signed GitHub
//! webhook → HMAC check → data filter + CEL expression → `http` trigger to a loopback sink,
//! answered after the trigger's response. Run: `cargo bench --bench serve` (prints a table).
//!
//! Cases: the pre-initialized component with a fresh instance per request (`wasmtime serve`'s
//! default for WASI 0.2 components, like Spin), the same with instance reuse, and the
//! component without pre-initialization (each fresh instance compiles the bundle).

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::{Duration, Instant};
use support::{build, github_signature, scratch, Conn, Served, Sink, GITHUB_SOURCE, REUSE};

const SECRET: &str = "bench-secret";
const N: usize = 1000;

fn manifests(sink: &Sink) -> String {
    format!(
        r#"{GITHUB_SOURCE}---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: prs
spec:
  dependencies:
    - name: pr
      eventSourceName: github
      eventName: prs
      filters:
        data:
          - path: body.action
            type: string
            value: [opened]
        exprs:
          - expr: number > 10 && title.startsWith("feat")
            fields:
              - name: number
                path: body.number
              - name: title
                path: body.pull_request.title
  triggers:
    - template:
        name: notify
        http:
          url: {url}
          method: POST
          payload:
            - src:
                dependencyName: pr
                dataKey: body.pull_request.title
              dest: title
"#,
        url = sink.url("/sink")
    )
}

fn body(action: &str, i: usize) -> Vec<u8> {
    format!(
        r#"{{"action":"{action}","number":{n},"pull_request":{{"title":"feat: change {i}","html_url":"https://example.com/pr/{i}"}},"repository":{{"full_name":"example/repo"}}}}"#,
        n = 100 + i
    )
    .into_bytes()
}

fn send(conn: &mut Conn, action: &str, i: usize) -> Duration {
    let b = body(action, i);
    let sig = github_signature(SECRET, &b);
    let delivery = format!("bench-{action}-{i}-{}", std::process::id());
    let start = Instant::now();
    let a = conn
        .send(
            "POST",
            "/github",
            &[
                ("Content-Type", "application/json"),
                ("X-GitHub-Event", "pull_request"),
                ("X-GitHub-Delivery", &delivery),
                ("X-Hub-Signature-256", &sig),
            ],
            &b,
        )
        .expect("request");
    let took = start.elapsed();
    assert_eq!(a.status, 200, "{}", a.text());
    took
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// Sequential latency on one keep-alive connection, then throughput with `clients` connections.
fn measure(label: &str, wasm: &Path, extra: &[&str], action: &str, clients: usize) {
    let served = Served::start(
        wasm,
        &[("TRIPLINE_SECRET_GITHUB_ACCESS_SECRET", SECRET)],
        extra,
    );
    let mut conn = Conn::open(served.port).expect("connect");
    let first = send(&mut conn, action, 0);
    for i in 1..50 {
        send(&mut conn, action, i);
    }
    let mut lat: Vec<Duration> = (0..N).map(|i| send(&mut conn, action, 1000 + i)).collect();
    lat.sort();
    let start = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let port = served.port;
            let action = action.to_string();
            std::thread::spawn(move || {
                let mut conn = Conn::open(port).expect("connect");
                for i in 0..N {
                    send(&mut conn, &action, 100_000 * (c + 1) + i);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("client");
    }
    let rps = (clients * N) as f64 / start.elapsed().as_secs_f64();
    println!(
        "| {label:<58} | {:>7.2} | {:>6.3} | {:>6.3} | {:>6.3} | {rps:>7.0} |",
        first.as_secs_f64() * 1000.0,
        pct(&lat, 0.5),
        pct(&lat, 0.9),
        pct(&lat, 0.99),
    );
}

fn main() {
    let sink = Sink::start();
    let dir = scratch("bench");
    let mdir = dir.join("manifests");
    std::fs::create_dir_all(&mdir).expect("dir");
    std::fs::write(mdir.join("bench.yaml"), manifests(&sink)).expect("write");
    let pre = dir.join("preinit.wasm");
    build(&mdir, &[], &pre).expect("build");
    let raw = dir.join("raw.wasm");
    std::env::set_var("TRIPLINE_SPIN_PREINIT", "0");
    build(&mdir, &[], &raw).expect("build");
    std::env::remove_var("TRIPLINE_SPIN_PREINIT");
    println!(
        "component: {} bytes pre-initialized, {} bytes not",
        std::fs::metadata(&pre).map(|m| m.len()).unwrap_or(0),
        std::fs::metadata(&raw).map(|m| m.len()).unwrap_or(0)
    );
    println!("{N} sequential requests on one keep-alive connection; req/s with 2 connections");
    println!(
        "| {:<58} | first ms | p50 ms | p90 ms | p99 ms |   req/s |",
        "case"
    );
    println!(
        "|{:-<60}|---------:|-------:|-------:|-------:|--------:|",
        ""
    );
    measure(
        "pre-initialized, fresh instance per request: fires trigger",
        &pre,
        &[],
        "opened",
        2,
    );
    measure(
        "pre-initialized, fresh instance per request: filtered out",
        &pre,
        &[],
        "closed",
        2,
    );
    measure(
        "pre-initialized, instance reuse: fires trigger",
        &pre,
        REUSE,
        "opened",
        2,
    );
    measure(
        "not pre-initialized, instance reuse: fires trigger",
        &raw,
        REUSE,
        "opened",
        2,
    );
    measure(
        "not pre-initialized, fresh instance per request: fires trigger",
        &raw,
        &[],
        "opened",
        2,
    );
    println!("sink received {} requests", sink.on("/sink").len());
}
