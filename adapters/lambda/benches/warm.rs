//! Warm sensor handler time: one SQS batch of 10 events through the wire decoding, the
//! dependency filters and a `log` trigger (writing its JSON lines to a sink instead of stdout).
//! No AWS call happens on this path.

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use criterion::{criterion_group, criterion_main, Criterion};
use tripline_core::event::{Event, EventContext};
use tripline_core::spec::Manifest;
use tripline_lambda::aws::{AwsEnv, Clients};
use tripline_lambda::config::parse_manifests;
use tripline_lambda::ports::AwsPorts;
use tripline_lambda::secrets::Secrets;
use tripline_lambda::sensor::{SensorFunction, SensorOptions};
use tripline_lambda::store::MemStore;
use tripline_lambda::wire;

const SENSOR: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: deploys}
spec:
  dependencies:
    - name: deploy
      eventSourceName: webhook
      eventName: deploy
      filters:
        data:
          - {path: body.environment, type: string, value: ["^prod"]}
          - {path: body.replicas, type: number, comparator: ">=", value: ["2"]}
        exprs:
          - expr: service != ""
            fields:
              - {name: service, path: body.service}
  triggers:
    - template:
        name: log-deploy
        log: {}
"#;

fn batch() -> SqsEvent {
    let mut b = SqsEvent::default();
    b.records = (0..10)
        .map(|i| {
            let e = Event::new(
                EventContext {
                    id: format!("{i:032x}"),
                    source: "webhook".into(),
                    specversion: "1.0".into(),
                    r#type: "webhook".into(),
                    datacontenttype: "application/json".into(),
                    subject: "deploy".into(),
                    time: chrono::Utc::now(),
                },
                format!(
                    r#"{{"header":{{"Content-Type":["application/json"]}},"body":{{"environment":"production","replicas":{},"service":"api-{i}","commit":"0123456789abcdef"}}}}"#,
                    2 + i % 3
                )
                .into_bytes(),
            );
            let m = wire::encode(&e);
            let mut r = SqsMessage::default();
            r.message_id = Some(format!("m{i}"));
            r.body = Some(m.body);
            r.event_source_arn = Some("arn:aws:sqs:us-east-1:123456789012:deploys".into());
            r.message_attributes = m
                .attributes
                .into_iter()
                .map(|(k, v)| {
                    let mut a = SqsMessageAttribute::default();
                    a.string_value = Some(v);
                    a.data_type = Some("String".into());
                    (k, a)
                })
                .collect();
            r
        })
        .collect();
    b
}

fn warm(c: &mut Criterion) {
    let manifests: Vec<Manifest> = parse_manifests(SENSOR, "bench").expect("manifest");
    let Some(Manifest::Sensor(sensor)) = manifests.first() else {
        panic!("no sensor");
    };
    let env = AwsEnv {
        region: "us-east-1".into(),
        access_key_id: "x".into(),
        secret_access_key: "x".into(),
        session_token: None,
        endpoint: None,
        sqs_endpoint: None,
        s3_endpoint: None,
        lambda_endpoint: None,
        secrets_endpoint: None,
    };
    let ports = AwsPorts::with_log(
        Clients::new(&env),
        Secrets::default(),
        Box::new(std::io::sink()),
    );
    let f = SensorFunction::new(sensor, MemStore::default(), ports, SensorOptions::default())
        .expect("sensor");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let b = batch();
    let resp = rt.block_on(f.handle(&b, 0));
    assert!(resp.batch_item_failures.is_empty());
    c.bench_function("sensor_batch_10_filters_log_trigger", |bench| {
        bench.iter(|| rt.block_on(f.handle(&b, 0)))
    });
}

criterion_group!(benches, warm);
criterion_main!(benches);
