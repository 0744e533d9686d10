//! The sensor handler called as a plain function on SQS batches, with the in-memory object
//! store (S3's conditional-write rules) and a real loopback HTTP sink. The same paths against
//! S3 itself are in `moto.rs`.

mod common;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use common::{manifests, notify_yaml, sensor_fn, Sink};
use lambda_runtime::{Context, LambdaEvent};
use tripline_core::event::{Event, EventContext};
use tripline_lambda::store::{MemStore, ObjectStore, Precondition};
use tripline_lambda::wire;

/// No AWS call is made in these tests; the clients point at a closed port.
const NOWHERE: &str = "http://127.0.0.1:9";
const STANDARD: &str = "arn:aws:sqs:us-east-1:123456789012:sensor-q";
const FIFO: &str = "arn:aws:sqs:us-east-1:123456789012:sensor-q.fifo";

fn event(source: &str, name: &str, id: &str, data: &str) -> Event {
    Event::new(
        EventContext {
            id: id.into(),
            source: source.into(),
            specversion: "1.0".into(),
            r#type: "webhook".into(),
            datacontenttype: "application/json".into(),
            subject: name.into(),
            time: chrono::Utc::now(),
        },
        data.as_bytes().to_vec(),
    )
}

fn record_of(msg: &wire::Message, message_id: &str, arn: &str) -> SqsMessage {
    let mut r = SqsMessage::default();
    r.message_id = Some(message_id.into());
    r.body = Some(msg.body.clone());
    r.event_source = Some("aws:sqs".into());
    r.event_source_arn = Some(arn.into());
    r.message_attributes = msg
        .attributes
        .iter()
        .map(|(k, v)| {
            let mut a = SqsMessageAttribute::default();
            a.string_value = Some(v.clone());
            a.data_type = Some("String".into());
            (k.clone(), a)
        })
        .collect();
    r
}

fn record(e: &Event, message_id: &str, arn: &str) -> SqsMessage {
    record_of(&wire::encode(e), message_id, arn)
}

fn batch(records: Vec<SqsMessage>) -> SqsEvent {
    let mut b = SqsEvent::default();
    b.records = records;
    b
}

fn failed(resp: &aws_lambda_events::sqs::SqsBatchResponse) -> Vec<String> {
    resp.batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test]
async fn stateless_records_fire_once_even_when_redelivered() {
    let sink = Sink::start().await;
    let ms = manifests(&notify_yaml(&format!("{}/notify", sink.url), ""));
    let f = sensor_fn(&ms, "notify", MemStore::default(), NOWHERE, Some("state"));
    assert!(!f.stateful());
    let e1 = event(
        "hooks",
        "deploy",
        "e1",
        r#"{"body":{"env":"prod","service":"api"}}"#,
    );
    let e2 = event(
        "hooks",
        "deploy",
        "e2",
        r#"{"body":{"env":"dev","service":"web"}}"#,
    );
    let b = batch(vec![
        record(&e1, "m1", STANDARD),
        record(&e2, "m2", STANDARD),
    ]);

    // Called as Lambda would, through a LambdaEvent.
    let ev = LambdaEvent::new(b, Context::default());
    let resp = f.handle(&ev.payload, ev.context.deadline).await;
    assert!(failed(&resp).is_empty());
    let hits = sink.hits();
    assert_eq!(hits.len(), 1, "the dev event does not pass the filter");
    assert_eq!(
        String::from_utf8_lossy(&hits[0].body),
        r#"{"service":"api"}"#
    );

    // SQS redelivers the batch (e.g. the function timed out after firing): no second request.
    let resp = f.handle(&ev.payload, 0).await;
    assert!(failed(&resp).is_empty());
    assert_eq!(sink.hits().len(), 1);
}

#[tokio::test]
async fn a_failing_trigger_or_malformed_record_fails_only_its_record() {
    let sink = Sink::start().await;
    let ms = manifests(&notify_yaml(&format!("{}/notify", sink.url), ""));
    let f = sensor_fn(&ms, "notify", MemStore::default(), NOWHERE, Some("state"));
    let good = event(
        "hooks",
        "deploy",
        "g",
        r#"{"body":{"env":"prod","service":"a"}}"#,
    );
    let mut bad = record(&good, "bad", STANDARD);
    bad.message_attributes.remove(wire::ATTR_ID);
    let resp = f
        .handle(&batch(vec![bad, record(&good, "good", STANDARD)]), 0)
        .await;
    assert_eq!(failed(&resp), vec!["bad"]);
    assert_eq!(sink.hits().len(), 1);

    // The target answers 500: the record goes back; once it recovers, the retry fires.
    sink.answer(500);
    let e = event(
        "hooks",
        "deploy",
        "r",
        r#"{"body":{"env":"prod","service":"b"}}"#,
    );
    let b = batch(vec![record(&e, "m", STANDARD)]);
    assert_eq!(failed(&f.handle(&b, 0).await), vec!["m"]);
    sink.answer(200);
    assert!(failed(&f.handle(&b, 0).await).is_empty());
    let bodies: Vec<String> = sink
        .hits()
        .iter()
        .map(|h| String::from_utf8_lossy(&h.body).into_owned())
        .collect();
    assert_eq!(
        bodies.iter().filter(|b| b.contains("\"b\"")).count(),
        2,
        "one failed attempt, one success"
    );
    assert_eq!(f.handle(&b, 0).await.batch_item_failures.len(), 0);
    assert_eq!(sink.hits().len(), 3, "done once: not fired again");
}

