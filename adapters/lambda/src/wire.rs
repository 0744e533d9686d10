//! How a CloudEvent travels on SQS: the attributes as message attributes (CloudEvents binary
//! mode), the data as the body. Bodies SQS cannot carry as text go base64; bodies above the
//! SQS size limit go to S3 and the message carries a reference (claim check).

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};
use tripline_core::event::{Event, EventContext};

/// SQS's limit for one message, body and attributes (names, types and values) together.
pub const SQS_MAX_MESSAGE_BYTES: usize = 262_144;

pub const ATTR_SPECVERSION: &str = "ce-specversion";
pub const ATTR_ID: &str = "ce-id";
pub const ATTR_SOURCE: &str = "ce-source";
pub const ATTR_TYPE: &str = "ce-type";
pub const ATTR_SUBJECT: &str = "ce-subject";
pub const ATTR_TIME: &str = "ce-time";
pub const ATTR_CONTENT_TYPE: &str = "content-type";
/// `base64` when the body is the base64 of the data, `empty` for no data; absent for text.
pub const ATTR_ENCODING: &str = "tripline-encoding";
/// `s3://bucket/key` of the data when it was too large for SQS.
pub const ATTR_CLAIM: &str = "tripline-claim";

/// The SQS data type of every attribute we set.
const STRING_TYPE: &str = "String";

/// Why a message could not be read back into an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("message attribute `{0}` is missing")]
    Missing(&'static str),
    #[error("message attribute ce-time {0:?} is not RFC 3339")]
    Time(String),
    #[error("message body is not valid base64: {0}")]
    Base64(String),
    #[error("message attribute tripline-encoding is {0:?}")]
    Encoding(String),
    #[error("claim reference {0:?} is not s3://bucket/key")]
    Claim(String),
}

/// A message ready for SQS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub body: String,
    /// String attributes, name → value.
    pub attributes: Vec<(String, String)>,
}

