//! The EventSources the source function serves, compiled once at cold start: webhook endpoints
//! by path, S3 sources by bucket, calendars by name, external queues by ARN.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};
use tripline_core::secret::SecretPort;
use tripline_core::source::filter::Filter as SourceFilter;
use tripline_core::source::{
    CompiledEndpoint, SourceError as EndpointError, SourceKind, STRIPE_DEFAULT_TOLERANCE_SECS,
};
use tripline_core::spec::{EventSource, EventSourceFilter, Manifest};
use tripline_core::validate::parse_timezone;

/// Why the catalog could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("EventSource {source_name}: {reason}")]
    Invalid { source_name: String, reason: String },
    #[error("EventSource {source_name}: {error}")]
    Source {
        source_name: String,
        #[source]
        error: Box<EndpointError>,
    },
    #[error("path {path} is served by both {first} and {second}; one function URL serves every webhook, so paths must be unique")]
    DuplicatePath {
        path: String,
        first: String,
        second: String,
    },
}

/// A `minio` source on an S3 bucket.
#[derive(Debug)]
pub struct S3Entry {
    pub source: String,
    pub name: String,
    pub bucket: String,
    pub events: Vec<String>,
    pub prefix: String,
    pub suffix: String,
    pub metadata: BTreeMap<String, String>,
    pub filter: Option<SourceFilter>,
}

/// A `calendar` source.
#[derive(Debug)]
pub struct CalendarEntry {
    pub source: String,
    pub name: String,
    pub tz: Tz,
    /// `EXDATE:` days (UTC dates, compared with the occurrence's date in `tz`, as Argo does).
    pub exclusions: Vec<NaiveDate>,
    pub metadata: BTreeMap<String, String>,
    pub filter: Option<SourceFilter>,
}

/// An `sqs` source on an external queue.
#[derive(Debug)]
pub struct QueueEntry {
    pub source: String,
    pub name: String,
    pub queue: String,
    pub region: String,
    pub account: Option<String>,
    pub json_body: bool,
    /// Argo's `dlq`: leave messages that cannot be turned into events on the queue (so its
    /// redrive policy dead-letters them) instead of dropping them.
    pub dlq: bool,
    pub metadata: BTreeMap<String, String>,
    pub filter: Option<SourceFilter>,
}

impl QueueEntry {
    /// Whether a record's `eventSourceARN` (`arn:aws:sqs:<region>:<account>:<queue>`) is this
    /// entry's queue.
    pub fn matches_arn(&self, arn: &str) -> bool {
        let parts: Vec<&str> = arn.split(':').collect();
        let [_, _, "sqs", region, account, queue] = parts.as_slice() else {
            return false;
        };
        *queue == self.queue
            && *region == self.region
            && self.account.as_deref().is_none_or(|a| a == *account)
    }
}

/// Everything the source function serves.
#[derive(Debug, Default)]
pub struct Catalog {
    webhooks: HashMap<String, CompiledEndpoint>,
    pub s3: Vec<S3Entry>,
    pub calendars: Vec<CalendarEntry>,
    pub queues: Vec<QueueEntry>,
}

/// The core's EventSource filter, compiled against the top-level keys of the source's data.
fn compile_filter(
    source: &str,
    at: &str,
    f: Option<&EventSourceFilter>,
    keys: &[&str],
    has_metadata: bool,
) -> Result<Option<SourceFilter>, CatalogError> {
    let mut keys = keys.to_vec();
    if has_metadata {
        keys.push("metadata");
    }
    match f.and_then(|f| f.expression.as_deref()) {
        Some(e) if !e.trim().is_empty() => {
            SourceFilter::compile(e, Some(&keys), &format!("{at}.filter.expression"))
                .map(Some)
                .map_err(|e| CatalogError::Source {
                    source_name: source.into(),
                    error: Box::new(e),
                })
        }
        _ => Ok(None),
    }
}

/// The secret holding a Stripe endpoint's signing secret (`whsec_…`): Argo's spec has no field
/// for it, so it is looked up by convention as secret `stripe-signing-<eventSource>`, key
/// `<eventName>` (env `TRIPLINE_SECRET_STRIPE_SIGNING_<SOURCE>_<EVENT>`, or that Secrets Manager
/// secret). Without one, events are accepted unsigned, as Argo does.
pub fn stripe_signing_secret(source: &str, event: &str) -> (String, String) {
    (format!("stripe-signing-{source}"), event.to_string())
}

