//! The source function: every way an event reaches Lambda, turned into Argo-shaped CloudEvents
//! and published to the sensor queues.
//!
//! * Function URL / API Gateway HTTP API (payload 2.0) → webhook-family events (the core's
//!   `source` module does the mapping, signatures and `filter.expression`);
//! * S3 notifications — direct, through the intake queue, or through SNS → `minio` events;
//! * EventBridge Scheduler input `{"tripline":"schedule",…}` → `calendar` events;
//! * messages of an external queue → `sqs` events.
//!
//! An HTTP caller gets its 2xx only after SQS accepted the event; a queue batch reports each
//! record that was not published (`ReportBatchItemFailures`), so one bad record never makes the
//! good ones come back; other invocations fail as a whole, so Lambda retries them and finally
//! hands them to the function's dead-letter queue.

mod calendar;
mod catalog;
mod http;
mod queue;
mod s3;

pub use catalog::{Catalog, CatalogError};

use crate::publish::Publisher;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tripline_core::event::{Event, EventContext};

/// Why an invocation failed as a whole (Lambda retries it, then dead-letters it).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("the invocation payload is not an event this function handles: {0}")]
    Unrecognised(String),
    #[error("{0}")]
    Malformed(String),
    #[error("{failed} of {total} events were not published: {first}")]
    Publish {
        failed: usize,
        total: usize,
        first: String,
    },
}

/// What one invocation gets, besides its payload.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Lambda's request id (stable across Lambda's own retries of an async invocation).
    pub request_id: String,
    pub now: DateTime<Utc>,
}

/// The source function: compiled manifests plus the publisher.
#[derive(Debug)]
pub struct SourceFunction {
    catalog: Catalog,
    publisher: Publisher,
}

