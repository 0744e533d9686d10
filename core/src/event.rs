//! The CloudEvents 1.0 envelope as Argo Events puts it on its bus.
//!
//! Argo's sensor sees an event as a context (`id, source, specversion, type, datacontenttype,
//! subject, time`) plus the raw data bytes; filters and `dataKey` parameters are gjson paths into
//! those bytes. We keep the bytes as they arrived (no decode into a tree) so gjson can run on them
//! directly; `data` inline in structured JSON is taken as its exact JSON text, `data_base64` is
//! decoded once.
//!
//! We do not use `cloudevents-sdk`: its `Event` stores JSON data as a decoded `serde_json::Value`,
//! which would cost a full parse and re-serialisation per event on the hot path, and it offers no
//! borrowed view of the raw bytes that gjson needs.

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The attributes Argo copies into `v1alpha1.EventContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventContext {
    pub id: String,
    /// The EventSource name.
    pub source: String,
    pub specversion: String,
    /// The event source type (`webhook`, `github`, …).
    pub r#type: String,
    pub datacontenttype: String,
    /// The event name within the EventSource.
    pub subject: String,
    pub time: DateTime<Utc>,
}

/// One event: context plus raw data bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub context: EventContext,
    data: Data,
    /// Whether `data` is UTF-8 text holding one valid JSON value (checked once, at construction).
    json: bool,
}

/// Data kept as text when it is UTF-8, so JSON lookups need no re-validation per use.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Data {
    Text(String),
    Bytes(Vec<u8>),
}

impl Data {
    fn from_vec(v: Vec<u8>) -> Data {
        match String::from_utf8(v) {
            Ok(s) => Data::Text(s),
            Err(e) => Data::Bytes(e.into_bytes()),
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Data::Text(s) => s.as_bytes(),
            Data::Bytes(b) => b,
        }
    }
}

/// Why an event could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    #[error("event is not valid JSON: {0}")]
    Json(String),
    #[error("event attribute `{0}` is required")]
    Missing(&'static str),
    #[error("event attribute `specversion` is {0:?}; only \"1.0\" is supported")]
    SpecVersion(String),
    #[error("event attribute `time` {value:?} is not an RFC 3339 timestamp: {reason}")]
    Time { value: String, reason: String },
    #[error("event attribute `data_base64` is not valid base64: {0}")]
    Base64(String),
    #[error("event has both `data` and `data_base64`")]
    BothData,
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow)]
    specversion: Option<Cow<'a, str>>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    r#type: Option<Cow<'a, str>>,
    #[serde(borrow)]
    subject: Option<Cow<'a, str>>,
    #[serde(borrow)]
    datacontenttype: Option<Cow<'a, str>>,
    #[serde(borrow)]
    time: Option<Cow<'a, str>>,
    #[serde(borrow)]
    data: Option<&'a RawValue>,
    #[serde(borrow)]
    data_base64: Option<Cow<'a, str>>,
}

/// `application/json`, `text/json`, `application/cloudevents+json`, `…+json`, with parameters.
pub fn is_json_content_type(ct: &str) -> bool {
    let base = ct.split(';').next().unwrap_or("").trim();
    base.is_empty() || base.ends_with("/json") || base.ends_with("+json")
}

impl Event {
    /// Builds an event from its parts; `data` is checked once for JSON validity.
    pub fn new(context: EventContext, data: Vec<u8>) -> Event {
        let data = Data::from_vec(data);
        let json = matches!(&data, Data::Text(t) if gjson::valid(t));
        Event {
            context,
            data,
            json,
        }
    }

    /// Decodes one CloudEvent in structured JSON mode (the form on Argo's bus and in
    /// `tripline test` event files).
    pub fn from_json(bytes: &[u8]) -> Result<Event, EventError> {
        let wire: Wire<'_> =
            serde_json::from_slice(bytes).map_err(|e| EventError::Json(e.to_string()))?;
        let specversion = wire.specversion.ok_or(EventError::Missing("specversion"))?;
        if specversion != "1.0" {
            return Err(EventError::SpecVersion(specversion.into_owned()));
        }
        let datacontenttype = wire
            .datacontenttype
            .map(Cow::into_owned)
            .unwrap_or_else(|| "application/json".to_string());
        let time = match wire.time {
            Some(t) => parse_time(&t)?,
            // CloudEvents makes `time` optional; Argo's sources always set it. The Unix epoch
            // keeps decoding pure (no clock read) and is visibly "unset" in explanations.
            None => DateTime::<Utc>::UNIX_EPOCH,
        };
        let context = EventContext {
            id: wire.id.ok_or(EventError::Missing("id"))?.into_owned(),
            source: wire
                .source
                .ok_or(EventError::Missing("source"))?
                .into_owned(),
            specversion: specversion.into_owned(),
            r#type: wire.r#type.ok_or(EventError::Missing("type"))?.into_owned(),
            datacontenttype,
            subject: wire.subject.map(Cow::into_owned).unwrap_or_default(),
            time,
        };
        match (wire.data, wire.data_base64) {
            (Some(_), Some(_)) => Err(EventError::BothData),
            (None, Some(b64)) => {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|e| EventError::Base64(e.to_string()))?;
                Ok(Event::new(context, data))
            }
            (Some(raw), None) => {
                let text = raw.get();
                if !is_json_content_type(&context.datacontenttype) && text.starts_with('"') {
                    // Non-JSON data carried as a JSON string: the data is the string's content.
                    let s: String =
                        serde_json::from_str(text).map_err(|e| EventError::Json(e.to_string()))?;
                    Ok(Event::new(context, s.into_bytes()))
                } else {
                    // serde_json already validated this text: skip the second check.
                    Ok(Event {
                        context,
                        data: Data::Text(text.to_string()),
                        json: true,
                    })
                }
            }
            (None, None) => Ok(Event::new(context, Vec::new())),
        }
    }

    /// The raw data bytes.
    pub fn data(&self) -> &[u8] {
        self.data.bytes()
    }

    /// The data as JSON text, when it is valid JSON.
    pub fn json_data(&self) -> Option<&str> {
        match (&self.data, self.json) {
            (Data::Text(t), true) => Some(t),
            _ => None,
        }
    }

    /// Whether the event carries no data at all (Argo: filters pass on nil data).
    pub fn has_no_data(&self) -> bool {
        self.data.bytes().is_empty()
    }

    /// Replaces the data (after a transform).
    pub fn with_data(self, data: Vec<u8>) -> Event {
        Event::new(self.context, data)
    }

    /// The context as Argo marshals `v1alpha1.EventContext` (the JSON `contextKey` and
    /// `contextTemplate` read): fixed key order, time in UTC with second precision.
    pub fn context_json(&self) -> String {
        let c = &self.context;
        let v = ContextJson {
            id: &c.id,
            source: &c.source,
            specversion: &c.specversion,
            r#type: &c.r#type,
            datacontenttype: &c.datacontenttype,
            subject: &c.subject,
            time: c.time.to_rfc3339_opts(SecondsFormat::Secs, true),
        };
        serde_json::to_string(&v).unwrap_or_default()
    }

    /// The whole event as Argo marshals `v1alpha1.Event` (`{"context":…,"data":"<base64>"}`),
    /// used by a parameter that names a dependency but no key, template or value.
    pub fn argo_event_json(&self) -> String {
        let data = base64::engine::general_purpose::STANDARD.encode(self.data());
        format!(
            "{{\"context\":{},\"data\":{}}}",
            self.context_json(),
            serde_json::Value::String(data)
        )
    }

    /// Structured-mode CloudEvent JSON (inverse of [`Event::from_json`]).
    pub fn to_json(&self) -> serde_json::Value {
        let c = &self.context;
        let mut m = serde_json::Map::new();
        m.insert("specversion".into(), c.specversion.clone().into());
        m.insert("id".into(), c.id.clone().into());
        m.insert("source".into(), c.source.clone().into());
        m.insert("type".into(), c.r#type.clone().into());
        m.insert("subject".into(), c.subject.clone().into());
        m.insert("datacontenttype".into(), c.datacontenttype.clone().into());
        m.insert(
            "time".into(),
            c.time.to_rfc3339_opts(SecondsFormat::AutoSi, true).into(),
        );
        if let Some(json) = self
            .json_data()
            .filter(|_| is_json_content_type(&c.datacontenttype))
        {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
                m.insert("data".into(), v);
            }
        } else if !self.has_no_data() {
            m.insert(
                "data_base64".into(),
                base64::engine::general_purpose::STANDARD
                    .encode(self.data())
                    .into(),
            );
        }
        serde_json::Value::Object(m)
    }
}

/// Structured-mode CloudEvent with the data bytes kept exactly (inline when JSON, else base64),
/// so held events survive a checkpoint unchanged.
impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let c = &self.context;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("specversion", &c.specversion)?;
        m.serialize_entry("id", &c.id)?;
        m.serialize_entry("source", &c.source)?;
        m.serialize_entry("type", &c.r#type)?;
        m.serialize_entry("subject", &c.subject)?;
        m.serialize_entry("datacontenttype", &c.datacontenttype)?;
        m.serialize_entry("time", &c.time.to_rfc3339_opts(SecondsFormat::AutoSi, true))?;
        // Inline only text that comes back byte for byte: JSON with surrounding whitespace
        // would lose it, and `"data":null` reads back as no data, so those travel as base64.
        let inline = self
            .json_data()
            .filter(|j| is_json_content_type(&c.datacontenttype) && j.trim() == *j && *j != "null")
            .and_then(|j| RawValue::from_string(j.to_string()).ok());
        match inline {
            Some(raw) => m.serialize_entry("data", &raw)?,
            None if !self.has_no_data() => m.serialize_entry(
                "data_base64",
                &base64::engine::general_purpose::STANDARD.encode(self.data()),
            )?,
            None => {}
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Event, D::Error> {
        let raw = Box::<RawValue>::deserialize(de)?;
        Event::from_json(raw.get().as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[derive(Serialize)]
struct ContextJson<'a> {
    id: &'a str,
    source: &'a str,
    specversion: &'a str,
    #[serde(rename = "type")]
    r#type: &'a str,
    datacontenttype: &'a str,
    subject: &'a str,
    time: String,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, EventError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| EventError::Time {
            value: s.to_string(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = r#"{"specversion":"1.0","id":"abc","source":"webhook","type":"webhook","subject":"example","datacontenttype":"application/json","time":"2025-03-01T09:00:00Z","data":{"header":{},"body":{"a":1}}}"#;

    #[test]
    fn decodes_inline_json_data_verbatim() {
        let e = Event::from_json(LINE.as_bytes()).expect("decodes");
        assert_eq!(e.context.source, "webhook");
        assert_eq!(e.context.subject, "example");
        assert_eq!(e.json_data(), Some(r#"{"header":{},"body":{"a":1}}"#));
    }

    #[test]
    fn decodes_base64_data() {
        let line = r#"{"specversion":"1.0","id":"x","source":"s","type":"t","data_base64":"eyJhIjoxfQ=="}"#;
        let e = Event::from_json(line.as_bytes()).expect("decodes");
        assert_eq!(e.json_data(), Some(r#"{"a":1}"#));
    }

    #[test]
    fn binary_data_is_not_json() {
        let line = r#"{"specversion":"1.0","id":"x","source":"s","type":"t","datacontenttype":"application/octet-stream","data_base64":"/wA="}"#;
        let e = Event::from_json(line.as_bytes()).expect("decodes");
        assert_eq!(e.json_data(), None);
        assert_eq!(e.data(), &[0xff, 0]);
    }

    #[test]
    fn text_data_is_the_string_content() {
        let line = r#"{"specversion":"1.0","id":"x","source":"s","type":"t","datacontenttype":"text/plain","data":"hi \"there\""}"#;
        let e = Event::from_json(line.as_bytes()).expect("decodes");
        assert_eq!(e.data(), br#"hi "there""#);
    }

    #[test]
    fn rejects_bad_events_with_reasons() {
        let cases = [
            ("not json", "not valid JSON"),
            (r#"{"id":"x","source":"s","type":"t"}"#, "specversion"),
            (
                r#"{"specversion":"0.3","id":"x","source":"s","type":"t"}"#,
                "only \"1.0\"",
            ),
            (r#"{"specversion":"1.0","source":"s","type":"t"}"#, "`id`"),
            (
                r#"{"specversion":"1.0","id":"x","source":"s","type":"t","time":"yesterday"}"#,
                "RFC 3339",
            ),
            (
                r#"{"specversion":"1.0","id":"x","source":"s","type":"t","data_base64":"!!"}"#,
                "base64",
            ),
            (
                r#"{"specversion":"1.0","id":"x","source":"s","type":"t","data":1,"data_base64":"AA=="}"#,
                "both",
            ),
        ];
        for (input, want) in cases {
            let err = Event::from_json(input.as_bytes())
                .expect_err(input)
                .to_string();
            assert!(err.contains(want), "{input}: {err}");
        }
    }

    #[test]
    fn context_json_matches_argo_field_order() {
        let e = Event::from_json(LINE.as_bytes()).expect("decodes");
        assert_eq!(
            e.context_json(),
            r#"{"id":"abc","source":"webhook","specversion":"1.0","type":"webhook","datacontenttype":"application/json","subject":"example","time":"2025-03-01T09:00:00Z"}"#
        );
    }

    #[test]
    fn serde_keeps_data_bytes_exactly() {
        let line = r#"{"specversion":"1.0","id":"x","source":"s","type":"t","data":{"n":1.50, "b":[1e3]}}"#;
        let e = Event::from_json(line.as_bytes()).expect("decodes");
        let text = serde_json::to_string(&e).expect("encodes");
        let back: Event = serde_json::from_str(&text).expect("decodes");
        assert_eq!(back.data(), br#"{"n":1.50, "b":[1e3]}"#);
        assert_eq!(back, e);
    }

    #[test]
    fn serde_keeps_whitespace_around_json_data() {
        let ctx = Event::from_json(LINE.as_bytes()).expect("decodes").context;
        for data in [&b" {\"a\":1}\n"[..], b"null"] {
            let e = Event::new(ctx.clone(), data.to_vec());
            let back: Event = serde_json::from_str(&serde_json::to_string(&e).expect("encodes"))
                .expect("decodes");
            assert_eq!(back, e);
        }
    }

    #[test]
    fn round_trips_through_structured_json() {
        let e = Event::from_json(LINE.as_bytes()).expect("decodes");
        let again = Event::from_json(e.to_json().to_string().as_bytes()).expect("decodes");
        assert_eq!(e, again);
    }
}
