//! Shared trigger execution against recording ports (a fake: the core has no I/O of its own;
//! the runtimes test the same code over real HTTP).

use super::exec::*;
use super::ports::*;
use crate::event::Event;
use crate::secret::{SecretError, SecretPort, StaticSecrets};
use crate::spec::Trigger;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::time::Duration;

/// Runs a future whose ports never wait (sleeps are recorded, not slept).
fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

#[derive(Default)]
struct Recording {
    now: RefCell<u64>,
    sent: RefCell<Vec<HttpRequest>>,
    answers: RefCell<VecDeque<Result<HttpResponse, PortError>>>,
    sleeps: RefCell<Vec<Duration>>,
    logs: RefCell<Vec<LogRecord>>,
    secrets: StaticSecrets,
}

impl HttpPort for Recording {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, PortError> {
        self.sent.borrow_mut().push(req);
        self.answers
            .borrow_mut()
            .pop_front()
            .unwrap_or(Ok(HttpResponse {
                status: 200,
                body: br#"{"ok":true,"ts":"1.1"}"#.to_vec(),
            }))
    }
}
impl ClockPort for Recording {
    fn now_ms(&self) -> u64 {
        *self.now.borrow()
    }
    async fn sleep(&self, d: Duration) {
        self.sleeps.borrow_mut().push(d);
        *self.now.borrow_mut() += d.as_millis() as u64;
    }
}
impl LogPort for Recording {
    fn emit(&self, r: &LogRecord) {
        self.logs.borrow_mut().push(r.clone());
    }
}
impl QueuePort for Recording {}
impl InvokePort for Recording {}
impl SecretPort for Recording {
    fn secret(&self, n: &str, k: &str) -> Result<String, SecretError> {
        self.secrets.secret(n, k)
    }
}

fn status(code: u16) -> Result<HttpResponse, PortError> {
    Ok(HttpResponse {
        status: code,
        body: b"nope".to_vec(),
    })
}

fn trigger(yaml: &str) -> Trigger {
    serde_yaml_ng::from_str(yaml).unwrap()
}

fn events() -> BTreeMap<String, Event> {
    let e = Event::from_json(
        br#"{"id":"e1","source":"webhook","specversion":"1.0","type":"webhook","subject":"deploy","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","data":{"body":{"app":"shop","tag":"v2"}}}"#,
    )
    .unwrap();
    BTreeMap::from([("dep".to_string(), e)])
}

const HTTP: &str = r#"
template:
  name: deploy
  http:
    url: http://sink.local/deployments
    headers: {X-Static: one}
    secureHeaders:
      - name: Authorization
        valueFrom: {secretKeyRef: {name: sink, key: token}}
    dynamicHeaders:
      - src: {dependencyName: dep, dataKey: body.app}
        dest: X-App
    payload:
      - src: {dependencyName: dep, dataKey: body.tag}
        dest: tag
retryStrategy: {steps: 3, duration: 100ms, factor: 2}
"#;

fn ports() -> Recording {
    Recording {
        secrets: StaticSecrets::default()
            .with("sink", "token", "Bearer s3cret")
            .with("slack", "token", "xoxb-1"),
        ..Default::default()
    }
}

