//! End to end in a real WebAssembly host: the component is built with the test's manifests,
//! pre-initialized, served by `wasmtime serve` on loopback and driven over HTTP; its triggers
//! call a loopback sink this test runs.

mod support;

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;
use support::{build, github_signature, request, scratch, Served, Sink, GITHUB_SOURCE, REUSE};

const GITHUB_SECRET: &str = "gh-s3cret";
const HOOK_TOKEN: &str = "hook-t0ken";

fn manifests(sink: &Sink) -> String {
    format!(
        r#"{GITHUB_SOURCE}---
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: hooks
spec:
  webhook:
    guarded:
      endpoint: /hook
      port: "12000"
      method: POST
      authSecret:
        name: hook-auth
        key: token
      maxPayloadSize: 1024
    flaky:
      endpoint: /flaky
      port: "12000"
      method: POST
    broken:
      endpoint: /broken
      port: "12000"
      method: POST
---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: github-prs
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
          - expr: number > 10
            fields:
              - name: number
                path: body.number
  triggers:
    - template:
        name: notify
        http:
          url: {github}
          method: POST
          payload:
            - src:
                dependencyName: pr
                dataKey: body.pull_request.title
              dest: title
            - src:
                dependencyName: pr
                dataKey: body.number
              dest: number
---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: hooks
spec:
  dependencies:
    - name: guarded
      eventSourceName: hooks
      eventName: guarded
    - name: flaky
      eventSourceName: hooks
      eventName: flaky
    - name: broken
      eventSourceName: hooks
      eventName: broken
  triggers:
    - template:
        name: forward
        conditions: guarded
        http:
          url: {guarded}
          method: PUT
          payload:
            - src:
                dependencyName: guarded
                dataKey: body
              dest: got
    - template:
        name: log-it
        conditions: guarded
        log: {{}}
    - template:
        name: retried
        conditions: flaky
        http:
          url: {flaky}
          method: POST
      retryStrategy:
        steps: 3
        duration: 20ms
    - template:
        name: failing
        conditions: broken
        http:
          url: {broken}
          method: POST
      retryStrategy:
        steps: 2
        duration: 10ms
"#,
        github = sink.url("/github-opened"),
        guarded = sink.url("/guarded"),
        flaky = sink.url("/flaky-target"),
        broken = sink.url("/broken-target"),
    )
}

struct Fixture {
    sink: Sink,
    wasm: PathBuf,
    served: Served,
}

fn env() -> [(&'static str, &'static str); 2] {
    [
        ("TRIPLINE_SECRET_GITHUB_ACCESS_SECRET", GITHUB_SECRET),
        ("TRIPLINE_SECRET_HOOK_AUTH_TOKEN", HOOK_TOKEN),
    ]
}

/// One build and one server for the tests that can share them.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let sink = Sink::start();
        let dir = scratch("serve");
        let mdir = dir.join("manifests");
        std::fs::create_dir_all(&mdir).expect("dir");
        std::fs::write(mdir.join("all.yaml"), manifests(&sink)).expect("write manifests");
        let wasm = dir.join("tripline.wasm");
        if let Err(e) = build(&mdir, &[], &wasm) {
            panic!("component build failed:\n{e}");
        }
        let served = Served::start(&wasm, &env(), &[]);
        Fixture { sink, wasm, served }
    })
}

fn pull_request(action: &str, number: u64, title: &str) -> Vec<u8> {
    serde_json::json!({
        "action": action,
        "number": number,
        "pull_request": {"title": title, "html_url": "https://example.com/pr"},
    })
    .to_string()
    .into_bytes()
}

fn post_github(port: u16, body: &[u8], secret: &str, delivery: &str) -> support::Answer {
    let sig = github_signature(secret, body);
    request(
        port,
        "POST",
        "/github",
        &[
            ("Content-Type", "application/json"),
            ("X-GitHub-Event", "pull_request"),
            ("X-GitHub-Delivery", delivery),
            ("X-Hub-Signature-256", &sig),
        ],
        body,
    )
    .expect("request")
}

