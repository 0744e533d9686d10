//! Executing triggers — the one implementation every runtime shares. A [`TriggerRunner`] is
//! compiled once per trigger; [`TriggerRunner::fire`] renders the request for a firing, sends it
//! through the runtime's [`Ports`] under the trigger's rate limit and retry strategy, and falls
//! back to the `dlqTrigger` when every attempt failed.

use super::backoff::Retry;
use super::http::{self, check_slack, check_status};
use super::ports::{InvokeRequest, LogRecord, Ports, QueueMessage};
use super::ratelimit::RateLimiter;
use super::{kind_of, TriggerPlan};
use crate::event::Event;
use crate::param::{self, CompiledParam};
use crate::spec::Trigger;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

/// Trigger kinds this module executes.
pub const EXECUTABLE_KINDS: &[&str] = &["awsLambda", "http", "log", "slack", "sqs"];

/// Why a trigger attempt failed, and whether another attempt may succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TriggerError {
    pub message: String,
    pub retryable: bool,
}

impl TriggerError {
    pub fn transient(message: impl Into<String>) -> TriggerError {
        TriggerError {
            message: message.into(),
            retryable: true,
        }
    }

    pub fn permanent(message: impl Into<String>) -> TriggerError {
        TriggerError {
            message: message.into(),
            retryable: false,
        }
    }
}

impl From<super::ports::PortError> for TriggerError {
    fn from(e: super::ports::PortError) -> Self {
        TriggerError {
            retryable: e.is_transient(),
            message: e.to_string(),
        }
    }
}

/// Runtime settings of trigger execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecOptions {
    /// Base URL of Slack's Web API (tests point it at a local server).
    pub slack_api_url: String,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            slack_api_url: "https://slack.com/api".into(),
        }
    }
}

/// Why a trigger cannot be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ExecCompileError {
    pub path: String,
    pub message: String,
}

/// What firing one trigger came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FireReport {
    pub trigger: String,
    pub kind: &'static str,
    /// Requests sent (0 when rendering failed).
    pub attempts: u32,
    pub result: Result<(), TriggerError>,
    pub elapsed: Duration,
    /// The dead-letter trigger's report, when it ran.
    pub dlq: Option<Box<FireReport>>,
}

impl FireReport {
    /// The firing is done with: the trigger succeeded or its dead-letter trigger took it.
    pub fn settled(&self) -> bool {
        self.result.is_ok() || self.dlq.as_ref().is_some_and(|d| d.result.is_ok())
    }
}

/// A trigger compiled for execution.
#[derive(Debug)]
pub struct TriggerRunner {
    pub name: String,
    pub kind: &'static str,
    sensor: String,
    plan: TriggerPlan,
    retry: Retry,
    limiter: Option<Mutex<RateLimiter>>,
    allow: Option<Vec<i32>>,
    at_least_once: bool,
    dynamic_headers: Vec<CompiledParam>,
    dlq: Option<Box<TriggerRunner>>,
    log_interval_ms: Option<u64>,
    last_log: Mutex<Option<u64>>,
    /// Slack thread timestamps by aggregation key, kept in memory as Argo does.
    slack_threads: Mutex<HashMap<String, String>>,
    opts: ExecOptions,
}

fn cerr(path: &str, message: impl Into<String>) -> ExecCompileError {
    ExecCompileError {
        path: path.into(),
        message: message.into(),
    }
}

impl TriggerRunner {
    /// Compiles `spec` (at `path`, e.g. `spec.triggers[0]`) of sensor `sensor`.
    pub fn compile(
        sensor: &str,
        spec: &Trigger,
        path: &str,
        opts: &ExecOptions,
    ) -> Result<TriggerRunner, ExecCompileError> {
        Self::compile_inner(sensor, spec, path, opts, true)
    }

