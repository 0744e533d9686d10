//! The deploy-time plan of the AWS adapter: which sensors' queues each (eventSource, eventName)
//! routes to, and which S3 buckets, schedules and queues feed the source function. Pure, so the
//! `tripline` CLI can write it for Terraform without the AWS SDK.
//!
//! Everything the plan cannot express on AWS is listed in [`AwsPlan::problems`] with the field
//! path, and the entry is left out, so a deployment never silently differs from the manifests.

use crate::condition::Condition;
use crate::spec::{
    CalendarEventSource, EventSource, Manifest, S3Artifact, SQSEventSource, Sensor, WebhookContext,
};
use crate::trigger::{kind_of, EXECUTABLE_KINDS};
use crate::validate::{parse_cron, parse_go_duration, parse_timezone};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The plan Terraform reads (`tripline aws-plan DIR`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AwsPlan {
    /// One queue (and function) per sensor.
    pub sensors: BTreeMap<String, SensorPlan>,
    /// `"<eventSource>/<eventName>"` → the sensors that depend on it.
    pub routes: BTreeMap<String, Vec<String>>,
    /// Paths served by the source function's URL.
    pub webhooks: Vec<WebhookRoute>,
    /// Bucket notifications delivered to the source function.
    pub s3: Vec<S3Route>,
    /// EventBridge Scheduler schedules that invoke the source function.
    pub schedules: Vec<ScheduleRoute>,
    /// External queues the source function consumes.
    pub sqs: Vec<SqsRoute>,
    /// What could not be planned, with the manifest and field it comes from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<PlanProblem>,
}

/// Per sensor: whether its queue must be FIFO.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SensorPlan {
    /// A trigger's condition needs more than one dependency at once, so the sensor holds state
    /// between events and their order matters.
    pub fifo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRoute {
    #[serde(rename = "eventSource")]
    pub event_source: String,
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// The EventSource type: `webhook`, `github`, `gitlab`, `slack` or `stripe`.
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    pub method: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Route {
    #[serde(rename = "eventSource")]
    pub event_source: String,
    #[serde(rename = "eventName")]
    pub event_name: String,
    pub bucket: String,
    /// S3 notification event types (`s3:ObjectCreated:*`, …).
    pub events: Vec<String>,
    pub prefix: String,
    pub suffix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRoute {
    #[serde(rename = "eventSource")]
    pub event_source: String,
    #[serde(rename = "eventName")]
    pub event_name: String,
    /// EventBridge Scheduler expression: `cron(…)` (6 fields) or `rate(…)`.
    pub expression: String,
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqsRoute {
    #[serde(rename = "eventSource")]
    pub event_source: String,
    #[serde(rename = "eventName")]
    pub event_name: String,
    #[serde(rename = "queueArn")]
    pub queue_arn: String,
}

/// Something in the manifests the AWS deployment cannot do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanProblem {
    /// `EventSource/<name>` or `Sensor/<name>`.
    pub manifest: String,
    pub path: String,
    pub message: String,
}

/// The webhook-family EventSource types the source function serves on its URL.
pub const WEBHOOK_KINDS: &[&str] = &["webhook", "github", "gitlab", "slack", "stripe"];

/// EventSource fields that are settings, not event source types.
const NON_SOURCE_FIELDS: &[&str] = &["eventBusName", "replicas", "service", "template"];

/// Notification event families S3 can deliver (minio also has `s3:ObjectAccessed:*` and
/// bucket events, which S3 does not send).
const S3_EVENT_FAMILIES: &[&str] = &[
    "s3:ObjectCreated:",
    "s3:ObjectRemoved:",
    "s3:ObjectRestore:",
    "s3:ObjectTagging:",
    "s3:ObjectAcl:",
    "s3:Replication:",
    "s3:LifecycleExpiration:",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ReducedRedundancyLostObject",
];

/// The S3 event types a `minio` source without `events` listens to.
const DEFAULT_S3_EVENTS: &[&str] = &["s3:ObjectCreated:*", "s3:ObjectRemoved:*"];

struct Planner {
    plan: AwsPlan,
    /// path → (eventSource, eventName) of the first webhook claiming it.
    paths: BTreeMap<String, (String, String)>,
}

/// Computes the plan of a set of manifests (EventBuses are ignored: SQS is the bus on AWS).
pub fn plan<'a, I>(manifests: I) -> AwsPlan
where
    I: IntoIterator<Item = &'a Manifest>,
{
    let mut p = Planner {
        plan: AwsPlan::default(),
        paths: BTreeMap::new(),
    };
    for m in manifests {
        match m {
            Manifest::Sensor(s) => p.sensor(s),
            Manifest::EventSource(es) => p.event_source(es),
            Manifest::EventBus(_) => {}
        }
    }
    for sensors in p.plan.routes.values_mut() {
        sensors.sort();
        sensors.dedup();
    }
    p.plan
}

fn meta_name(m: Option<&crate::spec::ObjectMeta>) -> String {
    m.and_then(|m| m.name.clone()).unwrap_or_default()
}

impl Planner {
    fn problem(&mut self, manifest: String, path: impl Into<String>, message: impl Into<String>) {
        self.plan.problems.push(PlanProblem {
            manifest,
            path: path.into(),
            message: message.into(),
        });
    }

    fn sensor(&mut self, s: &Sensor) {
        let name = meta_name(s.metadata.as_ref());
        let label = format!("Sensor/{name}");
        if name.is_empty() {
            self.problem(label, "metadata.name", "a sensor needs a name on AWS");
            return;
        }
        let Some(spec) = s.spec.as_ref() else {
            self.problem(label, "spec", "the sensor has no spec");
            return;
        };
        let deps: Vec<&str> = spec
            .dependencies
            .iter()
            .filter_map(|d| d.name.as_deref())
            .collect();
        for d in &spec.dependencies {
            let key = format!(
                "{}/{}",
                d.event_source_name.as_deref().unwrap_or_default(),
                d.event_name.as_deref().unwrap_or_default()
            );
            self.plan.routes.entry(key).or_default().push(name.clone());
        }
        let mut fifo = false;
        for (i, t) in spec.triggers.iter().enumerate() {
            let Some(template) = t.template.as_ref() else {
                continue;
            };
            if let Ok(kind) = kind_of(template) {
                if !EXECUTABLE_KINDS.contains(&kind) {
                    self.problem(
                        label.clone(),
                        format!("spec.triggers[{i}].template.{kind}"),
                        format!(
                            "trigger kind `{kind}` does not run on AWS yet (supported: {})",
                            EXECUTABLE_KINDS.join(", ")
                        ),
                    );
                }
            }
            let text = template.conditions.as_deref().unwrap_or("");
            if let Ok(c) = Condition::compile(text, &deps) {
                fifo |= needs_state(&c);
            }
        }
        self.plan.sensors.insert(name, SensorPlan { fifo });
    }

    fn event_source(&mut self, es: &EventSource) {
        let name = meta_name(es.metadata.as_ref());
        let label = format!("EventSource/{name}");
        if name.is_empty() {
            self.problem(label, "metadata.name", "an EventSource needs a name on AWS");
            return;
        }
        let Some(spec) = es.spec.as_ref() else {
            return;
        };
        for (ev, w) in &spec.webhook {
            let ctx = WebhookContext {
                endpoint: w.endpoint.clone(),
                method: w.method.clone(),
                ..WebhookContext::default()
            };
            self.webhook(&label, &name, ev, "webhook", Some(&ctx));
        }
        for (ev, s) in &spec.github {
            self.webhook(&label, &name, ev, "github", s.webhook.as_ref());
        }
        for (ev, s) in &spec.gitlab {
            self.webhook(&label, &name, ev, "gitlab", s.webhook.as_ref());
        }
        for (ev, s) in &spec.slack {
            self.webhook(&label, &name, ev, "slack", s.webhook.as_ref());
        }
        for (ev, s) in &spec.stripe {
            self.webhook(&label, &name, ev, "stripe", s.webhook.as_ref());
        }
        for (ev, s) in &spec.minio {
            self.s3(&label, &name, ev, s);
        }
        for (ev, c) in &spec.calendar {
            self.calendar(&label, &name, ev, c);
        }
        for (ev, q) in &spec.sqs {
            self.sqs(&label, &name, ev, q);
        }
        // Every other source type needs a long-running process (the `tripline` binary).
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(spec) {
            for (field, entries) in fields {
                let planned = WEBHOOK_KINDS.contains(&field.as_str())
                    || ["minio", "calendar", "sqs"].contains(&field.as_str());
                if planned || NON_SOURCE_FIELDS.contains(&field.as_str()) {
                    continue;
                }
                if let serde_json::Value::Object(entries) = entries {
                    for ev in entries.keys() {
                        self.problem(
                            label.clone(),
                            format!("spec.{field}.{ev}"),
                            format!("`{field}` sources do not run on AWS Lambda; run them with the tripline binary"),
                        );
                    }
                }
            }
        }
    }

    fn webhook(
        &mut self,
        label: &str,
        source: &str,
        event: &str,
        kind: &str,
        ctx: Option<&WebhookContext>,
    ) {
        let at = format!("spec.{kind}.{event}");
        let endpoint = ctx.and_then(|c| c.endpoint.as_deref()).unwrap_or("");
        if endpoint.is_empty() {
            self.problem(
                label.into(),
                format!("{at}.endpoint"),
                "a webhook needs an endpoint (its path under the function URL)",
            );
            return;
        }
        let path = if endpoint.starts_with('/') {
            endpoint.to_string()
        } else {
            format!("/{endpoint}")
        };
        if let Some((s, e)) = self.paths.get(&path) {
            let msg = format!("path {path} is already served by {s}/{e}; one function URL serves every webhook, so paths must be unique");
            self.problem(label.into(), format!("{at}.endpoint"), msg);
            return;
        }
        self.paths
            .insert(path.clone(), (source.to_string(), event.to_string()));
        let method = ctx
            .and_then(|c| c.method.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "POST".into());
        self.plan.webhooks.push(WebhookRoute {
            event_source: source.into(),
            event_name: event.into(),
            kind: kind.into(),
            path,
            method,
        });
    }

    fn s3(&mut self, label: &str, source: &str, event: &str, s: &S3Artifact) {
        let at = format!("spec.minio.{event}");
        let Some(bucket) = s
            .bucket
            .as_ref()
            .and_then(|b| b.name.clone())
            .filter(|b| !b.is_empty())
        else {
            self.problem(
                label.into(),
                format!("{at}.bucket.name"),
                "an S3 source needs a bucket name",
            );
            return;
        };
        let mut events = Vec::new();
        for (i, e) in s.events.iter().enumerate() {
            if S3_EVENT_FAMILIES.iter().any(|f| e.starts_with(f)) {
                events.push(e.clone());
            } else {
                self.problem(
                    label.into(),
                    format!("{at}.events[{i}]"),
                    format!("S3 does not send `{e}` notifications (minio-only or unknown); it is left out"),
                );
            }
        }
        if s.events.is_empty() {
            events = DEFAULT_S3_EVENTS.iter().map(|e| e.to_string()).collect();
        } else if events.is_empty() {
            return;
        }
        let filter = s.filter.as_ref();
        self.plan.s3.push(S3Route {
            event_source: source.into(),
            event_name: event.into(),
            bucket,
            events,
            prefix: filter.and_then(|f| f.prefix.clone()).unwrap_or_default(),
            suffix: filter.and_then(|f| f.suffix.clone()).unwrap_or_default(),
        });
    }

    fn calendar(&mut self, label: &str, source: &str, event: &str, c: &CalendarEventSource) {
        let at = format!("spec.calendar.{event}");
        let zone = c.timezone.clone().filter(|z| !z.is_empty());
        let result = match (c.schedule.as_deref(), c.interval.as_deref()) {
            // Argo reads the schedule first and ignores the interval when both are set.
            (Some(s), _) if !s.is_empty() => eventbridge_cron(s)
                .map(|(expr, tz)| (expr, tz.or(zone.clone())))
                .map_err(|e| (format!("{at}.schedule"), e)),
            (_, Some(i)) if !i.is_empty() => eventbridge_rate(i)
                .map(|expr| (expr, zone.clone()))
                .map_err(|e| (format!("{at}.interval"), e)),
            _ => Err((
                at.clone(),
                "a calendar needs a schedule or an interval".to_string(),
            )),
        };
        match result {
            Ok((expression, tz)) => {
                let timezone = tz.unwrap_or_else(|| "UTC".into());
                if let Err(e) = parse_timezone(&timezone) {
                    self.problem(label.into(), format!("{at}.timezone"), e);
                    return;
                }
                self.plan.schedules.push(ScheduleRoute {
                    event_source: source.into(),
                    event_name: event.into(),
                    expression,
                    timezone,
                });
            }
            Err((path, msg)) => self.problem(label.into(), path, msg),
        }
    }

    fn sqs(&mut self, label: &str, source: &str, event: &str, q: &SQSEventSource) {
        let at = format!("spec.sqs.{event}");
        let queue = q.queue.as_deref().unwrap_or("");
        let region = q.region.as_deref().unwrap_or("");
        let account = q.queue_account_id.as_deref().unwrap_or("");
        let missing: Vec<&str> = [
            ("queue", queue),
            ("region", region),
            ("queueAccountId", account),
        ]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(k, _)| *k)
        .collect();
        if !missing.is_empty() {
            self.problem(
                label.into(),
                at,
                format!(
                    "the queue's ARN is needed for the event source mapping: set {}",
                    missing.join(", ")
                ),
            );
            return;
        }
        self.plan.sqs.push(SqsRoute {
            event_source: source.into(),
            event_name: event.into(),
            queue_arn: sqs_queue_arn(region, account, queue),
        });
    }
}

/// Whether some dependency of the condition cannot satisfy it alone: then events must be held
/// between invocations.
fn needs_state(c: &Condition) -> bool {
    c.deps()
        .iter()
        .any(|d| c.bit(d).is_some_and(|bit| !c.eval(bit)))
}

/// The AWS partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `arn:<partition>:sqs:<region>:<account>:<queue>`.
pub fn sqs_queue_arn(region: &str, account: &str, queue: &str) -> String {
    format!("arn:{}:sqs:{region}:{account}:{queue}", partition(region))
}

/// Converts Argo's 5-field cron (robfig semantics) into an EventBridge `cron(…)` expression,
/// returning the zone of a `CRON_TZ=`/`TZ=` prefix if there is one.
///
/// EventBridge numbers weekdays 1-7 from Sunday (robfig: 0-6), needs `?` in one of the two
/// day fields, and cannot express robfig's "day-of-month OR day-of-week" when both are set.
pub fn eventbridge_cron(spec: &str) -> Result<(String, Option<String>), String> {
    parse_cron(spec)?;
    let mut rest = spec.trim();
    let mut zone = None;
    if rest.starts_with("TZ=") || rest.starts_with("CRON_TZ=") {
        let (prefix, after) = rest.split_once(' ').unwrap_or((rest, ""));
        zone = prefix.split_once('=').map(|(_, z)| z.to_string());
        rest = after.trim();
    }
    let f: Vec<&str> = rest.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = f.as_slice() else {
        return Err(format!("{spec:?}: expected 5 fields"));
    };
    let star = |s: &str| s == "*" || s == "?";
    let (dom, dow) = match (star(dom), star(dow)) {
        (_, true) => (dom.replace('?', "*"), "?".to_string()),
        (true, false) => ("?".to_string(), eventbridge_weekdays(dow)?),
        (false, false) => {
            return Err(format!(
                "{spec:?} restricts both day-of-month and day-of-week (Argo fires when either matches); EventBridge allows only one: split it into two calendar event sources"
            ))
        }
    };
    let minute = minute.replace('?', "*");
    let hour = hour.replace('?', "*");
    let month = month.replace('?', "*");
    Ok((format!("cron({minute} {hour} {dom} {month} {dow} *)"), zone))
}

/// A robfig weekday field as an EventBridge list of 1-7 (Sunday = 1).
fn eventbridge_weekdays(field: &str) -> Result<String, String> {
    const NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    let value = |s: &str| -> Result<u32, String> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = NAMES.iter().position(|n| *n == lower) {
            return Ok(i as u32);
        }
        s.parse::<u32>()
            .ok()
            .filter(|v| *v <= 6)
            .ok_or_else(|| format!("day of week {s:?} is not 0-6 or SUN-SAT"))
    };
    let mut days = BTreeSet::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                Some(
                    s.parse::<u32>()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| format!("step {s:?} is not a positive number"))?,
                ),
            ),
            None => (part, None),
        };
        let (lo, hi) = match range {
            "*" | "?" => (0, 6),
            r => match r.split_once('-') {
                Some((a, b)) => (value(a)?, value(b)?),
                // `a/n` runs from a to the end of the range, as in robfig.
                None if step.is_some() => (value(r)?, 6),
                None => {
                    let v = value(r)?;
                    (v, v)
                }
            },
        };
        let mut d = lo;
        while d <= hi {
            days.insert(d + 1);
            d += step.unwrap_or(1);
        }
    }
    Ok(days
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(","))
}

