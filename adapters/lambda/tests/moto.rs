//! Against a local AWS API server (moto) through the real `aws-sdk-sqs`/`aws-sdk-s3` clients:
//! publish and consume, dead-lettering after maxReceiveCount, S3 notification → SQS → sensor,
//! conditional-write races on the state object, the claim check, and the end-to-end path from
//! an HTTP POST to a loopback HTTP sink. Skipped, loudly, when `TRIPLINE_MOTO_URL` is unset.

mod common;

use common::*;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tripline_core::secret::SecretPort;
use tripline_core::trigger::ports::{
    InvokePort, InvokeRequest, PortError, QueueMessage, QueuePort,
};
use tripline_lambda::aws::Clients;
use tripline_lambda::boot;
use tripline_lambda::config::{ManifestLocation, Settings};
use tripline_lambda::ports::AwsPorts;
use tripline_lambda::secrets::Secrets;
use tripline_lambda::source::{Invocation, SourceFunction};
use tripline_lambda::store::{Object, ObjectStore, Precondition, S3Store, StoreError};
use tripline_lambda::wire;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json")
}

fn inv() -> Invocation {
    Invocation {
        request_id: format!("req-{}", unique("r")),
        now: chrono::Utc::now(),
    }
}

fn source_fn(
    ms: &[tripline_core::spec::Manifest],
    c: &Clients,
    routes: Value,
    claim_bucket: Option<&str>,
) -> SourceFunction {
    let routes = routes.to_string();
    let settings = Settings::from_lookup(|k| match k {
        "TRIPLINE_ROLE" => Some("source".into()),
        "TRIPLINE_ROUTES" => Some(routes.clone()),
        "TRIPLINE_CLAIM_BUCKET" => claim_bucket.map(str::to_string),
        _ => None,
    })
    .expect("settings");
    let secrets = Secrets::from_vars([(
        "TRIPLINE_SECRET_WEBHOOK_AUTH_TOKEN".to_string(),
        "s3cret".to_string(),
    )]);
    boot::source_function(&settings, ms, c, &secrets).expect("source function")
}

fn webhook_yaml(extra: &str) -> String {
    format!(
        r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {{name: hooks}}
spec:
  webhook:
    deploy:
      port: "12000"
      endpoint: /deploy
      method: POST
      maxPayloadSize: 2097152
      authSecret: {{name: webhook-auth, key: token}}
{extra}"#
    )
}

fn post(body: &str, token: &str) -> Value {
    let mut v = fixture("function-url.json");
    v["body"] = json!(body);
    v["headers"]["authorization"] = json!(format!("Bearer {token}"));
    v["requestContext"]["requestId"] = json!(unique("request"));
    v
}

/// Receives and hands batches to the sensor, as Lambda's event source mapping would, until the
/// queue is empty; returns the ids that were reported failed along the way.
async fn drain<S: ObjectStore>(
    c: &Clients,
    url: &str,
    arn: &str,
    f: &tripline_lambda::sensor::SensorFunction<S, AwsPorts>,
    rounds: usize,
) -> Vec<String> {
    let mut all_failed = Vec::new();
    for _ in 0..rounds {
        let msgs = receive(c, url, 10, 1).await;
        if msgs.is_empty() {
            break;
        }
        let resp = f.handle(&lambda_batch(&msgs, arn), 0).await;
        let failed: Vec<String> = resp
            .batch_item_failures
            .iter()
            .map(|x| x.item_identifier.clone())
            .collect();
        settle(c, url, &msgs, &failed).await;
        all_failed.extend(failed);
    }
    all_failed
}

