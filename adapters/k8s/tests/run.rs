//! `tripline run` end to end: the real binary, real HTTP over loopback, a real trigger sink,
//! the embedded bus on a temp folder.
// Setup helpers outside #[test] fns: a failed temp write should fail the test loudly.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::*;

struct Setup {
    dir: tempfile::TempDir,
    port: u16,
    sink: Sink,
}

impl Setup {
    fn manifests(&self) -> std::path::PathBuf {
        self.dir.path().join("manifests")
    }
    fn data(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }
    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

/// Manifests: a webhook source (two endpoints, one with a bearer token and a 1 KiB limit) and
/// a sensor firing an `http` trigger (with retries and a DLQ trigger) to the sink.
fn setup(sensor_extra: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::default();
    let sink_port = sink.start();
    let port = free_port();
    let m = dir.path().join("manifests");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("source.yaml"),
        format!(
            r#"apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {{name: hooks}}
spec:
  webhook:
    orders:
      port: "{port}"
      endpoint: /orders
      method: POST
    secure:
      port: "{port}"
      endpoint: /secure
      method: POST
      maxPayloadSize: 1024
      authSecret: {{name: hook-auth, key: token}}
"#
        ),
    )
    .unwrap();
    std::fs::write(
        m.join("sensor.yaml"),
        format!(
            r#"apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {{name: orders}}
spec:
  dependencies:
    - name: order
      eventSourceName: hooks
      eventName: orders
      filters:
        data:
          - path: body.kind
            type: string
            value: ["^order$"]
    - name: secure
      eventSourceName: hooks
      eventName: secure
  triggers:
    - template:
        name: to-sink
        conditions: order
        http:
          url: http://127.0.0.1:{sink_port}/orders
          payload:
            - src: {{dependencyName: order, dataKey: body.n, useRawData: true}}
              dest: n
      retryStrategy: {{steps: 3, duration: 50ms, factor: 1}}
      dlqTrigger:
        template:
          name: to-dlq
          http:
            url: http://127.0.0.1:{sink_port}/dlq
            payload:
              - src: {{dependencyName: order, dataKey: body.n, useRawData: true}}
                dest: n
        retryStrategy: {{steps: 2, duration: 50ms}}
    - template:
        name: secure-sink
        conditions: secure
        http:
          url: http://127.0.0.1:{sink_port}/secure
          payload:
            - src: {{dependencyName: secure, dataKey: body.n, useRawData: true}}
              dest: n
{sensor_extra}"#
        ),
    )
    .unwrap();
    Setup { dir, port, sink }
}

const TOKEN: (&str, &str) = ("TRIPLINE_SECRET_HOOK_AUTH_TOKEN", "s3cret");

#[test]
fn webhook_event_fires_http_trigger_and_counts_in_metrics() {
    let s = setup("");
    let t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    let (status, body) = post_json(&s.url("/orders"), &json!({"kind": "order", "n": 1})).unwrap();
    assert_eq!((status, body.as_str()), (200, "success"));
    // Filtered out by the dependency: accepted by the source, never fires.
    assert_eq!(
        post_json(&s.url("/orders"), &json!({"kind": "refund", "n": 2}))
            .unwrap()
            .0,
        200
    );
    s.sink.wait_for(10, "the order", |h| !h.is_empty());
    let hits = s.sink.hits_on("/orders");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].body, json!({"n": 1}));
    assert_eq!(
        hits[0].key.as_ref().map(String::len),
        Some(64),
        "idempotency key header"
    );
    assert_eq!(get(&s.url("/health")).unwrap(), (200, "OK".to_string()));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        t.metric("tripline_events_accepted_total", &["event_name=\"orders\""]),
        2.0
    );
    assert_eq!(
        t.metric(
            "tripline_dependency_matched_total",
            &["dependency=\"order\""]
        ),
        1.0
    );
    assert_eq!(
        t.metric(
            "tripline_dependency_missed_total",
            &["dependency=\"order\""]
        ),
        1.0
    );
    assert_eq!(
        t.metric("tripline_trigger_success_total", &["trigger=\"to-sink\""]),
        1.0
    );
    assert!(t.terminate(), "graceful shutdown exits 0");
}