#[test]
fn http_request_carries_headers_payload_and_idempotency_key() {
    let r = TriggerRunner::compile("s", &trigger(HTTP), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    let rep = block_on(r.fire(&p, &events(), "key-1"));
    assert_eq!(rep.result, Ok(()));
    assert_eq!(rep.attempts, 1);
    let sent = p.sent.borrow();
    let req = &sent[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.url, "http://sink.local/deployments");
    assert_eq!(req.body, br#"{"tag":"v2"}"#);
    assert_eq!(req.header("x-static"), Some("one"));
    assert_eq!(req.header("authorization"), Some("Bearer s3cret"));
    assert_eq!(req.header("x-app"), Some("shop"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(req.header(super::http::IDEMPOTENCY_HEADER), Some("key-1"));
    assert_eq!(req.timeout, Duration::from_secs(60));
}

#[test]
fn transient_failures_are_retried_with_backoff_then_succeed() {
    let r = TriggerRunner::compile("s", &trigger(HTTP), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    p.answers.borrow_mut().extend([
        status(503),
        Err(PortError::Transient("connection refused".into())),
    ]);
    let rep = block_on(r.fire(&p, &events(), "k"));
    assert_eq!(rep.result, Ok(()));
    assert_eq!(rep.attempts, 3);
    assert_eq!(
        *p.sleeps.borrow(),
        vec![Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[test]
fn exhausted_retries_go_to_the_dlq_trigger() {
    let yaml = format!(
        "{HTTP}dlqTrigger:\n  template:\n    name: to-dlq\n    http:\n      url: http://dlq.local/\n      payload:\n        - src: {{dependencyName: dep, dataKey: body.app}}\n          dest: app\n"
    );
    let r = TriggerRunner::compile("s", &trigger(&yaml), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    p.answers
        .borrow_mut()
        .extend([status(500), status(500), status(500)]);
    let rep = block_on(r.fire(&p, &events(), "k"));
    assert!(rep
        .result
        .as_ref()
        .unwrap_err()
        .message
        .contains("HTTP 500"));
    assert_eq!(rep.attempts, 3);
    let dlq = rep.dlq.as_ref().unwrap();
    assert_eq!(dlq.trigger, "to-dlq");
    assert_eq!(dlq.result, Ok(()));
    assert!(rep.settled());
    let sent = p.sent.borrow();
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[3].url, "http://dlq.local/");
    assert_eq!(sent[3].body, br#"{"app":"shop"}"#);
    assert_eq!(
        sent[3].header(super::http::IDEMPOTENCY_HEADER),
        Some("k-dlq")
    );
}

#[test]
fn client_errors_are_not_retried_and_status_policy_is_honoured() {
    let r = TriggerRunner::compile("s", &trigger(HTTP), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    p.answers.borrow_mut().push_back(status(404));
    let rep = block_on(r.fire(&p, &events(), "k"));
    assert_eq!(rep.attempts, 1);
    assert!(!rep.settled());

    let yaml = format!("{HTTP}policy: {{status: {{allow: [404]}}}}\n");
    let r = TriggerRunner::compile("s", &trigger(&yaml), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    p.answers.borrow_mut().push_back(status(404));
    assert_eq!(block_on(r.fire(&p, &events(), "k")).result, Ok(()));
}

#[test]
fn missing_secret_fails_permanently_naming_it() {
    let r = TriggerRunner::compile("s", &trigger(HTTP), "t", &ExecOptions::default()).unwrap();
    let p = Recording::default();
    let rep = block_on(r.fire(&p, &events(), "k"));
    let e = rep.result.unwrap_err();
    assert!(!e.retryable);
    assert!(e.message.contains("\"sink\""), "{e}");
    assert!(p.sent.borrow().is_empty());
}

#[test]
fn rate_limit_spaces_requests_without_an_initial_burst() {
    let yaml = format!("{HTTP}rateLimit: {{unit: Second, requestsPerUnit: 2}}\n");
    let r = TriggerRunner::compile("s", &trigger(&yaml), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    for _ in 0..5 {
        assert_eq!(block_on(r.fire(&p, &events(), "k")).result, Ok(()));
    }
    // 2 now, 2 after one second, 1 after two seconds.
    assert_eq!(
        *p.sleeps.borrow(),
        vec![Duration::from_millis(1000), Duration::from_millis(1000)]
    );
    assert_eq!(*p.now.borrow(), 2000);
}

#[test]
fn slack_posts_and_threads_by_aggregation_key() {
    let yaml = r##"
template:
  name: notify
  slack:
    slackToken: {name: slack, key: token}
    channel: "#ops"
    message: deployed
    thread: {messageAggregationKey: shop, broadcastMessageToChannel: true}
    sender: {username: tripline, icon: ":rocket:"}
"##;
    let opts = ExecOptions {
        slack_api_url: "http://slack.local/api/".into(),
    };
    let r = TriggerRunner::compile("s", &trigger(yaml), "t", &opts).unwrap();
    let p = ports();
    p.answers.borrow_mut().extend([
        Ok(HttpResponse {
            status: 200,
            body: br#"{"ok":true,"ts":"171.5"}"#.to_vec(),
        }),
        Ok(HttpResponse {
            status: 200,
            body: br#"{"ok":true,"ts":"171.6"}"#.to_vec(),
        }),
        Ok(HttpResponse {
            status: 200,
            body: br#"{"ok":false,"error":"channel_not_found"}"#.to_vec(),
        }),
    ]);
    assert_eq!(block_on(r.fire(&p, &events(), "k")).result, Ok(()));
    assert_eq!(block_on(r.fire(&p, &events(), "k")).result, Ok(()));
    let rep = block_on(r.fire(&p, &events(), "k"));
    assert!(rep
        .result
        .unwrap_err()
        .message
        .contains("channel_not_found"));
    let sent = p.sent.borrow();
    assert_eq!(sent[0].url, "http://slack.local/api/chat.postMessage");
    assert_eq!(sent[0].header("authorization"), Some("Bearer xoxb-1"));
    let first: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(first["channel"], "ops");
    assert_eq!(first["icon_emoji"], ":rocket:");
    assert!(first.get("thread_ts").is_none());
    let second: serde_json::Value = serde_json::from_slice(&sent[1].body).unwrap();
    assert_eq!(second["thread_ts"], "171.5");
    assert_eq!(second["reply_broadcast"], true);
}

#[test]
fn log_trigger_emits_and_honours_interval() {
    let yaml = "template:\n  name: l\n  log: {intervalSeconds: 10}\n";
    let r =
        TriggerRunner::compile("sensor-a", &trigger(yaml), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    block_on(r.fire(&p, &events(), "k"));
    block_on(r.fire(&p, &events(), "k"));
    *p.now.borrow_mut() += 10_000;
    block_on(r.fire(&p, &events(), "k"));
    let logs = p.logs.borrow();
    assert_eq!(logs.len(), 2);
    assert_eq!(logs[0].sensor, "sensor-a");
    assert_eq!(logs[0].events[0].0, "dep");
    assert!(logs[0].events[0].2.contains("\"shop\""));
}

#[test]
fn unsupported_kinds_are_refused_at_compile_by_name() {
    let yaml = "template:\n  name: k\n  k8s: {operation: create, source: {resource: {}}}\n";
    let e = TriggerRunner::compile(
        "s",
        &trigger(yaml),
        "spec.triggers[0]",
        &ExecOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.path, "spec.triggers[0].template.k8s");
    assert!(e.message.contains("`k8s`"));
}

#[test]
fn at_least_once_defaults_on_and_can_be_turned_off() {
    let on = TriggerRunner::compile("s", &trigger(HTTP), "t", &ExecOptions::default()).unwrap();
    assert!(on.at_least_once());
    let yaml = format!("{HTTP}atLeastOnce: false\n");
    let off = TriggerRunner::compile("s", &trigger(&yaml), "t", &ExecOptions::default()).unwrap();
    assert!(!off.at_least_once());
}

#[test]
fn lambda_invocation_without_a_queue_port_says_unsupported() {
    let yaml = "template:\n  name: f\n  awsLambda: {functionName: fn, region: us-east-1, payload: [{src: {dependencyName: dep, dataKey: body.app}, dest: app}]}\nretryStrategy: {steps: 1}\n";
    let r = TriggerRunner::compile("s", &trigger(yaml), "t", &ExecOptions::default()).unwrap();
    let p = ports();
    let rep = block_on(r.fire(&p, &events(), "k"));
    let e = rep.result.unwrap_err();
    assert!(
        e.message
            .contains("awsLambda trigger is not supported by this runtime"),
        "{e}"
    );
}

#[derive(Default)]
struct WithQueue(Recording, RefCell<Vec<QueueMessage>>);
impl HttpPort for WithQueue {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, PortError> {
        self.0.send(req).await
    }
}
impl ClockPort for WithQueue {
    fn now_ms(&self) -> u64 {
        self.0.now_ms()
    }
    async fn sleep(&self, d: Duration) {
        self.0.sleep(d).await
    }
}
impl LogPort for WithQueue {
    fn emit(&self, r: &LogRecord) {
        self.0.emit(r)
    }
}
impl QueuePort for WithQueue {
    async fn send_message(&self, msg: QueueMessage) -> Result<(), PortError> {
        self.1.borrow_mut().push(msg);
        Ok(())
    }
}
impl InvokePort for WithQueue {}
impl SecretPort for WithQueue {
    fn secret(&self, n: &str, k: &str) -> Result<String, SecretError> {
        self.0.secret(n, k)
    }
}

#[test]
fn sqs_trigger_sends_payload_or_the_event_with_fifo_dedup() {
    let yaml = "template:\n  name: q\n  sqs:\n    queueURL: https://sqs.us-east-1.amazonaws.com/1/out.fifo\n    payload: [{src: {dependencyName: dep, dataKey: body.tag}, dest: tag}]\n";
    let r = TriggerRunner::compile("s", &trigger(yaml), "t", &ExecOptions::default()).unwrap();
    let p = WithQueue::default();
    assert_eq!(block_on(r.fire(&p, &events(), "key-9")).result, Ok(()));
    let yaml = "template:\n  name: q\n  sqs: {queueURL: http://q.local/1/plain}\n";
    let r = TriggerRunner::compile("s", &trigger(yaml), "t", &ExecOptions::default()).unwrap();
    assert_eq!(block_on(r.fire(&p, &events(), "key-10")).result, Ok(()));
    let sent = p.1.borrow();
    assert_eq!(sent[0].body, r#"{"tag":"v2"}"#);
    assert_eq!(sent[0].message_group_id.as_deref(), Some("tripline"));
    assert_eq!(sent[0].deduplication_id.as_deref(), Some("key-9"));
    assert!(sent[1].message_group_id.is_none());
    let ev: serde_json::Value = serde_json::from_str(&sent[1].body).unwrap();
    assert_eq!(ev["context"]["id"], "e1");
}