#[tokio::test]
async fn http_post_to_loopback_sink_end_to_end_with_poison_to_dlq() {
    let Some(moto) = moto("http_post_to_loopback_sink_end_to_end_with_poison_to_dlq") else {
        return;
    };
    let c = clients(&moto);
    let sink = Sink::start().await;
    let ms = manifests(&format!(
        "{}\n---\n{}",
        webhook_yaml(""),
        notify_yaml(&format!("{}/deploys", sink.url), "")
    ));
    let (url, arn, dlq) = queue_with_dlq(&c, "notify", 2).await;
    let state = bucket(&c, "state").await;
    let source = source_fn(&ms, &c, json!({"hooks/deploy": [url]}), None);
    let sensor = sensor_fn(&ms, "notify", S3Store::new(c.clone()), &moto, Some(&state));

    // A bad token is answered 401 and publishes nothing.
    let denied = source
        .handle(&post(r#"{"env":"prod","service":"x"}"#, "wrong"), &inv())
        .await
        .expect("answer");
    assert_eq!(denied["statusCode"], 401);
    // The 200 comes after SQS accepted the event.
    let ok = source
        .handle(&post(r#"{"env":"prod","service":"api"}"#, "s3cret"), &inv())
        .await
        .expect("answer");
    assert_eq!(
        (ok["statusCode"].as_u64(), ok["body"].as_str()),
        (Some(200), Some("success"))
    );
    let unknown = source
        .handle(
            &{
                let mut p = post("{}", "s3cret");
                p["rawPath"] = json!("/nope");
                p
            },
            &inv(),
        )
        .await
        .expect("answer");
    assert_eq!(unknown["statusCode"], 404);

    // A poison message lands on the same queue.
    c.sqs()
        .send_message()
        .queue_url(&url)
        .message_body("not a CloudEvent")
        .send()
        .await
        .expect("send");

    let failed = drain(&c, &url, &arn, &sensor, 8).await;
    let hits = sink.hits();
    assert_eq!(hits.len(), 1, "the good event fired exactly once: {hits:?}");
    assert_eq!(
        String::from_utf8_lossy(&hits[0].body),
        r#"{"service":"api"}"#
    );
    assert_eq!(
        hits[0]
            .headers
            .get("x-tripline-idempotency-key")
            .map(String::len),
        Some(64),
        "targets can deduplicate too"
    );
    assert!(!failed.is_empty(), "the poison message was reported failed");

    // After maxReceiveCount deliveries SQS moved it to the DLQ; the good one is gone.
    let dead = receive(&c, &dlq, 10, 2).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body(), Some("not a CloudEvent"));
    assert!(receive(&c, &url, 10, 1).await.is_empty());
}

#[tokio::test]
async fn a_record_whose_trigger_keeps_failing_ends_in_the_dlq() {
    let Some(moto) = moto("a_record_whose_trigger_keeps_failing_ends_in_the_dlq") else {
        return;
    };
    let c = clients(&moto);
    let sink = Sink::start().await;
    sink.answer(500);
    let ms = manifests(&format!(
        "{}\n---\n{}",
        webhook_yaml(""),
        notify_yaml(&format!("{}/deploys", sink.url), "")
    ));
    let (url, arn, dlq) = queue_with_dlq(&c, "failing", 3).await;
    let state = bucket(&c, "state").await;
    let source = source_fn(&ms, &c, json!({"hooks/deploy": [url]}), None);
    let sensor = sensor_fn(&ms, "notify", S3Store::new(c.clone()), &moto, Some(&state));
    for svc in ["a", "b"] {
        let r = source
            .handle(
                &post(&format!(r#"{{"env":"prod","service":"{svc}"}}"#), "s3cret"),
                &inv(),
            )
            .await
            .expect("answer");
        assert_eq!(r["statusCode"], 200);
    }
    drain(&c, &url, &arn, &sensor, 10).await;
    assert_eq!(
        sink.hits().len(),
        6,
        "3 deliveries × 2 records, each attempted"
    );
    let dead = receive(&c, &dlq, 10, 2).await;
    assert_eq!(dead.len(), 2);
    // They are still CloudEvents: the DLQ can be redriven.
    let attrs = string_attrs(&dead[0]);
    assert_eq!(
        attrs.get(wire::ATTR_SOURCE).map(String::as_str),
        Some("hooks")
    );
}

#[tokio::test]
async fn publish_and_consume_keep_the_cloudevent() {
    let Some(moto) = moto("publish_and_consume_keep_the_cloudevent") else {
        return;
    };
    let c = clients(&moto);
    let ms = manifests(&webhook_yaml(""));
    let (q1, _, _) = queue_with_dlq(&c, "one", 3).await;
    let (q2, _, _) = queue_with_dlq(&c, "two", 3).await;
    let source = source_fn(&ms, &c, json!({"hooks/deploy": [q1, q2]}), None);
    let r = source
        .handle(&post(r#"{"env":"dev"}"#, "s3cret"), &inv())
        .await
        .expect("answer");
    assert_eq!(r["statusCode"], 200);
    for q in [&q1, &q2] {
        let msgs = receive(&c, q, 10, 2).await;
        assert_eq!(msgs.len(), 1, "every routed queue gets the event");
        let attrs = string_attrs(&msgs[0]);
        let e = wire::decode(
            &|k| attrs.get(k).cloned(),
            msgs[0].body().unwrap_or_default(),
            None,
        )
        .expect("decodes");
        assert_eq!(
            (e.context.source.as_str(), e.context.subject.as_str()),
            ("hooks", "deploy")
        );
        assert_eq!(e.context.r#type, "webhook");
        let data: Value = serde_json::from_slice(e.data()).expect("json data");
        assert_eq!(data["body"]["env"], "dev");
        assert_eq!(
            data["header"]["Authorization"][0],
            "*** Masked Auth Secret ***"
        );
    }

    // A queue that does not exist: the caller gets the core's 500, not a 2xx.
    let broken = source_fn(
        &ms,
        &c,
        json!({"hooks/deploy": [format!("{moto}/123456789012/does-not-exist")]}),
        None,
    );
    let r = broken
        .handle(&post(r#"{"env":"dev"}"#, "s3cret"), &inv())
        .await
        .expect("answer");
    assert_eq!(r["statusCode"], 500);
}

#[tokio::test]
async fn s3_notification_through_sqs_reaches_the_sensor() {
    let Some(moto) = moto("s3_notification_through_sqs_reaches_the_sensor") else {
        return;
    };
    let c = clients(&moto);
    let sink = Sink::start().await;
    let uploads = bucket(&c, "uploads").await;
    let yaml = format!(
        r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {{name: uploads}}
spec:
  minio:
    images:
      bucket: {{name: {uploads}}}
      endpoint: s3.amazonaws.com
      events: ["s3:ObjectCreated:*"]
      filter: {{prefix: "in/", suffix: ".jpg"}}
---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {{name: thumbs}}
spec:
  dependencies:
    - {{name: img, eventSourceName: uploads, eventName: images}}
  triggers:
    - template:
        name: thumb
        http:
          url: {}/thumb
          method: POST
          payload:
            - src: {{dependencyName: img, dataKey: notification.0.s3.bucket.name}}
              dest: bucket
            - src: {{dependencyName: img, dataKey: notification.0.s3.object.key}}
              dest: key
            - src: {{dependencyName: img, dataKey: notification.0.eventName}}
              dest: event
      retryStrategy: {{steps: 1}}
"#,
        sink.url
    );
    let ms = manifests(&yaml);
    let (intake, intake_arn, _) = queue_with_dlq(&c, "intake", 3).await;
    let (sensor_q, sensor_arn, _) = queue_with_dlq(&c, "thumbs", 3).await;
    let state = bucket(&c, "state").await;
    c.s3()
        .put_bucket_notification_configuration()
        .bucket(&uploads)
        .notification_configuration(
            aws_sdk_s3::types::NotificationConfiguration::builder()
                .queue_configurations(
                    aws_sdk_s3::types::QueueConfiguration::builder()
                        .queue_arn(&intake_arn)
                        .events(aws_sdk_s3::types::Event::from("s3:ObjectCreated:*"))
                        .build()
                        .expect("config"),
                )
                .build(),
        )
        .send()
        .await
        .expect("notification config");
    for key in ["in/cat photo.jpg", "in/skip.png", "out/dog.jpg"] {
        c.s3()
            .put_object()
            .bucket(&uploads)
            .key(key)
            .body(b"img".to_vec().into())
            .send()
            .await
            .expect("put");
    }
    let source = source_fn(&ms, &c, json!({"uploads/images": [sensor_q]}), None);

    // Lambda would be invoked with the intake queue's batch.
    let mut notes = Vec::new();
    for _ in 0..10 {
        notes.extend(receive(&c, &intake, 10, 1).await);
        if notes.len() >= 3 {
            break;
        }
    }
    assert!(
        notes.len() >= 3,
        "S3 sent a notification per object: {}",
        notes.len()
    );
    let batch = serde_json::to_value(lambda_batch(&notes, &intake_arn)).expect("batch json");
    let resp = source.handle(&batch, &inv()).await.expect("answer");
    assert_eq!(resp["batchItemFailures"], json!([]));
    settle(&c, &intake, &notes, &[]).await;

    let sensor = sensor_fn(&ms, "thumbs", S3Store::new(c.clone()), &moto, Some(&state));
    drain(&c, &sensor_q, &sensor_arn, &sensor, 3).await;
    let hits = sink.hits();
    assert_eq!(hits.len(), 1, "only in/*.jpg matches the source's filter");
    let body: Value = serde_json::from_slice(&hits[0].body).expect("json");
    assert_eq!(body["bucket"], json!(uploads));
    assert_eq!(body["key"], "in/cat photo.jpg");
    assert_eq!(body["event"], "s3:ObjectCreated:Put");

    // A malformed intake message fails only its own record.
    c.sqs()
        .send_message()
        .queue_url(&intake)
        .message_body("{oops")
        .send()
        .await
        .expect("send");
    c.s3()
        .put_object()
        .bucket(&uploads)
        .key("in/two.jpg")
        .body(b"x".to_vec().into())
        .send()
        .await
        .expect("put");
    let mut msgs = Vec::new();
    for _ in 0..10 {
        msgs.extend(receive(&c, &intake, 10, 1).await);
        if msgs.len() >= 2 {
            break;
        }
    }
    let resp = source
        .handle(
            &serde_json::to_value(lambda_batch(&msgs, &intake_arn)).expect("json"),
            &inv(),
        )
        .await
        .expect("answer");
    let failures = resp["batchItemFailures"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(failures.len(), 1);
    let bad_id = msgs
        .iter()
        .find(|m| m.body() == Some("{oops"))
        .and_then(|m| m.message_id())
        .expect("bad");
    assert_eq!(failures[0]["itemIdentifier"], bad_id);
    assert_eq!(
        receive(&c, &sensor_q, 10, 2).await.len(),
        1,
        "the good record was published"
    );
}

/// Counts the conflicts S3 answered, to show the race path really ran.
struct Counting {
    inner: S3Store,
    conflicts: Arc<AtomicUsize>,
}

impl ObjectStore for Counting {
    async fn get(&self, b: &str, k: &str) -> Result<Option<Object>, StoreError> {
        self.inner.get(b, k).await
    }
    async fn put(
        &self,
        b: &str,
        k: &str,
        body: Vec<u8>,
        cond: Precondition,
    ) -> Result<String, StoreError> {
        let r = self.inner.put(b, k, body, cond).await;
        if matches!(r, Err(StoreError::Conflict { .. })) {
            self.conflicts.fetch_add(1, Ordering::SeqCst);
        }
        r
    }
    async fn delete(&self, b: &str, k: &str, m: Option<&str>) -> Result<(), StoreError> {
        self.inner.delete(b, k, m).await
    }
}

#[tokio::test]
async fn concurrent_writers_of_the_state_object_lose_nothing_and_fire_once() {
    let Some(moto) = moto("concurrent_writers_of_the_state_object_lose_nothing_and_fire_once")
    else {
        return;
    };
    let c = clients(&moto);
    let sink = Sink::start().await;
    let yaml = format!(
        r#"
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {{name: gate}}
spec:
  dependencies:
    - {{name: build, eventSourceName: ci, eventName: build}}
    - {{name: tests, eventSourceName: ci, eventName: test}}
  triggers:
    - template:
        name: release
        conditions: "build && tests"
        http:
          url: {}/release
          method: POST
          payload:
            - src: {{dependencyName: build, dataKey: n}}
              dest: build
            - src: {{dependencyName: tests, dataKey: n}}
              dest: tests
      retryStrategy: {{steps: 1}}
"#,
        sink.url
    );
    let ms = manifests(&yaml);
    let state = bucket(&c, "state").await;
    let conflicts = Arc::new(AtomicUsize::new(0));
    let mk = || {
        sensor_fn(
            &ms,
            "gate",
            Counting {
                inner: S3Store::new(c.clone()),
                conflicts: conflicts.clone(),
            },
            &moto,
            Some(&state),
        )
    };
    let (f1, f2) = (mk(), mk());
    let ev = |name: &str, id: String, n: usize| {
        let e = tripline_core::event::Event::new(
            tripline_core::event::EventContext {
                id,
                source: "ci".into(),
                specversion: "1.0".into(),
                r#type: "webhook".into(),
                datacontenttype: "application/json".into(),
                subject: name.into(),
                time: chrono::Utc::now(),
            },
            format!(r#"{{"n":{n}}}"#).into_bytes(),
        );
        let m = wire::encode(&e);
        let mut r = aws_lambda_events::sqs::SqsMessage::default();
        r.message_id = Some(unique("m"));
        r.body = Some(m.body);
        r.event_source_arn = Some("arn:aws:sqs:us-east-1:123456789012:gate".into());
        r.message_attributes = m
            .attributes
            .into_iter()
            .map(|(k, v)| {
                let mut a = aws_lambda_events::sqs::SqsMessageAttribute::default();
                a.string_value = Some(v);
                a.data_type = Some("String".into());
                (k, a)
            })
            .collect();
        let mut b = aws_lambda_events::sqs::SqsEvent::default();
        b.records = vec![r];
        b
    };
    const ROUNDS: usize = 6;
    for n in 0..ROUNDS {
        // Two invocations at once, each with one half of the condition.
        let (a, b) = (
            ev("build", format!("b{n}"), n),
            ev("test", format!("t{n}"), n),
        );
        let (ra, rb) = tokio::join!(f1.handle(&a, 0), f2.handle(&b, 0));
        assert!(ra.batch_item_failures.is_empty() && rb.batch_item_failures.is_empty());
        assert_eq!(sink.hits().len(), n + 1, "round {n}: exactly one firing");
        // Both messages redelivered at once (duplicates): nothing held again, nothing fired.
        let (ra, rb) = tokio::join!(f2.handle(&a, 0), f1.handle(&b, 0));
        assert!(ra.batch_item_failures.is_empty() && rb.batch_item_failures.is_empty());
        assert_eq!(
            sink.hits().len(),
            n + 1,
            "round {n}: redelivery fired again"
        );
    }
    let bodies: Vec<Value> = sink
        .hits()
        .iter()
        .map(|h| serde_json::from_slice(&h.body).expect("json"))
        .collect();
    for (n, b) in bodies.iter().enumerate() {
        assert_eq!(
            b,
            &json!({"build": n.to_string(), "tests": n.to_string()}),
            "each firing paired its own round"
        );
    }
    assert!(
        conflicts.load(Ordering::SeqCst) > 0,
        "the writers really raced (412s seen)"
    );
    // The same event delivered to two invocations at once is held once.
    let dup = ev("build", "dup".into(), 99);
    tokio::join!(f1.handle(&dup, 0), f2.handle(&dup, 0));
    f1.handle(&ev("test", "t-dup".into(), 99), 0).await;
    assert_eq!(sink.hits().len(), ROUNDS + 1);
}

#[tokio::test]
async fn a_300_kb_body_travels_by_claim_check() {
    let Some(moto) = moto("a_300_kb_body_travels_by_claim_check") else {
        return;
    };
    let c = clients(&moto);
    let sink = Sink::start().await;
    let ms = manifests(&format!(
        "{}\n---\n{}",
        webhook_yaml(""),
        notify_yaml(&format!("{}/deploys", sink.url), "")
    ));
    let (url, arn, _) = queue_with_dlq(&c, "claims", 3).await;
    let claims = bucket(&c, "claims").await;
    let state = bucket(&c, "state").await;
    let service = "s".repeat(300 * 1024);
    let body = format!(r#"{{"env":"prod","service":"{service}"}}"#);

    // Without a claim bucket the event cannot travel: the caller is told.
    let no_claims = source_fn(&ms, &c, json!({"hooks/deploy": [url]}), None);
    let r = no_claims
        .handle(&post(&body, "s3cret"), &inv())
        .await
        .expect("answer");
    assert_eq!(r["statusCode"], 500);

    let source = source_fn(&ms, &c, json!({"hooks/deploy": [url]}), Some(&claims));
    let r = source
        .handle(&post(&body, "s3cret"), &inv())
        .await
        .expect("answer");
    assert_eq!(r["statusCode"], 200);
    let msgs = receive(&c, &url, 10, 2).await;
    assert_eq!(msgs.len(), 1);
    let attrs = string_attrs(&msgs[0]);
    let claim = attrs.get(wire::ATTR_CLAIM).expect("claim reference");
    assert!(claim.starts_with(&format!("s3://{claims}/claims/")));
    assert!(msgs[0].body().unwrap_or_default().len() < 1_000);

    let sensor = sensor_fn(&ms, "notify", S3Store::new(c.clone()), &moto, Some(&state));
    let resp = sensor.handle(&lambda_batch(&msgs, &arn), 0).await;
    assert!(resp.batch_item_failures.is_empty());
    let hits = sink.hits();
    assert_eq!(hits.len(), 1);
    let got: Value = serde_json::from_slice(&hits[0].body).expect("json");
    assert_eq!(got["service"].as_str().map(str::len), Some(service.len()));
}

#[tokio::test]
async fn fifo_sensor_queue_orders_and_deduplicates() {
    let Some(moto) = moto("fifo_sensor_queue_orders_and_deduplicates") else {
        return;
    };
    let c = clients(&moto);
    let name = format!("{}.fifo", unique("gate"));
    let q = c
        .sqs()
        .create_queue()
        .queue_name(&name)
        .attributes(aws_sdk_sqs::types::QueueAttributeName::FifoQueue, "true")
        .send()
        .await
        .expect("fifo queue");
    let url = q.queue_url().expect("url").to_string();
    let ms = manifests(&webhook_yaml(""));
    let source = source_fn(&ms, &c, json!({"hooks/deploy": [url]}), None);
    let first = post(r#"{"env":"prod","service":"1"}"#, "s3cret");
    for p in [
        &first,
        &post(r#"{"env":"prod","service":"2"}"#, "s3cret"),
        &first,
    ] {
        let r = source.handle(p, &inv()).await.expect("answer");
        assert_eq!(r["statusCode"], 200);
    }
    let msgs = receive(&c, &url, 10, 2).await;
    let services: Vec<String> = msgs
        .iter()
        .map(|m| {
            let v: Value = serde_json::from_str(m.body().unwrap_or_default()).expect("json");
            v["body"]["service"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        services,
        vec!["1", "2"],
        "in order, and the retried request deduplicated"
    );
}

#[tokio::test]
async fn ports_secrets_and_manifests_reach_real_services() {
    let Some(moto) = moto("ports_secrets_and_manifests_reach_real_services") else {
        return;
    };
    let c = clients(&moto);
    // Secrets Manager: a JSON secret supplies its keys under the secret's name.
    let name = unique("slack-secret");
    let created = c
        .secrets()
        .create_secret()
        .name(&name)
        .secret_string(r#"{"token":"xoxb-1"}"#)
        .send()
        .await
        .expect("create secret");
    let mut s = Secrets::default();
    s.load_secrets_manager(c.secrets(), &[created.arn().expect("arn").to_string()])
        .await
        .expect("read");
    assert_eq!(s.secret(&name, "token").as_deref(), Ok("xoxb-1"));
    let missing = s
        .clone()
        .load_secrets_manager(
            c.secrets(),
            &["arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf".into()],
        )
        .await;
    assert!(missing.is_err());

    let ports = AwsPorts::new(c.clone(), s);
    // The sqs trigger's port sends with attributes.
    let (url, _, _) = queue_with_dlq(&c, "trigger-target", 3).await;
    ports
        .send_message(QueueMessage {
            queue_url: url.clone(),
            body: "hello".into(),
            message_group_id: None,
            deduplication_id: None,
            delay_seconds: Some(0),
            attributes: vec![("tripline-idempotency-key".into(), "k".into())],
        })
        .await
        .expect("sent");
    let got = receive(&c, &url, 1, 2).await;
    assert_eq!(got[0].body(), Some("hello"));
    assert_eq!(
        string_attrs(&got[0])
            .get("tripline-idempotency-key")
            .map(String::as_str),
        Some("k")
    );
    let err = ports
        .send_message(QueueMessage {
            queue_url: format!("{moto}/123456789012/{}", unique("missing")),
            body: "x".into(),
            message_group_id: None,
            deduplication_id: None,
            delay_seconds: None,
            attributes: vec![],
        })
        .await
        .expect_err("no such queue");
    assert!(matches!(err, PortError::Permanent(_)), "{err:?}");

    // The awsLambda trigger's port reaches Lambda's Invoke API (no such function here).
    let err = ports
        .invoke(InvokeRequest {
            function_name: unique("missing-fn"),
            payload: b"{}".to_vec(),
            invocation_type: "Event".into(),
            region: Some("us-east-1".into()),
        })
        .await
        .expect_err("no such function");
    assert!(
        matches!(err, PortError::Permanent(ref m) if m.contains("ResourceNotFound") || m.contains("not found") || m.contains("404")),
        "{err:?}"
    );

    // Manifests read from S3 at cold start.
    let cfg = bucket(&c, "config").await;
    let text = std::fs::read_to_string(format!(
        "{}/tests/fixtures/manifests/event-sources.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("read");
    c.s3()
        .put_object()
        .bucket(&cfg)
        .key("m/all.yaml")
        .body(text.into_bytes().into())
        .send()
        .await
        .expect("put");
    let store = S3Store::new(c.clone());
    let loc = ManifestLocation::S3 {
        bucket: cfg.clone(),
        key: "m/all.yaml".into(),
    };
    assert_eq!(
        boot::load_manifests(&loc, &store)
            .await
            .expect("loads")
            .len(),
        3
    );
    let gone = ManifestLocation::S3 {
        bucket: cfg,
        key: "m/none.yaml".into(),
    };
    assert!(boot::load_manifests(&gone, &store)
        .await
        .expect_err("missing")
        .to_string()
        .contains("no such object"));
}