/// Converts a Go duration interval into an EventBridge `rate(…)`; EventBridge counts whole
/// minutes, hours or days.
pub fn eventbridge_rate(interval: &str) -> Result<String, String> {
    let d = parse_go_duration(interval)?;
    let secs = d.as_secs();
    if d.subsec_nanos() != 0 || secs == 0 || secs % 60 != 0 {
        return Err(format!(
            "interval {interval:?} is not a whole number of minutes; EventBridge schedules run at most once a minute"
        ));
    }
    let (n, unit) = if secs % 86_400 == 0 {
        (secs / 86_400, "day")
    } else if secs % 3_600 == 0 {
        (secs / 3_600, "hour")
    } else {
        (secs / 60, "minute")
    };
    let plural = if n == 1 { "" } else { "s" };
    Ok(format!("rate({n} {unit}{plural})"))
}

/// Whether an S3 notification event name (`ObjectCreated:Put` as S3 sends it, or minio's
/// `s3:ObjectCreated:Put`) matches an EventSource's `events` list (`s3:ObjectCreated:*`, …).
/// An empty list matches what [`plan`] subscribes by default.
pub fn s3_event_matches(patterns: &[String], event_name: &str) -> bool {
    let name = event_name.strip_prefix("s3:").unwrap_or(event_name);
    let one = |p: &str| {
        let p = p.strip_prefix("s3:").unwrap_or(p);
        match p.strip_suffix('*') {
            Some(family) => name.starts_with(family),
            None => name == p,
        }
    };
    if patterns.is_empty() {
        DEFAULT_S3_EVENTS.iter().any(|p| one(p))
    } else {
        patterns.iter().any(|p| one(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_all;

    fn manifests(yaml: &str) -> Vec<Manifest> {
        load_all(yaml)
            .into_iter()
            .map(|r| r.expect("manifest").manifest)
            .collect()
    }

    const SOURCES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: hooks}
spec:
  webhook:
    deploy: {port: "12000", endpoint: /deploy, method: POST}
    other: {port: "12000", endpoint: deploy}
  github:
    push: {webhook: {endpoint: /gh, port: "13000", method: POST}}
---
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: store}
spec:
  minio:
    up:
      bucket: {name: b1}
      endpoint: s3.amazonaws.com
      events: ["s3:ObjectCreated:*", "s3:ObjectAccessed:Get"]
      filter: {prefix: in/, suffix: .jpg}
  calendar:
    hourly: {schedule: "0 * * * *"}
    weekdays: {schedule: "CRON_TZ=Europe/Paris 30 9 * * 1-5"}
    both: {schedule: "0 0 1 * 1"}
    every: {interval: 90m}
    fast: {interval: 10s}
  sqs:
    q: {queue: jobs, region: eu-west-1, queueAccountId: "123456789012", waitTimeSeconds: 20}
    noacct: {queue: jobs, region: eu-west-1}
  kafka:
    k: {url: "k:9092", topic: t}
"#;

    const SENSORS: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: gate}
spec:
  dependencies:
    - {name: a, eventSourceName: hooks, eventName: deploy}
    - {name: b, eventSourceName: store, eventName: up}
  triggers:
    - template: {name: t, conditions: "a && b", log: {}}
---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: either}
spec:
  dependencies:
    - {name: a, eventSourceName: hooks, eventName: deploy}
    - {name: c, eventSourceName: store, eventName: hourly}
  triggers:
    - template: {name: t, conditions: "a || c", log: {}}
    - template: {name: k, k8s: {operation: create, source: {resource: {}}}}
