//! Shared test plumbing: clients for the local AWS server, queue helpers that play the part of
//! Lambda's SQS event source mapping (nothing invokes a function from a queue locally), and a
//! loopback HTTP sink that records what triggers send.
#![allow(dead_code)]

use aws_lambda_events::sqs::{SqsEvent, SqsMessage, SqsMessageAttribute};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tripline_core::spec::Manifest;
use tripline_lambda::aws::{AwsEnv, Clients};
use tripline_lambda::config::parse_manifests;
use tripline_lambda::ports::AwsPorts;
use tripline_lambda::secrets::Secrets;
use tripline_lambda::sensor::{SensorFunction, SensorOptions};
use tripline_lambda::store::ObjectStore;

/// The local AWS server's URL, or `None` after saying loudly why the test does not run.
pub fn moto(test: &str) -> Option<String> {
    match std::env::var("TRIPLINE_MOTO_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            skip(&format!(
                "{test}: TRIPLINE_MOTO_URL is not set, so there is no local AWS server. \
                 Run `eval \"$(.ci/aws-setup)\"` first (.ci/run does)."
            ));
            None
        }
    }
}

/// Says why a test does not run, past the test harness's output capture.
pub fn skip(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {why}");
}

pub fn env(endpoint: &str) -> AwsEnv {
    AwsEnv {
        region: "us-east-1".into(),
        access_key_id: "testing".into(),
        secret_access_key: "testing".into(),
        session_token: None,
        endpoint: Some(endpoint.into()),
        sqs_endpoint: Some(endpoint.into()),
        s3_endpoint: Some(endpoint.into()),
        lambda_endpoint: Some(endpoint.into()),
        secrets_endpoint: Some(endpoint.into()),
    }
}

pub fn clients(endpoint: &str) -> Clients {
    Clients::new(&env(endpoint))
}

/// A name unique to this process and call, for queues and buckets.
pub fn unique(stem: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{stem}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A queue with its DLQ (redrive after `max_receive` deliveries): (url, arn, dlq url).
pub async fn queue_with_dlq(c: &Clients, stem: &str, max_receive: u32) -> (String, String, String) {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let name = unique(stem);
    let dlq = c
        .sqs()
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("create dlq");
    let dlq_url = dlq.queue_url().expect("dlq url").to_string();
    let dlq_arn = queue_arn(c, &dlq_url).await;
    let q = c
        .sqs()
        .create_queue()
        .queue_name(&name)
        .attributes(A::VisibilityTimeout, "30")
        .attributes(
            A::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive})
                .to_string(),
        )
        .send()
        .await
        .expect("create queue");
    let url = q.queue_url().expect("url").to_string();
    let arn = queue_arn(c, &url).await;
    (url, arn, dlq_url)
}

pub async fn queue_arn(c: &Clients, url: &str) -> String {
    c.sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attributes")
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .expect("arn")
}

pub async fn bucket(c: &Clients, stem: &str) -> String {
    let name = unique(stem);
    c.s3()
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .expect("create bucket");
    name
}

/// Receives up to `max` messages, waiting up to `wait_s` seconds for the first.
pub async fn receive(
    c: &Clients,
    url: &str,
    max: i32,
    wait_s: i32,
) -> Vec<aws_sdk_sqs::types::Message> {
    c.sqs()
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(max)
        .wait_time_seconds(wait_s)
        .message_attribute_names("All")
        .message_system_attribute_names(aws_sdk_sqs::types::MessageSystemAttributeName::All)
        .send()
        .await
        .expect("receive")
        .messages
        .unwrap_or_default()
}