#[test]
fn bad_requests_are_refused_and_do_not_block_good_ones() {
    let s = setup("");
    let t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    let auth = ("authorization", "Bearer s3cret");
    let ct = ("content-type", "application/json");
    // Wrong method: Argo answers 400 "the method is not supported".
    let (st, _) = request("GET", &s.url("/orders"), &[], b"").unwrap();
    assert!(st == 400 || st == 405, "wrong method → {st}");
    assert_eq!(
        request("POST", &s.url("/orders"), &[ct], b"{not json")
            .unwrap()
            .0,
        400
    );
    assert_eq!(
        request("POST", &s.url("/secure"), &[ct], br#"{"n":1}"#)
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        request(
            "POST",
            &s.url("/secure"),
            &[ct, ("authorization", "Bearer wrong")],
            br#"{"n":1}"#
        )
        .unwrap()
        .0,
        401
    );
    let big = format!("{{\"n\":1,\"pad\":\"{}\"}}", "x".repeat(2048));
    assert_eq!(
        request("POST", &s.url("/secure"), &[ct, auth], big.as_bytes())
            .unwrap()
            .0,
        413
    );
    assert_eq!(
        request("POST", &s.url("/nowhere"), &[ct], b"{}").unwrap().0,
        404
    );
    // The good ones still go through.
    assert_eq!(
        request("POST", &s.url("/secure"), &[ct, auth], br#"{"n":7}"#)
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        post_json(&s.url("/orders"), &json!({"kind": "order", "n": 8}))
            .unwrap()
            .0,
        200
    );
    s.sink.wait_for(10, "both good events", |h| h.len() >= 2);
    assert_eq!(s.sink.hits_on("/secure")[0].body, json!({"n": 7}));
    assert!(t.metric("tripline_events_rejected_total", &["status=\"401\""]) >= 2.0);
    assert_eq!(
        t.metric("tripline_events_rejected_total", &["status=\"413\""]),
        1.0
    );
    assert!(t.metric("tripline_events_rejected_total", &["status=\"400\""]) >= 1.0);
}

#[test]
fn failing_target_is_retried_then_dead_lettered_visibly() {
    let s = setup("");
    s.sink.fail("/orders", usize::MAX);
    let t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    post_json(&s.url("/orders"), &json!({"kind": "order", "n": 5})).unwrap();
    s.sink.wait_for(10, "the DLQ trigger", |h| {
        h.iter().any(|x| x.path == "/dlq")
    });
    assert_eq!(s.sink.hits_on("/orders").len(), 3, "three attempts");
    assert_eq!(s.sink.hits_on("/dlq")[0].body, json!({"n": 5}));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        t.metric("tripline_trigger_failure_total", &["trigger=\"to-sink\""]),
        1.0
    );
    assert_eq!(
        t.metric("tripline_trigger_attempts_total", &["trigger=\"to-sink\""]),
        3.0
    );
    assert_eq!(
        t.metric("tripline_trigger_attempts_total", &["trigger=\"to-dlq\""]),
        1.0
    );
    assert_eq!(
        t.metric("tripline_trigger_success_total", &["trigger=\"to-dlq\""]),
        1.0
    );
    assert_eq!(
        t.metric(
            "tripline_trigger_dead_lettered_total",
            &["sink=\"dlqTrigger\""]
        ),
        1.0
    );
}

#[test]
fn replay_redelivers_an_event_to_the_sensor() {
    let s = setup("");
    let t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    post_json(&s.url("/orders"), &json!({"kind": "order", "n": 3})).unwrap();
    s.sink.wait_for(10, "the first delivery", |h| h.len() == 1);
    let since = (chrono::Utc::now() - chrono::Duration::minutes(5)).to_rfc3339();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(["replay", "--sensor", "orders", "--since", &since])
        .args(["--admin", &format!("127.0.0.1:{}", t.admin)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["replayed"], 1);
    s.sink
        .wait_for(10, "the replayed delivery", |h| h.len() == 2);
    let hits = s.sink.hits();
    assert_eq!(hits[1].body, json!({"n": 3}));
    assert_eq!(hits[0].key, hits[1].key, "same event, same idempotency key");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(["replay", "--sensor", "nope", "--event-id", "x"])
        .args(["--admin", &format!("127.0.0.1:{}", t.admin)])
        .output()
        .unwrap();
    assert!(!bad.status.success());
}

#[test]
fn held_dependency_survives_a_restart() {
    let extra = r#"    - template:
        name: both
        conditions: "order && secure"
        http:
          url: http://127.0.0.1:SINK/both
"#;
    let s = setup("");
    // Point the extra trigger at the same sink as the others.
    let sensor = s.manifests().join("sensor.yaml");
    let text = std::fs::read_to_string(&sensor).unwrap();
    let sink_port = text
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    std::fs::write(
        &sensor,
        format!("{text}{}", extra.replace("SINK", &sink_port)),
    )
    .unwrap();
    let t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    post_json(&s.url("/orders"), &json!({"kind": "order", "n": 1})).unwrap();
    s.sink
        .wait_for(10, "order", |h| h.iter().any(|x| x.path == "/orders"));
    t.kill();
    let t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    let (st, _) = request(
        "POST",
        &s.url("/secure"),
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer s3cret"),
        ],
        br#"{"n":2}"#,
    )
    .unwrap();
    assert_eq!(st, 200);
    s.sink.wait_for(10, "the two-dependency trigger", |h| {
        h.iter().any(|x| x.path == "/both")
    });
    assert_eq!(
        s.sink.hits_on("/orders").len(),
        1,
        "nothing fired twice after the restart"
    );
    drop(t);
}

#[test]
fn refuses_to_start_on_invalid_manifests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n  dependencies: [{name: d, eventSourceName: a, eventName: b}]\n  triggers:\n    - template: {name: k, k8s: {operation: create, source: {resource: {}}}}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(["run", dir.path().to_str().unwrap(), "--data-dir"])
        .arg(dir.path().join("data"))
        .args(["--admin", &format!("127.0.0.1:{}", free_port())])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("template.k8s") && err.contains("not supported"),
        "{err}"
    );
}