"#;

    #[test]
    fn routes_and_fifo_follow_the_conditions() {
        let ms = manifests(SENSORS);
        let p = plan(&ms);
        assert_eq!(p.routes["hooks/deploy"], vec!["either", "gate"]);
        assert_eq!(p.routes["store/up"], vec!["gate"]);
        assert!(p.sensors["gate"].fifo);
        // `k` has no conditions, so it needs every dependency: a && c.
        assert!(p.sensors["either"].fifo);
        assert!(p
            .problems
            .iter()
            .any(|x| x.manifest == "Sensor/either" && x.path.ends_with("template.k8s")));
    }

    #[test]
    fn or_only_conditions_need_no_state() {
        let yaml = SENSORS.split("---").nth(1).expect("second doc");
        let yaml = yaml.replace(
            "    - template: {name: k, k8s: {operation: create, source: {resource: {}}}}\n",
            "",
        );
        let p = plan(&manifests(&yaml));
        assert!(!p.sensors["either"].fifo);
    }

    #[test]
    fn sources_become_webhooks_buckets_schedules_and_queues() {
        let p = plan(&manifests(SOURCES));
        let paths: Vec<_> = p
            .webhooks
            .iter()
            .map(|w| (w.path.as_str(), w.kind.as_str()))
            .collect();
        assert_eq!(paths, vec![("/deploy", "webhook"), ("/gh", "github")]);
        assert!(p
            .problems
            .iter()
            .any(|x| x.path == "spec.webhook.other.endpoint"));

        assert_eq!(p.s3.len(), 1);
        assert_eq!(p.s3[0].events, vec!["s3:ObjectCreated:*"]);
        assert_eq!(
            (p.s3[0].prefix.as_str(), p.s3[0].suffix.as_str()),
            ("in/", ".jpg")
        );
        assert!(p
            .problems
            .iter()
            .any(|x| x.path == "spec.minio.up.events[1]"));

        let sched: BTreeMap<_, _> = p
            .schedules
            .iter()
            .map(|s| {
                (
                    s.event_name.as_str(),
                    (s.expression.as_str(), s.timezone.as_str()),
                )
            })
            .collect();
        assert_eq!(sched["hourly"], ("cron(0 * * * ? *)", "UTC"));
        assert_eq!(
            sched["weekdays"],
            ("cron(30 9 ? * 2,3,4,5,6 *)", "Europe/Paris")
        );
        assert_eq!(sched["every"], ("rate(90 minutes)", "UTC"));
        assert!(!sched.contains_key("both") && !sched.contains_key("fast"));
        assert!(p
            .problems
            .iter()
            .any(|x| x.path == "spec.calendar.both.schedule"));
        assert!(p
            .problems
            .iter()
            .any(|x| x.path == "spec.calendar.fast.interval"));

        assert_eq!(p.sqs.len(), 1);
        assert_eq!(
            p.sqs[0].queue_arn,
            "arn:aws:sqs:eu-west-1:123456789012:jobs"
        );
        assert!(p.problems.iter().any(|x| x.path == "spec.sqs.noacct"));
        assert!(p.problems.iter().any(|x| x.path == "spec.kafka.k"));
    }

    #[test]
    fn plan_json_has_the_terraform_shape() {
        let ms = manifests(&format!("{SOURCES}\n---\n{SENSORS}"));
        let v = serde_json::to_value(plan(&ms)).expect("json");
        assert_eq!(v["sensors"]["gate"]["fifo"], true);
        assert_eq!(v["webhooks"][0]["eventSource"], "hooks");
        assert_eq!(v["s3"][0]["bucket"], "b1");
        assert_eq!(v["schedules"][0]["expression"], "cron(0 * * * ? *)");
        assert!(v["sqs"][0]["queueArn"].as_str().is_some());
        let back: AwsPlan = serde_json::from_value(v).expect("reads back");
        assert_eq!(back.sensors.len(), 2);
    }

    #[test]
    fn weekday_fields_convert_to_eventbridge_numbering() {
        let cases = [
            ("0 0 * * 0", "cron(0 0 ? * 1 *)"),
            ("0 0 * * SUN,sat", "cron(0 0 ? * 1,7 *)"),
            ("*/5 1-3 * JAN-MAR 1/2", "cron(*/5 1-3 ? JAN-MAR 2,4,6 *)"),
            ("0 12 15 * ?", "cron(0 12 15 * ? *)"),
            ("0 0 * * *", "cron(0 0 * * ? *)"),
        ];
        for (cron, want) in cases {
            assert_eq!(eventbridge_cron(cron).expect(cron).0, want, "{cron}");
        }
        assert!(eventbridge_cron("0 0 * *").is_err());
    }

    #[test]
    fn rates_pick_the_largest_whole_unit() {
        assert_eq!(eventbridge_rate("1m").as_deref(), Ok("rate(1 minute)"));
        assert_eq!(eventbridge_rate("2h").as_deref(), Ok("rate(2 hours)"));
        assert_eq!(eventbridge_rate("24h").as_deref(), Ok("rate(1 day)"));
        assert!(eventbridge_rate("90s").is_err());
        assert!(eventbridge_rate("0s").is_err());
    }

    #[test]
    fn s3_event_patterns_match_both_spellings() {
        let pats = vec![
            "s3:ObjectCreated:*".to_string(),
            "s3:ObjectRemoved:Delete".into(),
        ];
        assert!(s3_event_matches(&pats, "ObjectCreated:Put"));
        assert!(s3_event_matches(&pats, "s3:ObjectCreated:Copy"));
        assert!(s3_event_matches(&pats, "ObjectRemoved:Delete"));
        assert!(!s3_event_matches(
            &pats,
            "ObjectRemoved:DeleteMarkerCreated"
        ));
        assert!(s3_event_matches(&[], "ObjectRemoved:Delete"));
        assert!(!s3_event_matches(&[], "ObjectRestore:Post"));
    }
}
