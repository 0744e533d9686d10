//! Messages of an external SQS queue → Argo `sqs` events, shaped like Argo's `SQSEventData`:
//! `{"messageId","messageAttributes","body","metadata"}` with the attributes as the Go SDK
//! marshals them (`{"BinaryListValues","BinaryValue","DataType","StringListValues",
//! "StringValue"}`) and the body as raw JSON with `jsonBody`, else base64 (Go's `[]byte`).

use super::{event_id, json_event, metadata_field, Catalog};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use tripline_core::event::Event;

/// Argo's `messageAttributes` from a Lambda SQS record's (`null` when there are none).
fn go_attributes(record: &Value) -> Value {
    let Some(attrs) = record.get("messageAttributes").and_then(Value::as_object) else {
        return Value::Null;
    };
    if attrs.is_empty() {
        return Value::Null;
    }
    let list = |v: Option<&Value>| match v.and_then(Value::as_array) {
        Some(a) if !a.is_empty() => Value::Array(a.clone()),
        _ => Value::Null,
    };
    let mut sorted: Vec<(&String, &Value)> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut out = Map::new();
    for (name, a) in sorted {
        out.insert(
            name.clone(),
            json!({
                "BinaryListValues": list(a.get("binaryListValues")),
                "BinaryValue": a.get("binaryValue").cloned().unwrap_or(Value::Null),
                "DataType": a.get("dataType").cloned().unwrap_or(Value::Null),
                "StringListValues": list(a.get("stringListValues")),
                "StringValue": a.get("stringValue").cloned().unwrap_or(Value::Null),
            }),
        );
    }
    Value::Object(out)
}

/// The events of one record, for every `sqs` source reading its queue. `Err` leaves the
/// record on the queue (it comes back, then goes to the queue's DLQ).
pub(super) fn events(
    catalog: &Catalog,
    record: &Value,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, String> {
    let arn = record
        .get("eventSourceARN")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message_id = record
        .get("messageId")
        .and_then(Value::as_str)
        .ok_or("SQS record without messageId")?;
    let body = record
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let attributes = go_attributes(record).to_string();
    let mut out = Vec::new();
    for entry in catalog.queue_entries(arn) {
        let body_json = if entry.json_body {
            if serde_json::from_str::<serde::de::IgnoredAny>(body).is_err() {
                let reason = format!(
                    "{}/{}: jsonBody is set but message {message_id} is not JSON",
                    entry.source, entry.name
                );
                if entry.dlq {
                    return Err(reason);
                }
                // Argo acknowledges (drops) such a message unless `dlq` is set.
                tracing::warn!(%reason, "message dropped");
                continue;
            }
            body.to_string()
        } else {
            Value::String(base64::engine::general_purpose::STANDARD.encode(body)).to_string()
        };
        let data = format!(
            "{{\"messageId\":{},\"messageAttributes\":{attributes},\"body\":{body_json}{}}}",
            Value::String(message_id.to_string()),
            metadata_field(&entry.metadata)
        );
        if let Some(f) = &entry.filter {
            if let Err(reason) = f.check(&data) {
                tracing::info!(source = %entry.source, name = %entry.name, %reason, "filtered out");
                continue;
            }
        }
        let id = event_id(&[&entry.source, &entry.name, message_id]);
        out.push(json_event(&entry.source, &entry.name, "sqs", id, now, data));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_manifests;
    use tripline_core::secret::StaticSecrets;

    const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: jobs}
spec:
  sqs:
    raw: {queue: work, region: us-east-1, queueAccountId: "123456789012", waitTimeSeconds: 20}
    parsed:
      queue: work
      region: us-east-1
      jsonBody: true
      dlq: true
      metadata: {k: v}
      filter: {expression: "body.kind == \"job\""}
"#;

    fn record(body: &str) -> Value {
        json!({
            "messageId": "m-1", "receiptHandle": "r", "body": body,
            "attributes": {}, "md5OfBody": "x",
            "messageAttributes": {"b": {"stringValue": "2", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
                                   "a": {"stringValue": "1", "stringListValues": [], "binaryListValues": [], "dataType": "String"}},
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:work",
            "awsRegion": "us-east-1"
        })
    }

    fn catalog() -> Catalog {
        Catalog::build(
            &parse_manifests(ES, "t").expect("m"),
            &StaticSecrets::default(),
        )
        .expect("catalog")
    }

    #[test]
    fn records_take_argo_shape_per_source() {
        let c = catalog();
        let evs = events(&c, &record(r#"{"kind":"job"}"#), Utc::now()).expect("events");
        assert_eq!(evs.len(), 2);
        let raw: Value = serde_json::from_slice(evs[0].data()).expect("json");
        assert_eq!(raw["body"], "eyJraW5kIjoiam9iIn0=");
        assert_eq!(raw["messageAttributes"]["a"]["StringValue"], "1");
        assert_eq!(raw["messageAttributes"]["a"]["BinaryValue"], Value::Null);
        assert!(raw.get("metadata").is_none());
        let text = String::from_utf8_lossy(evs[0].data()).into_owned();
        assert!(
            text.find("\"a\"") < text.find("\"b\""),
            "sorted like a Go map: {text}"
        );
        let parsed: Value = serde_json::from_slice(evs[1].data()).expect("json");
        assert_eq!(parsed["body"]["kind"], "job");
        assert_eq!(parsed["metadata"]["k"], "v");
        assert_eq!(evs[1].context.r#type, "sqs");
    }

    #[test]
    fn filters_and_bad_json_bodies() {
        let c = catalog();
        let evs = events(&c, &record(r#"{"kind":"other"}"#), Utc::now()).expect("events");
        assert_eq!(evs.len(), 1, "the filtered source publishes nothing");
        // `parsed` has dlq: true, so a non-JSON body keeps the record on its queue.
        assert!(events(&c, &record("not json"), Utc::now()).is_err());
        let mut other = record("x");
        other["eventSourceARN"] = json!("arn:aws:sqs:us-east-1:123456789012:elsewhere");
        assert!(events(&c, &other, Utc::now()).expect("none").is_empty());
    }
}