impl Message {
    /// Bytes SQS counts against its limit.
    pub fn size(&self) -> usize {
        self.body.len()
            + self
                .attributes
                .iter()
                .map(|(n, v)| n.len() + STRING_TYPE.len() + v.len())
                .sum::<usize>()
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Characters SQS accepts in a body (XML 1.0's set: no other control characters, no U+FFFE/F).
fn sqs_safe(text: &str) -> bool {
    text.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    })
}

fn context_attributes(c: &EventContext) -> Vec<(String, String)> {
    let mut attrs = vec![
        (ATTR_SPECVERSION.to_string(), c.specversion.clone()),
        (ATTR_ID.to_string(), c.id.clone()),
        (ATTR_SOURCE.to_string(), c.source.clone()),
        (ATTR_TYPE.to_string(), c.r#type.clone()),
        (
            ATTR_TIME.to_string(),
            c.time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ),
        (ATTR_CONTENT_TYPE.to_string(), c.datacontenttype.clone()),
    ];
    // SQS rejects empty attribute values.
    attrs.retain(|(_, v)| !v.is_empty());
    if !c.subject.is_empty() {
        attrs.push((ATTR_SUBJECT.to_string(), c.subject.clone()));
    }
    attrs
}

/// The message of an event, with its data inline (text, or base64 when SQS cannot carry it).
pub fn encode(event: &Event) -> Message {
    let mut attributes = context_attributes(&event.context);
    let data = event.data();
    let body = if data.is_empty() {
        // SQS needs at least one character of body.
        attributes.push((ATTR_ENCODING.into(), "empty".into()));
        "-".to_string()
    } else {
        match std::str::from_utf8(data) {
            Ok(text) if sqs_safe(text) => text.to_string(),
            _ => {
                attributes.push((ATTR_ENCODING.into(), "base64".into()));
                base64::engine::general_purpose::STANDARD.encode(data)
            }
        }
    };
    Message { body, attributes }
}

/// The S3 key of an event's claim-checked data: stable per event, so a retried publish
/// overwrites instead of piling up copies.
pub fn claim_key(event: &Event) -> String {
    let mut h = Sha256::new();
    for part in [
        &event.context.source,
        &event.context.subject,
        &event.context.id,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("claims/{hex}")
}

/// The message of an event whose data was stored at `s3://bucket/key`.
pub fn claim_message(event: &Event, bucket: &str, key: &str) -> Message {
    let uri = format!("s3://{bucket}/{key}");
    let mut attributes = context_attributes(&event.context);
    attributes.push((ATTR_CLAIM.into(), uri.clone()));
    let body = serde_json::json!({ "claim": uri, "bytes": event.data().len() }).to_string();
    Message { body, attributes }
}

/// The `(bucket, key)` a message's data was offloaded to, if it was.
pub fn claim_location(
    attr: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(String, String)>, WireError> {
    let Some(uri) = attr(ATTR_CLAIM) else {
        return Ok(None);
    };
    uri.strip_prefix("s3://")
        .and_then(|r| r.split_once('/'))
        .filter(|(b, k)| !b.is_empty() && !k.is_empty())
        .map(|(b, k)| Some((b.to_string(), k.to_string())))
        .ok_or(WireError::Claim(uri))
}

/// Reads a message back into the event. `attr` looks up string attributes; `claimed` is the
/// data fetched from S3 when the message carries a claim reference.
pub fn decode(
    attr: &dyn Fn(&str) -> Option<String>,
    body: &str,
    claimed: Option<Vec<u8>>,
) -> Result<Event, WireError> {
    let time = match attr(ATTR_TIME) {
        Some(t) => DateTime::parse_from_rfc3339(&t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| WireError::Time(t))?,
        None => DateTime::<Utc>::UNIX_EPOCH,
    };
    let context = EventContext {
        id: attr(ATTR_ID).ok_or(WireError::Missing(ATTR_ID))?,
        source: attr(ATTR_SOURCE).ok_or(WireError::Missing(ATTR_SOURCE))?,
        specversion: attr(ATTR_SPECVERSION).unwrap_or_else(|| "1.0".into()),
        r#type: attr(ATTR_TYPE).ok_or(WireError::Missing(ATTR_TYPE))?,
        datacontenttype: attr(ATTR_CONTENT_TYPE).unwrap_or_else(|| "application/json".into()),
        subject: attr(ATTR_SUBJECT).unwrap_or_default(),
        time,
    };
    let data = match (claimed, attr(ATTR_ENCODING).as_deref()) {
        (Some(d), _) => d,
        (None, None) => body.as_bytes().to_vec(),
        (None, Some("base64")) => base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|e| WireError::Base64(e.to_string()))?,
        (None, Some("empty")) => Vec::new(),
        (None, Some(other)) => return Err(WireError::Encoding(other.into())),
    };
    Ok(Event::new(context, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn event(data: &[u8], ct: &str) -> Event {
        Event::new(
            EventContext {
                id: "id-1".into(),
                source: "hooks".into(),
                specversion: "1.0".into(),
                r#type: "webhook".into(),
                datacontenttype: ct.into(),
                subject: "deploy".into(),
                time: DateTime::parse_from_rfc3339("2025-03-01T09:00:00.123Z")
                    .expect("time")
                    .with_timezone(&Utc),
            },
            data.to_vec(),
        )
    }

    fn round_trip(e: &Event) -> (Message, Event) {
        let m = encode(e);
        let attrs: HashMap<String, String> = m.attributes.iter().cloned().collect();
        let back = decode(&|k| attrs.get(k).cloned(), &m.body, None).expect("decodes");
        (m, back)
    }

    #[test]
    fn text_json_and_binary_data_survive_exactly() {
        for (data, ct, encoding) in [
            (
                &br#"{"header":{},"body":{"a":1.50}}"#[..],
                "application/json",
                None,
            ),
            (b"plain text\twith tab\n", "text/plain", None),
            (
                b"\x00\x01\xff binary",
                "application/octet-stream",
                Some("base64"),
            ),
            (b"ctrl \x07 char", "text/plain", Some("base64")),
            (b"", "application/json", Some("empty")),
        ] {
            let e = event(data, ct);
            let (m, back) = round_trip(&e);
            assert_eq!(back, e, "{data:?}");
            assert_eq!(m.attribute(ATTR_ENCODING), encoding, "{data:?}");
            assert!(!m.body.is_empty());
        }
    }

    #[test]
    fn size_counts_body_names_types_and_values() {
        let m = Message {
            body: "abc".into(),
            attributes: vec![("n".into(), "vv".into())],
        };
        assert_eq!(m.size(), 3 + 1 + 6 + 2);
    }

    #[test]
    fn claims_reference_s3_and_keep_the_context() {
        let e = event(b"{}", "application/json");
        let key = claim_key(&e);
        assert!(key.starts_with("claims/") && key.len() == 7 + 64);
        assert_eq!(key, claim_key(&e.clone()));
        let m = claim_message(&e, "bucket", &key);
        let attrs: HashMap<String, String> = m.attributes.iter().cloned().collect();
        let get = |k: &str| attrs.get(k).cloned();
        assert_eq!(
            claim_location(&get).expect("ok"),
            Some(("bucket".to_string(), key.clone()))
        );
        let back = decode(&get, &m.body, Some(b"{}".to_vec())).expect("decodes");
        assert_eq!(back, e);
        let bad: HashMap<String, String> = [(ATTR_CLAIM.to_string(), "s3://nokey".to_string())]
            .into_iter()
            .collect();
        assert!(claim_location(&|k| bad.get(k).cloned()).is_err());
    }

    #[test]
    fn missing_or_bad_attributes_are_errors() {
        let e = event(b"x", "text/plain");
        let m = encode(&e);
        for drop in [ATTR_ID, ATTR_SOURCE, ATTR_TYPE] {
            let attrs: HashMap<String, String> = m
                .attributes
                .iter()
                .filter(|(n, _)| n != drop)
                .cloned()
                .collect();
            assert_eq!(
                decode(&|k| attrs.get(k).cloned(), &m.body, None),
                Err(WireError::Missing(drop))
            );
        }
        let mut attrs: HashMap<String, String> = m.attributes.iter().cloned().collect();
        attrs.insert(ATTR_ENCODING.into(), "base64".into());
        assert!(matches!(
            decode(&|k| attrs.get(k).cloned(), "!!!", None),
            Err(WireError::Base64(_))
        ));
        attrs.insert(ATTR_TIME.into(), "yesterday".into());
        assert!(matches!(
            decode(&|k| attrs.get(k).cloned(), "eA==", None),
            Err(WireError::Time(_))
        ));
    }
}