    fn compile_inner(
        sensor: &str,
        spec: &Trigger,
        path: &str,
        opts: &ExecOptions,
        allow_dlq: bool,
    ) -> Result<TriggerRunner, ExecCompileError> {
        let template = spec
            .template
            .as_ref()
            .ok_or_else(|| cerr(path, "trigger has no template"))?;
        let kind =
            kind_of(template).map_err(|e| cerr(&format!("{path}.template"), e.to_string()))?;
        if !EXECUTABLE_KINDS.contains(&kind) {
            return Err(cerr(
                &format!("{path}.template.{kind}"),
                format!("trigger kind `{kind}` is not supported by this runtime yet"),
            ));
        }
        let retry = Retry::compile(spec.retry_strategy.as_ref())
            .map_err(|e| cerr(&format!("{path}.retryStrategy"), e))?;
        let limiter = spec
            .rate_limit
            .as_ref()
            .map(|r| RateLimiter::compile(r).map(Mutex::new))
            .transpose()
            .map_err(|e| cerr(&format!("{path}.rateLimit"), e))?;
        let allow = spec
            .policy
            .as_ref()
            .and_then(|p| p.status.as_ref())
            .map(|s| s.allow.clone())
            .filter(|a| !a.is_empty());
        let dlq = match &spec.dlq_trigger {
            Some(d) if allow_dlq => Some(Box::new(Self::compile_inner(
                sensor,
                d,
                &format!("{path}.dlqTrigger"),
                opts,
                false,
            )?)),
            // Argo runs one level of dlqTrigger; validation warns about a deeper one.
            Some(_) => None,
            None => None,
        };
        let dynamic_headers = template
            .http
            .as_ref()
            .map(|h| param::compile_all(&h.dynamic_headers))
            .unwrap_or_default();
        let log_interval_ms = template
            .log
            .as_ref()
            .and_then(|l| l.interval_seconds)
            .filter(|s| *s > 0)
            .map(|s| s.unsigned_abs().saturating_mul(1000));
        Ok(TriggerRunner {
            name: template.name.clone().unwrap_or_default(),
            kind,
            sensor: sensor.into(),
            plan: TriggerPlan::compile(spec),
            retry,
            limiter,
            allow,
            at_least_once: spec.at_least_once.unwrap_or(true),
            dynamic_headers,
            dlq,
            log_interval_ms,
            last_log: Mutex::new(None),
            slack_threads: Mutex::new(HashMap::new()),
            opts: opts.clone(),
        })
    }

    /// `atLeastOnce`, which Tripline defaults to true: consume the events only after the
    /// trigger succeeded or was dead-lettered. With `false`, consume before firing.
    pub fn at_least_once(&self) -> bool {
        self.at_least_once
    }

    pub fn has_dlq(&self) -> bool {
        self.dlq.is_some()
    }

    /// Fires the trigger for `events`; never panics, always reports.
    pub async fn fire<P: Ports>(
        &self,
        ports: &P,
        events: &BTreeMap<String, Event>,
        idempotency_key: &str,
    ) -> FireReport {
        let mut report = self.fire_once(ports, events, idempotency_key).await;
        if report.result.is_err() {
            if let Some(dlq) = &self.dlq {
                let key = format!("{idempotency_key}-dlq");
                report.dlq = Some(Box::new(dlq.fire_once(ports, events, &key).await));
            }
        }
        report
    }

    async fn fire_once<P: Ports>(
        &self,
        ports: &P,
        events: &BTreeMap<String, Event>,
        key: &str,
    ) -> FireReport {
        let start = ports.now_ms();
        let (attempts, result) = self.attempts(ports, events, key).await;
        FireReport {
            trigger: self.name.clone(),
            kind: self.kind,
            attempts,
            result,
            elapsed: Duration::from_millis(ports.now_ms().saturating_sub(start)),
            dlq: None,
        }
    }