#[tokio::test]
async fn fifo_batches_stop_at_the_first_failure() {
    let sink = Sink::start().await;
    let ms = manifests(&notify_yaml(&format!("{}/notify", sink.url), ""));
    let f = sensor_fn(&ms, "notify", MemStore::default(), NOWHERE, Some("state"));
    let a = event(
        "hooks",
        "deploy",
        "a",
        r#"{"body":{"env":"prod","service":"a"}}"#,
    );
    let c = event(
        "hooks",
        "deploy",
        "c",
        r#"{"body":{"env":"prod","service":"c"}}"#,
    );
    let mut bad = record(&a, "2", FIFO);
    bad.message_attributes.remove(wire::ATTR_SOURCE);
    let b = batch(vec![record(&a, "1", FIFO), bad, record(&c, "3", FIFO)]);
    assert_eq!(failed(&f.handle(&b, 0).await), vec!["2", "3"]);
    let hits = sink.hits();
    assert_eq!(
        hits.len(),
        1,
        "record 3 waits for 2, to keep the group in order"
    );
}

#[tokio::test]
async fn dlq_trigger_and_at_least_once_false_settle_the_record() {
    let sink = Sink::start().await;
    let extra = format!(
        r#"    - template:
        name: fragile
        http: {{url: "http://127.0.0.1:9/closed", method: POST}}
      retryStrategy: {{steps: 1}}
      dlqTrigger:
        template:
          name: to-dlq
          http: {{url: "{}/dlq", method: POST}}
    - template:
        name: best-effort
        http: {{url: "http://127.0.0.1:9/closed", method: POST}}
      retryStrategy: {{steps: 1}}
      atLeastOnce: false
"#,
        sink.url
    );
    let ms = manifests(&notify_yaml(&format!("{}/notify", sink.url), &extra));
    let f = sensor_fn(&ms, "notify", MemStore::default(), NOWHERE, Some("state"));
    let e = event(
        "hooks",
        "deploy",
        "x",
        r#"{"body":{"env":"prod","service":"s"}}"#,
    );
    let resp = f.handle(&batch(vec![record(&e, "m", STANDARD)]), 0).await;
    assert!(
        failed(&resp).is_empty(),
        "the dlqTrigger took one, the other is best effort"
    );
    let dlq_hits = sink
        .hits()
        .iter()
        .filter(|h| !String::from_utf8_lossy(&h.body).contains("service"))
        .count();
    assert_eq!(sink.hits().len(), 2);
    assert_eq!(dlq_hits, 1);
}

const GATE: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: gate}
spec:
  dependencies:
    - {name: build, eventSourceName: ci, eventName: build}
    - {name: tests, eventSourceName: ci, eventName: test}
  triggers:
    - template:
        name: release
        conditions: "build && tests"
        http:
          url: SINK/release
          method: POST
          payload:
            - src: {dependencyName: build, dataKey: commit}
              dest: build
            - src: {dependencyName: tests, dataKey: commit}
              dest: tests
      retryStrategy: {steps: 1}
"#;