/// The batch Lambda would hand the function for these messages.
pub fn lambda_batch(messages: &[aws_sdk_sqs::types::Message], queue_arn: &str) -> SqsEvent {
    let mut ev = SqsEvent::default();
    ev.records = messages
        .iter()
        .map(|m| {
            let mut r = SqsMessage::default();
            r.message_id = m.message_id().map(str::to_string);
            r.receipt_handle = m.receipt_handle().map(str::to_string);
            r.body = m.body().map(str::to_string);
            r.md5_of_body = m.md5_of_body().map(str::to_string);
            r.event_source = Some("aws:sqs".into());
            r.event_source_arn = Some(queue_arn.into());
            r.aws_region = Some("us-east-1".into());
            r.message_attributes = m
                .message_attributes()
                .map(|attrs| {
                    attrs
                        .iter()
                        .map(|(k, v)| {
                            let mut a = SqsMessageAttribute::default();
                            a.string_value = v.string_value().map(str::to_string);
                            a.data_type = Some(v.data_type().to_string());
                            (k.clone(), a)
                        })
                        .collect()
                })
                .unwrap_or_default();
            r.attributes = m
                .attributes()
                .map(|a| {
                    a.iter()
                        .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            r
        })
        .collect();
    ev
}

/// What Lambda's event source mapping does after the function returns: delete every message
/// not reported as failed, and make the failed ones visible again at once (instead of waiting
/// for the visibility timeout).
pub async fn settle(
    c: &Clients,
    url: &str,
    messages: &[aws_sdk_sqs::types::Message],
    failed: &[String],
) {
    for m in messages {
        let id = m.message_id().unwrap_or_default();
        let handle = m.receipt_handle().unwrap_or_default();
        if failed.iter().any(|f| f == id) {
            c.sqs()
                .change_message_visibility()
                .queue_url(url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
                .expect("visibility");
        } else {
            c.sqs()
                .delete_message()
                .queue_url(url)
                .receipt_handle(handle)
                .send()
                .await
                .expect("delete");
        }
    }
}

/// One request the sink received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// A loopback HTTP server that records POSTs to any path and answers `status`.
#[derive(Clone)]
pub struct Sink {
    pub url: String,
    pub hits: Arc<Mutex<Vec<Hit>>>,
    pub status: Arc<AtomicU16>,
}

impl Sink {
    pub async fn start() -> Sink {
        let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let state = (hits.clone(), status.clone());
        let app = Router::new()
            .route("/{*path}", post(record))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Sink {
            url: format!("http://{addr}"),
            hits,
            status,
        }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().expect("hits").clone()
    }

    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }
}

type SinkState = (Arc<Mutex<Vec<Hit>>>, Arc<AtomicU16>);

async fn record(
    State((hits, status)): State<SinkState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let headers = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    hits.lock().expect("hits").push(Hit {
        headers,
        body: body.to_vec(),
    });
    StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap_or(StatusCode::OK)
}

pub fn manifests(yaml: &str) -> Vec<Manifest> {
    parse_manifests(yaml, "test").expect("manifests")
}

pub fn sensor_of(manifests: &[Manifest], name: &str) -> tripline_core::spec::Sensor {
    manifests
        .iter()
        .find_map(|m| match m {
            Manifest::Sensor(s) if m.name() == Some(name) => Some(s.clone()),
            _ => None,
        })
        .expect("sensor")
}

/// A sensor function over `store`, with ports whose AWS clients point at `endpoint`.
pub fn sensor_fn<S: ObjectStore>(
    manifests: &[Manifest],
    name: &str,
    store: S,
    endpoint: &str,
    state_bucket: Option<&str>,
) -> SensorFunction<S, AwsPorts> {
    let ports = AwsPorts::new(clients(endpoint), Secrets::default());
    let opts = SensorOptions {
        state_bucket: state_bucket.map(str::to_string),
        ..SensorOptions::default()
    };
    SensorFunction::new(&sensor_of(manifests, name), store, ports, opts).expect("sensor compiles")
}

/// Waits until `f` holds or `secs` pass.
pub async fn eventually(secs: u64, mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..(secs * 20) {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f()
}

pub fn string_attrs(m: &aws_sdk_sqs::types::Message) -> HashMap<String, String> {
    m.message_attributes()
        .map(|a| {
            a.iter()
                .filter_map(|(k, v)| v.string_value().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The `notify` sensor both test files use: one filtered dependency, one `http` trigger to
/// `url`, then `extra` YAML appended.
pub fn notify_yaml(url: &str, extra: &str) -> String {
    format!(
        r#"
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {{name: notify}}
spec:
  dependencies:
    - name: d
      eventSourceName: hooks
      eventName: deploy
      filters:
        data:
          - {{path: body.env, type: string, value: ["prod"]}}
  triggers:
    - template:
        name: post
        http:
          url: {url}
          method: POST
          payload:
            - src: {{dependencyName: d, dataKey: body.service}}
              dest: service
      retryStrategy: {{steps: 1}}
{extra}"#
    )
}