/// Sends N unique events while the process is SIGKILLed and restarted several times. Every
/// event acknowledged with 200 must reach the sink; counted by idempotency key, exactly once.
#[test]
fn no_acknowledged_event_is_lost_across_sigkill_restarts() {
    const N: usize = 600;
    const KILLS: usize = 4;
    let s = setup("");
    let acked = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicBool::new(false));
    let sender = {
        let acked = acked.clone();
        let done = done.clone();
        let url = s.url("/orders");
        std::thread::spawn(move || {
            let mut i = 0;
            while i < N {
                match post_json(&url, &json!({"kind": "order", "n": i})) {
                    Ok((200, _)) => {
                        acked.lock().unwrap().push(i);
                        i += 1;
                    }
                    // Not acknowledged: the sender retries the same event, as a webhook
                    // client does.
                    _ => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    for _ in 0..KILLS {
        std::thread::sleep(Duration::from_millis(300));
        t.kill();
        t = Tripline::start(&s.manifests(), &s.data(), &[TOKEN]);
    }
    sender.join().unwrap();
    assert!(done.load(Ordering::SeqCst));
    let acked: HashSet<usize> = acked.lock().unwrap().iter().copied().collect();
    assert_eq!(acked.len(), N);
    s.sink.wait_for(60, "every acknowledged event", |h| {
        let seen: HashSet<u64> = h.iter().filter_map(|x| x.body["n"].as_u64()).collect();
        acked.iter().all(|n| seen.contains(&(*n as u64)))
    });
    let hits = s.sink.hits_on("/orders");
    let keys: HashSet<&str> = hits.iter().filter_map(|h| h.key.as_deref()).collect();
    // Deduplicated by key, the sink counts each delivered event exactly once. A retried send
    // whose first attempt was stored but not acknowledged is a second event (new id), so
    // unique keys may exceed N only by such sends.
    let distinct_n: HashSet<u64> = hits.iter().filter_map(|h| h.body["n"].as_u64()).collect();
    assert_eq!(distinct_n.len(), N);
    assert!(keys.len() >= N);
    eprintln!(
        "{} deliveries, {} unique keys, {} events acknowledged, {} kills",
        hits.len(),
        keys.len(),
        N,
        KILLS
    );
    drop(t);
}