fn with_title<'a>(got: &'a [support::Received], title: &str) -> Vec<&'a support::Received> {
    got.iter().filter(|r| r.json()["title"] == title).collect()
}

#[test]
fn signed_github_webhook_fires_the_http_trigger() {
    let f = fixture();
    let body = pull_request("opened", 42, "fires");
    let a = post_github(f.served.port, &body, GITHUB_SECRET, "d-fires");
    assert_eq!((a.status, a.text().as_str()), (200, "success"));
    // The component answers once its triggers ran, so the sink has the request already.
    let got = f.sink.on("/github-opened");
    let mine = with_title(&got, "fires");
    assert_eq!(mine.len(), 1, "{got:?}");
    let r = mine[0];
    assert_eq!(r.method, "POST");
    // Argo's payload parameters are strings unless the value is raw JSON text.
    assert_eq!(r.json()["number"], "42");
    // The shared trigger code marks every request with the firing's idempotency key.
    assert_eq!(
        r.header("x-tripline-idempotency-key").map(str::len),
        Some(64)
    );
}

#[test]
fn events_that_fail_the_filters_fire_nothing() {
    let f = fixture();
    // Data filter fails (closed), then the CEL expr fails (number 3).
    for (i, body) in [
        pull_request("closed", 42, "filtered-closed"),
        pull_request("opened", 3, "filtered-small"),
    ]
    .iter()
    .enumerate()
    {
        let a = post_github(f.served.port, body, GITHUB_SECRET, &format!("d-filter-{i}"));
        assert_eq!(a.status, 200, "{}", a.text());
    }
    // A passing event sent after them arrives; the filtered ones must not have.
    let a = post_github(
        f.served.port,
        &pull_request("opened", 11, "filter-marker"),
        GITHUB_SECRET,
        "d-filter-marker",
    );
    assert_eq!(a.status, 200, "{}", a.text());
    // Requests are answered after their triggers ran: the marker is there already.
    let all = f.sink.on("/github-opened");
    assert_eq!(with_title(&all, "filter-marker").len(), 1, "{all:?}");
    assert!(with_title(&all, "filtered-closed").is_empty(), "{all:?}");
    assert!(with_title(&all, "filtered-small").is_empty(), "{all:?}");
}

#[test]
fn bad_signatures_and_tokens_are_rejected() {
    let f = fixture();
    let body = pull_request("opened", 99, "bad-signature");
    let a = post_github(f.served.port, &body, "not-the-secret", "d-bad");
    // A failed HMAC check is an authentication failure: 401 (Argo answers 400).
    assert_eq!(a.status, 401, "{}", a.text());
    assert!(a.text().contains("signature"), "{}", a.text());
    // A wrong bearer token on an authSecret webhook: 401.
    let a = request(
        f.served.port,
        "POST",
        "/hook",
        &[
            ("Authorization", "Bearer wrong"),
            ("Content-Type", "application/json"),
        ],
        b"{}",
    )
    .expect("request");
    assert_eq!(a.status, 401, "{}", a.text());
    let a = request(f.served.port, "POST", "/hook", &[], b"{}").expect("request");
    assert_eq!(a.status, 401, "{}", a.text());
    assert!(with_title(&f.sink.on("/github-opened"), "bad-signature").is_empty());
}

fn post_hook(port: u16, body: &[u8]) -> support::Answer {
    let auth = format!("Bearer {HOOK_TOKEN}");
    request(
        port,
        "POST",
        "/hook",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body,
    )
    .expect("request")
}

#[test]
fn oversize_bodies_are_413() {
    let f = fixture();
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2048));
    let a = post_hook(f.served.port, big.as_bytes());
    assert_eq!(a.status, 413, "{}", a.text());
    assert!(a.text().contains("1024"), "{}", a.text());
}