/// A stable event id (32 hex digits, the length of Argo's ids) from the parts that identify
/// the input, so a redelivered input yields the same id and sensors can drop the duplicate.
pub(crate) fn event_id(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An Argo-shaped event with JSON data.
pub(crate) fn json_event(
    source: &str,
    subject: &str,
    kind: &str,
    id: String,
    time: DateTime<Utc>,
    data: String,
) -> Event {
    Event::new(
        EventContext {
            id,
            source: source.into(),
            specversion: "1.0".into(),
            r#type: kind.into(),
            datacontenttype: "application/json".into(),
            subject: subject.into(),
            time,
        },
        data.into_bytes(),
    )
}

/// Go's `json.Marshal` of a `map[string]string` field tagged `omitempty`: `,"metadata":{…}`
/// with sorted keys, or nothing.
pub(crate) fn metadata_field(meta: &std::collections::BTreeMap<String, String>) -> String {
    if meta.is_empty() {
        return String::new();
    }
    format!(
        ",\"metadata\":{}",
        serde_json::to_string(meta).unwrap_or_else(|_| "{}".into())
    )
}

/// The kind of input, by its shape.
enum Shape {
    Http,
    Schedule,
    Sqs,
    S3,
    Sns,
}

fn shape(v: &Value) -> Option<Shape> {
    if v.pointer("/requestContext/http").is_some() {
        return Some(Shape::Http);
    }
    if v.get("tripline").and_then(Value::as_str) == Some("schedule") {
        return Some(Shape::Schedule);
    }
    let first = v.get("Records")?.as_array()?.first()?;
    let src = first
        .get("eventSource")
        .or_else(|| first.get("EventSource"))
        .and_then(Value::as_str)?;
    match src {
        "aws:sqs" => Some(Shape::Sqs),
        "aws:s3" => Some(Shape::S3),
        "aws:sns" => Some(Shape::Sns),
        _ => None,
    }
}

impl SourceFunction {
    pub fn new(catalog: Catalog, publisher: Publisher) -> SourceFunction {
        SourceFunction { catalog, publisher }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Handles one invocation; the value is the function's answer.
    pub async fn handle(&self, payload: &Value, inv: &Invocation) -> Result<Value, SourceError> {
        match shape(payload) {
            Some(Shape::Http) => Ok(self.http(payload, inv).await),
            Some(Shape::Sqs) => Ok(self.sqs_batch(payload, inv).await),
            Some(Shape::Schedule) => {
                let events = calendar::events(&self.catalog, payload, inv)?;
                self.publish_all(events).await
            }
            Some(Shape::S3) => {
                let events = s3::events(&self.catalog, payload, inv.now)?;
                self.publish_all(events).await
            }
            Some(Shape::Sns) => {
                let mut events = Vec::new();
                for r in payload
                    .get("Records")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let msg = r
                        .pointer("/Sns/Message")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            SourceError::Malformed("SNS record without Sns.Message".into())
                        })?;
                    events.extend(s3::events_from_text(&self.catalog, msg, inv.now)?);
                }
                self.publish_all(events).await
            }
            None => {
                let mut head: String = payload.to_string().chars().take(200).collect();
                if head.len() >= 200 {
                    head.push('…');
                }
                Err(SourceError::Unrecognised(head))
            }
        }
    }

    /// Publishes events of an all-or-nothing invocation.
    async fn publish_all(&self, events: Vec<Event>) -> Result<Value, SourceError> {
        let total = events.len();
        let results = self.publisher.publish(&events).await;
        let errors: Vec<String> = results
            .into_iter()
            .filter_map(|r| r.err().map(|e| e.to_string()))
            .collect();
        match errors.first() {
            None => Ok(json!({ "published": total })),
            Some(first) => Err(SourceError::Publish {
                failed: errors.len(),
                total,
                first: first.clone(),
            }),
        }
    }

    /// An SQS batch: S3 notifications from the intake queue, or messages of external queues.
    async fn sqs_batch(&self, payload: &Value, inv: &Invocation) -> Value {
        let records: Vec<&Value> = payload
            .get("Records")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default();
        // Events of each record, or why the record is malformed.
        let mut per_record: Vec<(String, Result<Vec<Event>, String>)> = Vec::new();
        for r in &records {
            let id = r
                .get("messageId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let arn = r
                .get("eventSourceARN")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let events = if self.catalog.queue_entries(arn).next().is_some() {
                queue::events(&self.catalog, r, inv.now)
            } else {
                let body = r.get("body").and_then(Value::as_str).unwrap_or_default();
                s3::events_from_text(&self.catalog, body, inv.now).map_err(|e| e.to_string())
            };
            if let Err(reason) = &events {
                tracing::error!(message_id = %id, %reason, "malformed record; it goes back to the queue and on to its DLQ");
            }
            per_record.push((id, events));
        }
        let mut flat = Vec::new();
        let mut owner = Vec::new();
        for (i, (_, evs)) in per_record.iter().enumerate() {
            if let Ok(evs) = evs {
                for e in evs {
                    flat.push(e.clone());
                    owner.push(i);
                }
            }
        }
        let results = self.publisher.publish(&flat).await;
        let mut failed: Vec<bool> = per_record.iter().map(|(_, e)| e.is_err()).collect();
        for (r, &i) in results.iter().zip(&owner) {
            if let Err(e) = r {
                tracing::error!(message_id = %per_record[i].0, error = %e, "event not published; the record comes back");
                failed[i] = true;
            }
        }
        let failures: Vec<Value> = per_record
            .iter()
            .zip(&failed)
            .filter(|(_, f)| **f)
            .map(|((id, _), _)| json!({ "itemIdentifier": id }))
            .collect();
        json!({ "batchItemFailures": failures })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::{AwsEnv, Clients};
    use crate::config::parse_manifests;
    use tripline_core::secret::StaticSecrets;

    fn function() -> SourceFunction {
        let yaml = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: hooks}
spec:
  webhook:
    deploy: {port: "1", endpoint: /deploy, method: POST, authSecret: {name: a, key: t}}
"#;
        let secrets = StaticSecrets::default().with("a", "t", "tok");
        let catalog =
            Catalog::build(&parse_manifests(yaml, "t").expect("m"), &secrets).expect("catalog");
        // Nothing here reaches AWS: the clients point at a closed port.
        let env = AwsEnv::from_lookup(|k| {
            Some(match k {
                "AWS_ENDPOINT_URL" => "http://127.0.0.1:9".to_string(),
                _ => "x".to_string(),
            })
        })
        .expect("env");
        let c = Clients::new(&env);
        SourceFunction::new(catalog, Publisher::new(c, None, Default::default()))
    }

    fn request(path: &str, auth: &str) -> Value {
        json!({
            "rawPath": path,
            "headers": {"authorization": auth, "content-type": "application/json"},
            "requestContext": {"http": {"method": "POST"}, "requestId": "r"},
            "body": "{}"
        })
    }

    fn inv() -> Invocation {
        Invocation {
            request_id: "req".into(),
            now: Utc::now(),
        }
    }

    #[tokio::test]
    async fn http_answers_that_need_no_bus() {
        let f = function();
        let cases = [
            (request("/health", ""), 200),
            (request("/nope", ""), 404),
            (request("/deploy", "Bearer wrong"), 401),
            (request("/deploy", ""), 401),
            // No sensor listens: nothing to publish, so the caller gets 200 at once.
            (request("/deploy", "Bearer tok"), 200),
        ];
        for (req, status) in cases {
            let r = f.handle(&req, &inv()).await.expect("answer");
            assert_eq!(r["statusCode"], status, "{req}: {r}");
        }
    }

    #[tokio::test]
    async fn unknown_and_malformed_invocations_fail_whole() {
        let f = function();
        assert!(matches!(
            f.handle(&json!({"hello": 1}), &inv()).await,
            Err(SourceError::Unrecognised(_))
        ));
        let sched = json!({"tripline": "schedule", "eventSource": "hooks"});
        assert!(matches!(
            f.handle(&sched, &inv()).await,
            Err(SourceError::Malformed(_))
        ));
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {}}]});
        assert!(matches!(
            f.handle(&sns, &inv()).await,
            Err(SourceError::Malformed(_))
        ));
    }

    #[test]
    fn event_ids_are_stable_and_argo_sized() {
        let a = event_id(&["s", "n", "x"]);
        assert_eq!(a.len(), 32);
        assert_eq!(a, event_id(&["s", "n", "x"]));
        assert_ne!(a, event_id(&["s", "nx", ""]));
    }
}