#[tokio::test]
async fn stateful_sensors_hold_events_across_invocations_and_never_refire() {
    let sink = Sink::start().await;
    let ms = manifests(&GATE.replace("SINK", &sink.url));
    let store = MemStore::default();
    let f = sensor_fn(&ms, "gate", store, NOWHERE, Some("state"));
    assert!(f.stateful());
    let b1 = event("ci", "build", "b1", r#"{"commit":"abc"}"#);
    let t1 = event("ci", "test", "t1", r#"{"commit":"abc"}"#);
    assert!(failed(&f.handle(&batch(vec![record(&b1, "1", FIFO)]), 0).await).is_empty());
    assert!(sink.hits().is_empty(), "only one dependency so far");
    assert!(failed(&f.handle(&batch(vec![record(&t1, "2", FIFO)]), 0).await).is_empty());
    let hits = sink.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        String::from_utf8_lossy(&hits[0].body),
        r#"{"build":"abc","tests":"abc"}"#
    );

    // Both messages come back (duplicates): the build is not held again, nothing fires.
    f.handle(
        &batch(vec![record(&b1, "1", FIFO), record(&t1, "2", FIFO)]),
        0,
    )
    .await;
    let t2 = event("ci", "test", "t2", r#"{"commit":"def"}"#);
    f.handle(&batch(vec![record(&t2, "3", FIFO)]), 0).await;
    assert_eq!(
        sink.hits().len(),
        1,
        "a fresh test result alone does not fire"
    );
}

#[tokio::test]
async fn a_failed_firing_is_retried_from_the_pending_record() {
    let sink = Sink::start().await;
    let ms = manifests(&GATE.replace("SINK", &sink.url));
    let f = sensor_fn(&ms, "gate", MemStore::default(), NOWHERE, Some("state"));
    let b1 = event("ci", "build", "b1", r#"{"commit":"1"}"#);
    let t1 = event("ci", "test", "t1", r#"{"commit":"1"}"#);
    f.handle(&batch(vec![record(&b1, "1", FIFO)]), 0).await;
    sink.answer(503);
    let second = batch(vec![record(&t1, "2", FIFO)]);
    assert_eq!(failed(&f.handle(&second, 0).await), vec!["2"]);
    // The held events were consumed by the firing; the redelivery must still fire it.
    sink.answer(200);
    assert!(failed(&f.handle(&second, 0).await).is_empty());
    let hits = sink.hits();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body, hits[1].body);
}

#[tokio::test]
async fn claim_checked_data_is_read_back_from_the_store() {
    let sink = Sink::start().await;
    let ms = manifests(&notify_yaml(&format!("{}/notify", sink.url), ""));
    let store = MemStore::default();
    let big = format!(
        r#"{{"body":{{"env":"prod","service":"{}"}}}}"#,
        "x".repeat(300_000)
    );
    let e = event("hooks", "deploy", "big", &big);
    let key = wire::claim_key(&e);
    store
        .put("claims", &key, e.data().to_vec(), Precondition::None)
        .await
        .expect("put");
    let msg = wire::claim_message(&e, "claims", &key);
    assert!(msg.size() < 1_000);
    let f = sensor_fn(&ms, "notify", store, NOWHERE, Some("state"));
    assert!(failed(
        &f.handle(&batch(vec![record_of(&msg, "m", STANDARD)]), 0)
            .await
    )
    .is_empty());
    let hits = sink.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].body.len(), r#"{"service":""}"#.len() + 300_000);

    // A claim whose object is gone is a malformed record.
    let gone = wire::claim_message(&e, "claims", "claims/missing");
    let f2 = sensor_fn(&ms, "notify", MemStore::default(), NOWHERE, Some("state"));
    assert_eq!(
        failed(
            &f2.handle(&batch(vec![record_of(&gone, "g", STANDARD)]), 0)
                .await
        ),
        vec!["g"]
    );
}

#[test]
fn a_stateful_sensor_needs_a_state_bucket() {
    let ms = manifests(&GATE.replace("SINK", "http://x"));
    let err = tripline_lambda::sensor::SensorFunction::new(
        &common::sensor_of(&ms, "gate"),
        MemStore::default(),
        tripline_lambda::ports::AwsPorts::new(common::clients(NOWHERE), Default::default()),
        Default::default(),
    )
    .expect_err("no bucket");
    assert!(err.to_string().contains("TRIPLINE_STATE_BUCKET"), "{err}");
}

#[tokio::test]
async fn stateful_fifo_firings_keep_their_order_across_a_failure() {
    let sink = Sink::start().await;
    let ms = manifests(&GATE.replace("SINK", &sink.url));
    let f = sensor_fn(&ms, "gate", MemStore::default(), NOWHERE, Some("state"));
    let b1 = event("ci", "build", "b1", r#"{"commit":"1"}"#);
    let t1 = event("ci", "test", "t1", r#"{"commit":"1"}"#);
    let b2 = event("ci", "build", "b2", r#"{"commit":"2"}"#);
    let t2 = event("ci", "test", "t2", r#"{"commit":"2"}"#);
    let all = batch(vec![
        record(&b1, "1", FIFO),
        record(&t1, "2", FIFO),
        record(&b2, "3", FIFO),
        record(&t2, "4", FIFO),
    ]);
    sink.answer(500);
    assert_eq!(failed(&f.handle(&all, 0).await), vec!["2", "3", "4"]);
    assert_eq!(
        sink.hits().len(),
        1,
        "the second firing waits behind the first"
    );
    sink.answer(200);
    let again = batch(all.records[1..].to_vec());
    assert!(failed(&f.handle(&again, 0).await).is_empty());
    let bodies: Vec<String> = sink
        .hits()
        .iter()
        .map(|h| String::from_utf8_lossy(&h.body).into_owned())
        .collect();
    assert_eq!(
        bodies,
        vec![
            r#"{"build":"1","tests":"1"}"#,
            r#"{"build":"1","tests":"1"}"#,
            r#"{"build":"2","tests":"2"}"#
        ]
    );
}