fn with_stripe_signing(
    ep: CompiledEndpoint,
    secrets: &dyn SecretPort,
) -> Result<CompiledEndpoint, EndpointError> {
    let (name, key) = stripe_signing_secret(&ep.endpoint().event_source, &ep.endpoint().event_name);
    match secrets.secret(&name, &key) {
        Ok(secret) => ep.with_stripe_signing_secret(secret, STRIPE_DEFAULT_TOLERANCE_SECS),
        Err(_) => {
            tracing::info!(
                source = %ep.endpoint().event_source,
                name = %ep.endpoint().event_name,
                "no Stripe signing secret ({name}/{key}); Stripe-Signature is not checked"
            );
            Ok(ep)
        }
    }
}

fn sorted<'a>(m: impl IntoIterator<Item = (&'a String, &'a String)>) -> BTreeMap<String, String> {
    m.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Parses Argo's `EXDATE:20060102T150405Z,…` exclusion entries.
fn exclusions(source: &str, at: &str, vals: &[String]) -> Result<Vec<NaiveDate>, CatalogError> {
    let mut out = Vec::new();
    for v in vals {
        let Some(list) = v.strip_prefix("EXDATE:") else {
            continue;
        };
        for d in list.split(',') {
            let t = DateTime::parse_from_str(&format!("{d} +0000"), "%Y%m%dT%H%M%SZ %z").map_err(
                |e| CatalogError::Invalid {
                    source_name: source.into(),
                    reason: format!("{at}.exclusionDates: {d:?} is not 20060102T150405Z: {e}"),
                },
            )?;
            out.push(t.with_timezone(&Utc).date_naive());
        }
    }
    Ok(out)
}

impl Catalog {
    /// Compiles the EventSources among `manifests`, resolving webhook secrets through `secrets`.
    pub fn build(
        manifests: &[Manifest],
        secrets: &dyn SecretPort,
    ) -> Result<Catalog, CatalogError> {
        let mut c = Catalog::default();
        for m in manifests {
            if let Manifest::EventSource(es) = m {
                c.add(es, secrets)?;
            }
        }
        Ok(c)
    }

    fn add(&mut self, es: &EventSource, secrets: &dyn SecretPort) -> Result<(), CatalogError> {
        let source = es
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_default();
        let Some(spec) = es.spec.as_ref() else {
            return Ok(());
        };
        let endpoints =
            CompiledEndpoint::compile_all(es, secrets).map_err(|error| CatalogError::Source {
                source_name: source.clone(),
                error: Box::new(error),
            })?;
        for mut ep in endpoints {
            if ep.endpoint().kind == SourceKind::Stripe {
                ep = with_stripe_signing(ep, secrets).map_err(|error| CatalogError::Source {
                    source_name: source.clone(),
                    error: Box::new(error),
                })?;
            }
            let path = ep.endpoint().path.clone();
            let this = format!(
                "{}/{}",
                ep.endpoint().event_source,
                ep.endpoint().event_name
            );
            if let Some(other) = self.webhooks.get(&path) {
                return Err(CatalogError::DuplicatePath {
                    path,
                    first: format!(
                        "{}/{}",
                        other.endpoint().event_source,
                        other.endpoint().event_name
                    ),
                    second: this,
                });
            }
            self.webhooks.insert(path, ep);
        }
        for (name, s) in &spec.minio {
            let bucket = s
                .bucket
                .as_ref()
                .and_then(|b| b.name.clone())
                .unwrap_or_default();
            let filter = s.filter.as_ref();
            self.s3.push(S3Entry {
                source: source.clone(),
                name: name.clone(),
                bucket,
                events: s.events.clone(),
                prefix: filter.and_then(|f| f.prefix.clone()).unwrap_or_default(),
                suffix: filter.and_then(|f| f.suffix.clone()).unwrap_or_default(),
                metadata: sorted(&s.metadata),
                // Argo's minio source has no EventSource filter.
                filter: None,
            });
        }
        for (name, cal) in &spec.calendar {
            let at = format!("spec.calendar.{name}");
            let zone = cal.timezone.as_deref().unwrap_or("");
            let tz = parse_timezone(zone).map_err(|reason| CatalogError::Invalid {
                source_name: source.clone(),
                reason: format!("{at}.timezone: {reason}"),
            })?;
            self.calendars.push(CalendarEntry {
                source: source.clone(),
                name: name.clone(),
                tz,
                exclusions: exclusions(&source, &at, &cal.exclusion_dates)?,
                metadata: sorted(&cal.metadata),
                filter: compile_filter(
                    &source,
                    &at,
                    cal.filter.as_ref(),
                    &["eventTime"],
                    !cal.metadata.is_empty(),
                )?,
            });
        }
        for (name, q) in &spec.sqs {
            let at = format!("spec.sqs.{name}");
            self.queues.push(QueueEntry {
                source: source.clone(),
                name: name.clone(),
                queue: q.queue.clone().unwrap_or_default(),
                region: q.region.clone().unwrap_or_default(),
                account: q.queue_account_id.clone().filter(|a| !a.is_empty()),
                json_body: q.json_body.unwrap_or(false),
                dlq: q.dlq.unwrap_or(false),
                metadata: sorted(&q.metadata),
                filter: compile_filter(
                    &source,
                    &at,
                    q.filter.as_ref(),
                    &["messageId", "messageAttributes", "body"],
                    !q.metadata.is_empty(),
                )?,
            });
        }
        Ok(())
    }