    async fn attempts<P: Ports>(
        &self,
        ports: &P,
        events: &BTreeMap<String, Event>,
        key: &str,
    ) -> (u32, Result<(), TriggerError>) {
        let rendered = match self.plan.render(events) {
            Ok(r) => r,
            Err(e) => return (0, Err(TriggerError::permanent(e.to_string()))),
        };
        let Some(template) = rendered.template.get(self.kind) else {
            return (
                0,
                Err(TriggerError::permanent("rendered template lost its kind")),
            );
        };
        let mut last = TriggerError::permanent("no attempt made");
        for attempt in 1..=self.retry.steps {
            if let Some(limiter) = &self.limiter {
                let wait = match limiter.lock() {
                    Ok(mut l) => l.reserve(ports.now_ms()),
                    Err(poisoned) => poisoned.into_inner().reserve(ports.now_ms()),
                };
                if wait > 0 {
                    ports.sleep(Duration::from_millis(wait)).await;
                }
            }
            match self
                .perform(ports, template, rendered.payload.clone(), events, key)
                .await
            {
                Ok(()) => return (attempt, Ok(())),
                Err(e) if !e.retryable => return (attempt, Err(e)),
                Err(e) => {
                    last = e;
                    if attempt < self.retry.steps {
                        ports.sleep(self.retry.delay(attempt, key)).await;
                    }
                }
            }
        }
        (self.retry.steps, Err(last))
    }

    async fn perform<P: Ports>(
        &self,
        ports: &P,
        template: &Value,
        payload: Option<Vec<u8>>,
        events: &BTreeMap<String, Event>,
        key: &str,
    ) -> Result<(), TriggerError> {
        match self.kind {
            "log" => {
                self.log(ports, events);
                Ok(())
            }
            "http" => {
                let req = http::http_request(
                    template,
                    payload,
                    &self.dynamic_headers,
                    events,
                    ports,
                    key,
                )?;
                let resp = ports.send(req).await?;
                check_status(&resp, self.allow.as_deref())
            }
            "slack" => {
                let thread_key = http::slack_thread_key(template);
                let ts = thread_key.as_ref().and_then(|k| {
                    self.slack_threads
                        .lock()
                        .ok()
                        .and_then(|m| m.get(k).cloned())
                });
                let req = http::slack_request(
                    template,
                    &self.opts.slack_api_url,
                    ts.as_deref(),
                    ports,
                    key,
                )?;
                let resp = ports.send(req).await?;
                let posted = check_slack(&resp)?;
                if let (Some(k), Some(ts), None) = (thread_key, posted, ts) {
                    if let Ok(mut m) = self.slack_threads.lock() {
                        m.insert(k, ts);
                    }
                }
                Ok(())
            }
            "awsLambda" => {
                let req = lambda_request(template, payload)?;
                let resp = ports.invoke(req).await?;
                if let Some(err) = resp.function_error {
                    let body: String = String::from_utf8_lossy(&resp.payload)
                        .chars()
                        .take(200)
                        .collect();
                    return Err(TriggerError::permanent(format!(
                        "function failed ({err}): {body}"
                    )));
                }
                if !(200..300).contains(&resp.status) {
                    return Err(TriggerError::transient(format!(
                        "invoke answered status {}",
                        resp.status
                    )));
                }
                Ok(())
            }
            "sqs" => {
                let msg = queue_message(template, payload, events, key)?;
                ports.send_message(msg).await?;
                Ok(())
            }
            other => Err(TriggerError::permanent(format!(
                "trigger kind `{other}` is not supported by this runtime yet"
            ))),
        }
    }

    fn log<P: Ports>(&self, ports: &P, events: &BTreeMap<String, Event>) {
        if let Some(interval) = self.log_interval_ms {
            let now = ports.now_ms();
            let Ok(mut last) = self.last_log.lock() else {
                return;
            };
            if last.is_some_and(|l| now.saturating_sub(l) < interval) {
                return;
            }
            *last = Some(now);
        }
        ports.emit(&LogRecord {
            sensor: self.sensor.clone(),
            trigger: self.name.clone(),
            events: events
                .iter()
                .map(|(dep, e)| {
                    (
                        dep.clone(),
                        e.context_json(),
                        String::from_utf8_lossy(e.data()).into_owned(),
                    )
                })
                .collect(),
        });
    }
}

