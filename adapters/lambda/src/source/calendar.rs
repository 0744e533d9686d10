//! EventBridge Scheduler invocations → Argo `calendar` events. The schedule's input names the
//! source (`{"tripline":"schedule","eventSource":…,"eventName":…}`, optionally `"time"` when the
//! schedule passes `<aws.scheduler.scheduled-time>`); the data is Argo's
//! `{"eventTime":"<Go time.String()>","metadata":…}`, and exclusion dates are honoured here since
//! EventBridge has none.

use super::{event_id, json_event, metadata_field, Catalog, Invocation, SourceError};
use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use tripline_core::event::Event;

/// Go's `time.Time.String()` without the monotonic clock reading:
/// `2006-01-02 15:04:05.999999999 -0700 MST`.
pub fn go_time_string(t: DateTime<Tz>) -> String {
    let mut s = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push_str(&t.format(" %z %Z").to_string());
    s
}

pub(super) fn events(
    catalog: &Catalog,
    payload: &Value,
    inv: &Invocation,
) -> Result<Vec<Event>, SourceError> {
    let field = |k: &str| {
        payload
            .get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| SourceError::Malformed(format!("schedule input has no {k:?}")))
    };
    let source = field("eventSource")?;
    let name = field("eventName")?;
    let entry = catalog.calendar(source, name).ok_or_else(|| {
        SourceError::Malformed(format!(
            "schedule for {source}/{name}, which is not a calendar source of the manifests"
        ))
    })?;
    let at = match payload.get("time").and_then(Value::as_str) {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| SourceError::Malformed(format!("schedule time {t:?}: {e}")))?,
        None => inv.now,
    };
    let local = at.with_timezone(&entry.tz);
    if entry
        .exclusions
        .iter()
        .any(|d| d.year() == local.year() && d.month() == local.month() && d.day() == local.day())
    {
        tracing::info!(source, name, date = %local.date_naive(), "excluded date; no event");
        return Ok(Vec::new());
    }
    let data = format!(
        "{{\"eventTime\":{}{}}}",
        Value::String(go_time_string(local)),
        metadata_field(&entry.metadata)
    );
    if let Some(f) = &entry.filter {
        if let Err(reason) = f.check(&data) {
            tracing::info!(source, name, %reason, "filtered out");
            return Ok(Vec::new());
        }
    }
    // Lambda keeps the request id across its retries of one asynchronous invocation.
    let stamp = payload
        .get("time")
        .and_then(Value::as_str)
        .unwrap_or(&inv.request_id);
    let id = event_id(&[source, name, stamp]);
    Ok(vec![json_event(source, name, "calendar", id, at, data)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_manifests;
    use serde_json::json;
    use tripline_core::secret::StaticSecrets;

    const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: clock}
spec:
  calendar:
    hourly:
      schedule: "0 * * * *"
      timezone: Europe/Paris
      exclusionDates: ["EXDATE:20250704T000000Z"]
      metadata: {owner: ops}
    never:
      interval: 1h
      filter: {expression: "eventTime == \"nope\""}
"#;

    fn inv() -> Invocation {
        Invocation {
            request_id: "req-1".into(),
            now: DateTime::parse_from_rfc3339("2025-03-01T09:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
        }
    }

    #[test]
    fn go_time_strings_match_go() {
        let t = DateTime::parse_from_rfc3339("2025-03-01T09:00:00.120Z")
            .expect("t")
            .with_timezone(&chrono_tz::Europe::Paris);
        assert_eq!(go_time_string(t), "2025-03-01 10:00:00.12 +0100 CET");
        let t = DateTime::parse_from_rfc3339("2025-07-01T00:00:00Z")
            .expect("t")
            .with_timezone(&chrono_tz::UTC);
        assert_eq!(go_time_string(t), "2025-07-01 00:00:00 +0000 UTC");
    }

    #[test]
    fn schedules_become_calendar_events() {
        let c = Catalog::build(
            &parse_manifests(ES, "t").expect("m"),
            &StaticSecrets::default(),
        )
        .expect("catalog");
        let input = json!({"tripline": "schedule", "eventSource": "clock", "eventName": "hourly"});
        let evs = events(&c, &input, &inv()).expect("event");
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].context.r#type, "calendar");
        assert_eq!(
            String::from_utf8_lossy(evs[0].data()),
            r#"{"eventTime":"2025-03-01 10:00:00 +0100 CET","metadata":{"owner":"ops"}}"#
        );
        // Lambda's retry of the same invocation keeps the id.
        assert_eq!(
            events(&c, &input, &inv()).expect("again")[0].context.id,
            evs[0].context.id
        );

        let excluded = json!({"tripline": "schedule", "eventSource": "clock", "eventName": "hourly",
                              "time": "2025-07-04T08:00:00Z"});
        assert!(events(&c, &excluded, &inv()).expect("ok").is_empty());
        let filtered =
            json!({"tripline": "schedule", "eventSource": "clock", "eventName": "never"});
        assert!(events(&c, &filtered, &inv()).expect("ok").is_empty());
        let unknown = json!({"tripline": "schedule", "eventSource": "clock", "eventName": "x"});
        assert!(matches!(
            events(&c, &unknown, &inv()),
            Err(SourceError::Malformed(_))
        ));
    }
}
