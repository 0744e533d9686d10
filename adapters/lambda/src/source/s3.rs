//! S3 bucket notifications → Argo `minio` events: `{"notification":[<record>],"metadata":…}`,
//! one event per record and matching EventSource (bucket, `events`, key prefix and suffix).
//!
//! Records are read leniently (as JSON, not a fixed struct): local S3 servers leave out
//! `userIdentity` and `requestParameters`, and the event needs only a few fields to be routed.
//! The record is passed on with minio's spellings: `eventName` with its `s3:` prefix and the
//! object key decoded (S3 sends it form-encoded: `+` for space, then `%xx`).

use super::{event_id, json_event, metadata_field, Catalog, SourceError};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use tripline_core::aws_plan::s3_event_matches;
use tripline_core::event::Event;

/// Decodes an S3 notification key: `+` is a space, then `%xx` escapes. A malformed escape is
/// kept as written.
pub fn decode_key(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_string())
}

/// Events of a notification delivered as text (an SQS body): an S3 event, an SNS envelope
/// around one, or S3's test event (no events).
pub(super) fn events_from_text(
    catalog: &Catalog,
    text: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, SourceError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| SourceError::Malformed(format!("message body is not JSON: {e}")))?;
    if v.get("Type").and_then(Value::as_str) == Some("Notification") {
        let inner = v
            .get("Message")
            .and_then(Value::as_str)
            .ok_or_else(|| SourceError::Malformed("SNS notification without Message".into()))?;
        return events_from_text(catalog, inner, now);
    }
    if v.get("Event").and_then(Value::as_str) == Some("s3:TestEvent") {
        tracing::info!(
            "S3 test event (sent when a notification is configured); nothing to publish"
        );
        return Ok(Vec::new());
    }
    events(catalog, &v, now)
}

/// Events of an S3 notification (`{"Records":[…]}`).
pub(super) fn events(
    catalog: &Catalog,
    payload: &Value,
    now: DateTime<Utc>,
) -> Result<Vec<Event>, SourceError> {
    let records = payload
        .get("Records")
        .and_then(Value::as_array)
        .ok_or_else(|| SourceError::Malformed("not an S3 notification (no Records)".into()))?;
    let mut out = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let field = |p: &str| {
            r.pointer(p)
                .and_then(Value::as_str)
                .ok_or_else(|| SourceError::Malformed(format!("S3 record {i} has no {p}")))
        };
        let event_name = field("/eventName")?;
        let bucket = field("/s3/bucket/name")?;
        let raw_key = field("/s3/object/key")?;
        let key = decode_key(raw_key);
        let sequencer = r
            .pointer("/s3/object/sequencer")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let event_time = r
            .get("eventTime")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for entry in catalog.s3.iter().filter(|e| {
            e.bucket == bucket
                && s3_event_matches(&e.events, event_name)
                && key.starts_with(&e.prefix)
                && key.ends_with(&e.suffix)
        }) {
            let record = minio_record(r, event_name, &key);
            let data = format!(
                "{{\"notification\":[{}]{}}}",
                record,
                metadata_field(&entry.metadata)
            );
            let id = event_id(&[
                &entry.source,
                &entry.name,
                bucket,
                &key,
                sequencer,
                event_name,
                event_time,
            ]);
            out.push(json_event(
                &entry.source,
                &entry.name,
                "minio",
                id,
                now,
                data,
            ));
        }
    }
    Ok(out)
}

/// The record as minio spells it.
fn minio_record(r: &Value, event_name: &str, key: &str) -> Value {
    let mut rec = r.clone();
    if let Value::Object(m) = &mut rec {
        let name = if event_name.starts_with("s3:") {
            event_name.to_string()
        } else {
            format!("s3:{event_name}")
        };
        m.insert("eventName".into(), Value::String(name));
        m.entry("userIdentity")
            .or_insert_with(|| json!({ "principalId": "" }));
        m.entry("requestParameters").or_insert_with(|| json!({}));
        m.entry("responseElements").or_insert_with(|| json!({}));
    }
    if let Some(k) = rec.pointer_mut("/s3/object/key") {
        *k = Value::String(key.to_string());
    }
    rec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_manifests;
    use tripline_core::secret::StaticSecrets;

    const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: uploads}