    /// The webhook endpoint serving `path`.
    pub fn webhook(&self, path: &str) -> Option<&CompiledEndpoint> {
        self.webhooks.get(path)
    }

    /// The external-queue sources fed by the queue with this ARN.
    pub fn queue_entries<'a>(&'a self, arn: &'a str) -> impl Iterator<Item = &'a QueueEntry> + 'a {
        self.queues.iter().filter(move |q| q.matches_arn(arn))
    }

    /// The calendar source `source/name`.
    pub fn calendar(&self, source: &str, name: &str) -> Option<&CalendarEntry> {
        self.calendars
            .iter()
            .find(|c| c.source == source && c.name == name)
    }

    /// How many inputs of each kind are served (for the cold-start log line).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.webhooks.len(),
            self.s3.len(),
            self.calendars.len(),
            self.queues.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_manifests;
    use tripline_core::secret::StaticSecrets;
    use tripline_core::source::{Accepted, HttpRequest};

    const ES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: pay}
spec:
  stripe:
    charges:
      webhook: {endpoint: /stripe, port: "443", method: POST}
"#;

    fn accept(c: &Catalog) -> Accepted {
        let body =
            br#"{"id":"evt_1","object":"event","type":"charge.succeeded","data":{"object":{}}}"#;
        let headers = vec![("content-type".to_string(), "application/json".to_string())];
        let req = HttpRequest {
            method: "POST",
            path: "/stripe",
            query: None,
            headers: &headers,
            body,
        };
        c.webhook("/stripe")
            .expect("endpoint")
            .accept(&req, "id".into(), Utc::now())
    }

    #[test]
    fn stripe_signatures_are_checked_when_a_signing_secret_exists() {
        let ms = parse_manifests(ES, "t").expect("manifests");
        let unsigned = Catalog::build(&ms, &StaticSecrets::default()).expect("catalog");
        assert!(matches!(accept(&unsigned), Accepted::Event(_)));

        let (name, key) = stripe_signing_secret("pay", "charges");
        let secrets = StaticSecrets::default().with(&name, &key, "whsec_test");
        let signed = Catalog::build(&ms, &secrets).expect("catalog");
        match accept(&signed) {
            // The status is the core's to choose; the wiring is what is tested here.
            Accepted::Rejected(r) => assert!((400..500).contains(&r.status), "{}", r.message),
            other => panic!("unsigned request accepted: {other:?}"),
        }
    }

    #[test]
    fn duplicate_paths_and_bad_filters_are_errors() {
        let two = format!("{ES}\n---\n{}", ES.replace("name: pay", "name: pay2"));
        let err = Catalog::build(
            &parse_manifests(&two, "t").expect("m"),
            &StaticSecrets::default(),
        )
        .expect_err("same path twice")
        .to_string();
        assert!(err.contains("/stripe"), "{err}");
        let bad = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: q}
spec:
  sqs:
    jobs: {queue: q, region: us-east-1, filter: {expression: "nosuchkey == 1"}}
"#;
        let err = Catalog::build(
            &parse_manifests(bad, "t").expect("m"),
            &StaticSecrets::default(),
        )
        .expect_err("unknown key")
        .to_string();
        assert!(err.contains("nosuchkey"), "{err}");
    }
}