fn lambda_request(
    template: &Value,
    payload: Option<Vec<u8>>,
) -> Result<InvokeRequest, TriggerError> {
    let t: crate::spec::AWSLambdaTrigger = serde_json::from_value(template.clone())
        .map_err(|e| TriggerError::permanent(format!("invalid awsLambda trigger: {e}")))?;
    let function_name = t
        .function_name
        .filter(|f| !f.is_empty())
        .ok_or_else(|| TriggerError::permanent("awsLambda trigger has no functionName"))?;
    Ok(InvokeRequest {
        function_name,
        payload: payload.unwrap_or_else(|| b"{}".to_vec()),
        invocation_type: t
            .invocation_type
            .filter(|i| !i.is_empty())
            .unwrap_or_else(|| "RequestResponse".into()),
        region: t.region.filter(|r| !r.is_empty()),
    })
}

/// The message of an `sqs` trigger: the payload, or without one the events as Argo JSON
/// (one event: the event; several: an object by dependency name).
fn queue_message(
    template: &Value,
    payload: Option<Vec<u8>>,
    events: &BTreeMap<String, Event>,
    key: &str,
) -> Result<QueueMessage, TriggerError> {
    let t: crate::spec::SQSTrigger = serde_json::from_value(template.clone())
        .map_err(|e| TriggerError::permanent(format!("invalid sqs trigger: {e}")))?;
    let queue_url = t
        .queue_url
        .filter(|q| !q.is_empty())
        .ok_or_else(|| TriggerError::permanent("sqs trigger has no queueURL"))?;
    let body = match payload {
        Some(p) => String::from_utf8(p)
            .map_err(|_| TriggerError::permanent("sqs payload is not UTF-8 text"))?,
        None if events.len() == 1 => events
            .values()
            .next()
            .map(Event::argo_event_json)
            .unwrap_or_default(),
        None => {
            let mut out = String::from("{");
            for (i, (dep, e)) in events.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(dep).unwrap_or_default());
                out.push(':');
                out.push_str(&e.argo_event_json());
            }
            out.push('}');
            out
        }
    };
    let delay_seconds = match t.delay_seconds {
        None => None,
        Some(d @ 0..=900) => Some(d.unsigned_abs()),
        Some(d) => {
            return Err(TriggerError::permanent(format!(
                "sqs.delaySeconds {d} is outside 0-900"
            )))
        }
    };
    let fifo = queue_url.ends_with(".fifo");
    Ok(QueueMessage {
        queue_url,
        body,
        message_group_id: t
            .message_group_id
            .filter(|g| !g.is_empty())
            .or_else(|| fifo.then(|| "tripline".to_string())),
        // FIFO queues drop a repeated deduplication id within five minutes: redeliveries of
        // one firing become one message.
        deduplication_id: fifo.then(|| key.chars().take(128).collect()),
        delay_seconds,
        attributes: vec![("tripline-idempotency-key".into(), key.into())],
    })
}

/// The runners of one sensor's triggers, by trigger index.
#[derive(Debug)]
pub struct SensorRunners {
    pub runners: Vec<TriggerRunner>,
}

impl SensorRunners {
    /// Compiles every trigger of a sensor, collecting all errors.
    pub fn compile(
        sensor: &str,
        triggers: &[Trigger],
        opts: &ExecOptions,
    ) -> Result<SensorRunners, Vec<ExecCompileError>> {
        let mut runners = Vec::new();
        let mut errors = Vec::new();
        for (i, t) in triggers.iter().enumerate() {
            match TriggerRunner::compile(sensor, t, &format!("spec.triggers[{i}]"), opts) {
                Ok(r) => runners.push(r),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(SensorRunners { runners })
        } else {
            Err(errors)
        }
    }

    pub fn get(&self, trigger_index: usize) -> Option<&TriggerRunner> {
        self.runners.get(trigger_index)
    }

    /// Fires a sensor's firing with the runner of its trigger.
    pub async fn fire<P: Ports>(&self, ports: &P, firing: &crate::sensor::Firing) -> FireReport {
        match self.get(firing.trigger_index) {
            Some(r) => r.fire(ports, &firing.events, &firing.idempotency_key).await,
            None => FireReport {
                trigger: firing.trigger.clone(),
                kind: "?",
                attempts: 0,
                result: Err(TriggerError::permanent(format!(
                    "no trigger at index {}",
                    firing.trigger_index
                ))),
                elapsed: Duration::ZERO,
                dlq: None,
            },
        }
    }
}