spec:
  minio:
    images:
      bucket: {name: media}
      endpoint: s3.amazonaws.com
      events: ["s3:ObjectCreated:*"]
      filter: {prefix: "in/", suffix: ".jpg"}
      metadata: {team: media}
    removed:
      bucket: {name: media}
      endpoint: s3.amazonaws.com
      events: ["s3:ObjectRemoved:*"]
"#;

    fn catalog() -> Catalog {
        Catalog::build(
            &parse_manifests(ES, "test").expect("manifests"),
            &StaticSecrets::default(),
        )
        .expect("catalog")
    }

    fn note(name: &str, key: &str) -> String {
        // The shape moto sends: no userIdentity, no requestParameters.
        json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2025-03-01T09:00:00.000Z", "eventName": name,
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "c",
                   "bucket": {"name": "media", "arn": "arn:aws:s3:::media"},
                   "object": {"key": key, "size": 3, "eTag": "e", "sequencer": "0A"}}
        }]})
        .to_string()
    }

    #[test]
    fn keys_decode_plus_then_percent() {
        assert_eq!(decode_key("in/my+photo%2B1.jpg"), "in/my photo+1.jpg");
        assert_eq!(decode_key("a%zz%4"), "a%zz%4");
        assert_eq!(decode_key("%E2%9C%93"), "✓");
    }

    #[test]
    fn matching_records_become_minio_events() {
        let c = catalog();
        let now = Utc::now();
        let evs =
            events_from_text(&c, &note("ObjectCreated:Put", "in/a+b.jpg"), now).expect("parses");
        assert_eq!(evs.len(), 1);
        let e = &evs[0];
        assert_eq!(
            (e.context.source.as_str(), e.context.subject.as_str()),
            ("uploads", "images")
        );
        assert_eq!(e.context.r#type, "minio");
        let data: Value = serde_json::from_slice(e.data()).expect("json");
        assert_eq!(data["notification"][0]["eventName"], "s3:ObjectCreated:Put");
        assert_eq!(data["notification"][0]["s3"]["object"]["key"], "in/a b.jpg");
        assert_eq!(data["notification"][0]["userIdentity"]["principalId"], "");
        assert_eq!(data["metadata"]["team"], "media");
        // Same record again: same id, so sensors can drop the duplicate.
        let again =
            events_from_text(&c, &note("ObjectCreated:Put", "in/a+b.jpg"), now).expect("parses");
        assert_eq!(again[0].context.id, e.context.id);

        assert!(
            events_from_text(&c, &note("ObjectCreated:Put", "out/a.jpg"), now)
                .expect("parses")
                .is_empty()
        );
        assert!(
            events_from_text(&c, &note("ObjectCreated:Put", "in/a.png"), now)
                .expect("parses")
                .is_empty()
        );
        let removed =
            events_from_text(&c, &note("ObjectRemoved:Delete", "x"), now).expect("parses");
        assert_eq!(removed.len(), 1);
        assert_eq!(removed[0].context.subject, "removed");
        assert!(!String::from_utf8_lossy(removed[0].data()).contains("metadata"));
    }

    #[test]
    fn sns_envelopes_and_test_events_are_understood() {
        let c = catalog();
        let sns =
            json!({"Type": "Notification", "Message": note("ObjectCreated:Copy", "in/x.jpg")})
                .to_string();
        assert_eq!(
            events_from_text(&c, &sns, Utc::now()).expect("sns").len(),
            1
        );
        let test = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"media"}"#;
        assert!(events_from_text(&c, test, Utc::now())
            .expect("test event")
            .is_empty());
    }

    #[test]
    fn malformed_notifications_are_errors() {
        let c = catalog();
        for bad in [
            "not json",
            "{}",
            r#"{"Records":[{"eventName":"ObjectCreated:Put"}]}"#,
        ] {
            assert!(
                matches!(
                    events_from_text(&c, bad, Utc::now()),
                    Err(SourceError::Malformed(_))
                ),
                "{bad}"
            );
        }
    }
}