#[test]
fn invalid_json_is_400() {
    let f = fixture();
    let a = post_hook(f.served.port, b"{not json");
    assert_eq!(a.status, 400, "{}", a.text());
    let body = b"{\"action\": ";
    let a = post_github(f.served.port, body, GITHUB_SECRET, "d-badjson");
    assert_eq!(a.status, 400, "{}", a.text());
}

#[test]
fn webhook_fires_http_and_log_triggers() {
    let f = fixture();
    let a = post_hook(f.served.port, br#"{"marker":"hook-1"}"#);
    assert_eq!((a.status, a.text().as_str()), (200, "success"));
    let got = f.sink.on("/guarded");
    let mine: Vec<_> = got
        .iter()
        // An object value arrives as its JSON text, as Argo's payload builds it.
        .filter(|r| r.json()["got"] == r#"{"marker":"hook-1"}"#)
        .collect();
    assert_eq!(mine.len(), 1, "{got:?}");
    assert_eq!(mine[0].method, "PUT");
    // The log trigger's JSON line, with Argo's names, on the component's stdout.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let log = f.served.log(&f.wasm);
        let line = log
            .lines()
            .find(|l| l.contains("\"triggerName\":\"log-it\"") && l.contains("hook-1"));
        if let Some(line) = line {
            let json = &line[line.find('{').expect("json")..];
            let v: serde_json::Value = serde_json::from_str(json).expect("log line is JSON");
            assert_eq!(v["sensorName"], "hooks");
            assert_eq!(v["dependencyName"], "guarded");
            assert_eq!(v["eventContext"]["source"], "hooks");
            assert_eq!(v["eventContext"]["type"], "webhook");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no log line in:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn failed_attempts_are_retried_then_reported() {
    let f = fixture();
    f.sink.script("/flaky-target", &[503, 503]);
    let a = request(f.served.port, "POST", "/flaky", &[], br#"{"n":1}"#).expect("request");
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(f.sink.on("/flaky-target").len(), 3);

    f.sink.script("/broken-target", &[500, 500, 500]);
    let a = request(f.served.port, "POST", "/broken", &[], br#"{"n":2}"#).expect("request");
    assert_eq!(a.status, 502, "{}", a.text());
    assert!(a.text().contains("failing"), "{}", a.text());
    assert_eq!(f.sink.on("/broken-target").len(), 2);
}

#[test]
fn health_and_unknown_paths() {
    let f = fixture();
    let a = request(f.served.port, "GET", "/health", &[], b"").expect("request");
    assert_eq!((a.status, a.text().as_str()), (200, "OK"));
    let a = request(f.served.port, "POST", "/nope", &[], b"{}").expect("request");
    assert_eq!(a.status, 404);
    // A webhook endpoint with the wrong method.
    let auth = format!("Bearer {HOOK_TOKEN}");
    let a = request(
        f.served.port,
        "GET",
        "/hook",
        &[("Authorization", &auth)],
        b"",
    )
    .expect("request");
    assert_eq!(a.status, 400, "{}", a.text());
}

#[test]
fn a_redelivery_does_not_fire_twice_within_an_instance() {
    let f = fixture();
    // Its own server, reusing one instance and hit sequentially, so both deliveries meet the
    // same in-memory idempotency records (Spin's key-value store holds them durably).
    let served = Served::start(&f.wasm, &env(), REUSE);
    let body = pull_request("opened", 77, "redelivered");
    for _ in 0..2 {
        let a = post_github(served.port, &body, GITHUB_SECRET, "d-redelivered");
        assert_eq!(a.status, 200, "{}", a.text());
    }
    // A different delivery of the same payload is a new event and fires again.
    let a = post_github(served.port, &body, GITHUB_SECRET, "d-redelivered-2");
    assert_eq!(a.status, 200, "{}", a.text());
    let got = f.sink.on("/github-opened");
    assert_eq!(with_title(&got, "redelivered").len(), 2, "{got:?}");
}
