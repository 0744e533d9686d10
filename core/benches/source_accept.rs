//! Time per `CompiledEndpoint::accept` on ~1 KB bodies. `cargo bench --bench accept`.

use chrono::{TimeZone, Utc};
use hmac::{Hmac, Mac};
use std::hint::black_box;
use std::time::Instant;
use tripline_core::secret::StaticSecrets;
use tripline_core::source::{Accepted, CompiledEndpoint, HttpRequest};
use tripline_core::spec::{load_one, Manifest};

const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: bench}
spec:
  webhook:
    plain:
      port: "12000"
      endpoint: /plain
      method: POST
      metadata: {team: platform}
    filtered:
      port: "12000"
      endpoint: /filtered
      method: POST
      filter: {expression: "body.action == 'deploy' && body.replicas > 2"}
  github:
    gh:
      repositories: [{owner: acme, names: [shop]}]
      webhook: {endpoint: /gh, port: "12001"}
      events: [push]
      webhookSecret: {name: github, key: secret}
"#;

fn body() -> String {
    let items: Vec<String> = (0..15)
        .map(|i| {
            format!(
                r#"{{"id":{i},"name":"item-{i}","price":{}.99,"tags":["a","b"]}}"#,
                i * 3
            )
        })
        .collect();
    format!(
        r#"{{"action":"deploy","service":"checkout","replicas":3,"commit":{{"sha":"9fceb02d0ae598e95dc970b74767f19372d61af8","message":"Fix rounding & totals"}},"items":[{}]}}"#,
        items.join(",")
    )
}

fn run(name: &str, ep: &CompiledEndpoint, req: &HttpRequest<'_>) {
    let now = Utc
        .with_ymd_and_hms(2025, 3, 1, 9, 0, 0)
        .single()
        .expect("time");
    let check = ep.accept(req, "id".into(), now);
    assert!(matches!(check, Accepted::Event(_)), "{name}: {check:?}");
    let n = 20_000;
    // Warm up, then measure.
    for _ in 0..1_000 {
        black_box(ep.accept(black_box(req), "id".into(), now));
    }
    let start = Instant::now();
    for _ in 0..n {
        black_box(ep.accept(black_box(req), "id".into(), now));
    }
    let per = start.elapsed() / n;
    println!(
        "{name:<28} body {:>5} B  {:>8.2} µs/accept",
        req.body.len(),
        per.as_secs_f64() * 1e6
    );
}

fn main() {
    let Manifest::EventSource(es) = load_one(ES).expect("parses").manifest else {
        panic!("not an EventSource")
    };
    let secrets = StaticSecrets::default().with("github", "secret", "gh-hook-secret");
    let body = body();
    let mut headers: Vec<(String, String)> = [
        ("Host", "events.example.com"),
        ("User-Agent", "curl/8.5.0"),
        ("Accept", "*/*"),
        ("Content-Type", "application/json"),
        ("X-Request-Id", "5f1c1d2e-8a8f-4c7e-9d7e-1f2a3b4c5d6e"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let req = |path: &'static str, headers: &'static [(String, String)], body: &'static str| {
        HttpRequest {
            method: "POST",
            path,
            query: None,
            headers,
            body: body.as_bytes(),
        }
    };
    let body: &'static str = Box::leak(body.into_boxed_str());

    let plain = CompiledEndpoint::compile(&es, "plain", &secrets).expect("compiles");
    let filtered = CompiledEndpoint::compile(&es, "filtered", &secrets).expect("compiles");
    let gh = CompiledEndpoint::compile(&es, "gh", &secrets).expect("compiles");

    // Where the plain webhook's time goes.
    let parts: [(&str, &dyn Fn()); 2] = [
        ("  JSON check (serde)", &|| {
            black_box(
                serde_json::from_slice::<serde::de::IgnoredAny>(black_box(body.as_bytes())).is_ok(),
            );
        }),
        ("  Event::new (gjson valid)", &|| {
            let ctx = tripline_core::event::EventContext {
                id: "id".into(),
                source: "s".into(),
                specversion: "1.0".into(),
                r#type: "webhook".into(),
                datacontenttype: "application/json".into(),
                subject: "x".into(),
                time: Utc.timestamp_opt(0, 0).single().expect("time"),
            };
            black_box(tripline_core::event::Event::new(
                ctx,
                body.as_bytes().to_vec(),
            ));
        }),
    ];
    for (name, f) in parts {
        let n = 20_000u32;
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        println!(
            "{name:<28} {:>8.2} µs",
            (start.elapsed() / n).as_secs_f64() * 1e6
        );
    }
    let h: &'static [(String, String)] = Box::leak(headers.clone().into_boxed_slice());
    run("webhook (JSON)", &plain, &req("/plain", h, body));
    run(
        "webhook + filter.expression",
        &filtered,
        &req("/filtered", h, body),
    );

    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"gh-hook-secret").expect("key");
    mac.update(body.as_bytes());
    headers.push(("X-GitHub-Event".into(), "push".into()));
    headers.push((
        "X-Hub-Signature-256".into(),
        format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
    ));
    let h: &'static [(String, String)] = Box::leak(headers.into_boxed_slice());
    run("github (HMAC, re-encode)", &gh, &req("/gh", h, body));
}
