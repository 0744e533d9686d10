//! The sensor function: one SQS batch of a sensor's queue in, the core's state machine over
//! each event, the firings through the shared trigger runners, and the ids of the records that
//! must come back (`ReportBatchItemFailures`).
//!
//! Exactly-once effects over an at-least-once queue:
//! * sensors whose triggers fire on any single event keep no state: each record is evaluated
//!   on its own;
//! * sensors that hold events between invocations keep one state document in S3
//!   (`sensors/<name>/state.json`), read, changed and written back with `If-Match` /
//!   `If-None-Match`; a concurrent writer makes the write fail with 412 and the batch is
//!   re-applied to the fresh state. The document also records which event ids were folded in
//!   (a redelivered event is not held twice) and the firings not yet done (a redelivered
//!   event retries its firing instead of recomputing it from state that no longer holds it);
//! * every firing first creates `sensors/<name>/fired/<idempotency key>` with
//!   `If-None-Match: *` as a lease, fires, then marks it done; a redelivery or a concurrent
//!   invocation that meets the marker does not fire again. (`log` triggers skip the marker: a
//!   repeated log line is not worth an S3 round trip.)

use crate::store::{Object, ObjectStore, Precondition, StoreError};
use crate::wire;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use tripline_core::event::Event;
use tripline_core::sensor::{CompiledSensor, Firing, SensorState};
use tripline_core::spec::{Manifest, Sensor};
use tripline_core::trigger::ports::Ports;
use tripline_core::trigger::{ExecOptions, SensorRunners};

/// Attempts at a conditional write before the batch is given back to SQS.
const WRITE_ATTEMPTS: u32 = 16;
/// Most event ids the state document remembers.
const MAX_APPLIED: usize = 20_000;

/// Why a sensor function cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SensorSetupError {
    #[error("sensor {name}: {reasons}")]
    Compile { name: String, reasons: String },
    #[error("sensor {0} holds events between invocations (a condition needs several dependencies) and TRIPLINE_STATE_BUCKET is not set")]
    NoStateBucket(String),
}

/// Settings of the sensor function.
#[derive(Debug, Clone)]
pub struct SensorOptions {
    /// The bucket of `sensors/<name>/…` (state and idempotency records).
    pub state_bucket: Option<String>,
    /// How long event ids and undone firings are remembered: longer than a message can be
    /// redelivered (visibility timeout × maxReceiveCount).
    pub dedup_window: ChronoDuration,
    pub exec: ExecOptions,
}

impl Default for SensorOptions {
    fn default() -> Self {
        SensorOptions {
            state_bucket: None,
            dedup_window: ChronoDuration::days(1),
            exec: ExecOptions::default(),
        }
    }
}

/// A firing not yet done, kept until it is.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Pending {
    firing: Firing,
    /// The id of the event whose arrival completed the condition.
    origin: String,
    at: DateTime<Utc>,
}

/// The state document in S3.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct StateDoc {
    #[serde(default)]
    state: SensorState,
    /// Event ids already folded into `state`, with when.
    #[serde(default)]
    applied: BTreeMap<String, DateTime<Utc>>,
    /// Firings by idempotency key.
    #[serde(default)]
    pending: BTreeMap<String, Pending>,
}

impl StateDoc {
    fn prune(&mut self, now: DateTime<Utc>, window: ChronoDuration) {
        let cutoff = now - window;
        self.applied.retain(|_, at| *at >= cutoff);
        if self.applied.len() > MAX_APPLIED {
            let mut ats: Vec<DateTime<Utc>> = self.applied.values().copied().collect();
            ats.sort_unstable();
            let keep_from = ats[ats.len() - MAX_APPLIED];
            self.applied.retain(|_, at| *at >= keep_from);
        }
        self.pending.retain(|key, p| {
            let keep = p.at >= cutoff;
            if !keep {
                tracing::warn!(key, trigger = %p.firing.trigger, "dropping a firing that never succeeded");
            }
            keep
        });
    }
}

/// The idempotency record of one firing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
enum Marker {
    /// Someone is firing it until `until` (ms since the epoch).
    Firing {
        until: i64,
    },
    Done {
        at: DateTime<Utc>,
    },
}

/// What happened to one firing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FireOutcome {
    Fired,
    /// An earlier delivery already did it.
    AlreadyDone,
    /// Another invocation is firing it right now; the record comes back later.
    Busy,
    Failed(String),
}

impl FireOutcome {
    fn ok(&self) -> bool {
        matches!(self, FireOutcome::Fired | FireOutcome::AlreadyDone)
    }
}

/// One sensor, compiled once per cold start.
pub struct SensorFunction<S, P> {
    name: String,
    sensor: CompiledSensor,
    runners: SensorRunners,
    stateful: bool,
    store: S,
    ports: P,
    opts: SensorOptions,
}

impl<S, P> std::fmt::Debug for SensorFunction<S, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SensorFunction")
            .field("name", &self.name)
            .field("stateful", &self.stateful)
            .finish_non_exhaustive()
    }
}

/// A record turned into an event, or why it could not be.
struct Decoded<'a> {
    record: &'a SqsMessage,
    event: Result<Event, String>,
}

fn item_id(r: &SqsMessage) -> String {
    r.message_id.clone().unwrap_or_default()
}

fn is_fifo(r: &SqsMessage) -> bool {
    r.event_source_arn
        .as_deref()
        .is_some_and(|a| a.ends_with(".fifo"))
}

impl<S: ObjectStore, P: Ports> SensorFunction<S, P> {
    /// Compiles the sensor and its triggers; errors name every problem.
    pub fn new(
        sensor: &Sensor,
        store: S,
        ports: P,
        opts: SensorOptions,
    ) -> Result<Self, SensorSetupError> {
        let name = sensor
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_default();
        let compile_err = |reasons: Vec<String>| SensorSetupError::Compile {
            name: name.clone(),
            reasons: reasons.join("; "),
        };
        let compiled = CompiledSensor::compile(sensor)
            .map_err(|es| compile_err(es.iter().map(|e| e.to_string()).collect()))?;
        let triggers = sensor
            .spec
            .as_ref()
            .map(|s| s.triggers.as_slice())
            .unwrap_or(&[]);
        let runners = SensorRunners::compile(&name, triggers, &opts.exec)
            .map_err(|es| compile_err(es.iter().map(|e| e.to_string()).collect()))?;
        for p in compiled.problems() {
            tracing::warn!(sensor = %name, problem = %p, "sensor compiled with a problem");
        }
        let manifest = Manifest::Sensor(sensor.clone());
        let stateful = tripline_core::aws_plan::plan([&manifest])
            .sensors
            .get(&name)
            .is_some_and(|s| s.fifo);
        if stateful && opts.state_bucket.is_none() {
            return Err(SensorSetupError::NoStateBucket(name));
        }
        Ok(SensorFunction {
            name,
            sensor: compiled,
            runners,
            stateful,
            store,
            ports,
            opts,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the sensor keeps state in S3 between invocations.
    pub fn stateful(&self) -> bool {
        self.stateful
    }

    pub fn ports(&self) -> &P {
        &self.ports
    }

    fn key(&self, rest: &str) -> String {
        format!("sensors/{}/{rest}", self.name)
    }

    /// Handles one batch. `deadline_ms` is the invocation's deadline (ms since the epoch; 0
    /// when unknown), which bounds the lease of a firing.
    pub async fn handle(&self, batch: &SqsEvent, deadline_ms: u64) -> SqsBatchResponse {
        let mut decoded = Vec::with_capacity(batch.records.len());
        for record in &batch.records {
            let event = self.decode(record).await;
            if let Err(reason) = &event {
                tracing::error!(sensor = %self.name, message_id = %item_id(record), %reason, "malformed record");
            }
            decoded.push(Decoded { record, event });
        }
        let failed = if self.stateful {
            self.handle_stateful(&decoded, deadline_ms).await
        } else {
            self.handle_stateless(&decoded, deadline_ms).await
        };
        let mut resp = SqsBatchResponse::default();
        resp.batch_item_failures = failed
            .into_iter()
            .map(|id| {
                let mut f = BatchItemFailure::default();
                f.item_identifier = id;
                f
            })
            .collect();
        resp
    }

    async fn decode(&self, r: &SqsMessage) -> Result<Event, String> {
        let attr = |k: &str| {
            r.message_attributes
                .get(k)
                .and_then(|a| a.string_value.clone())
        };
        let claimed = match wire::claim_location(&attr).map_err(|e| e.to_string())? {
            Some((bucket, key)) => match self.store.get(&bucket, &key).await {
                Ok(Some(o)) => Some(o.body),
                Ok(None) => return Err(format!("claim-checked data s3://{bucket}/{key} is gone")),
                Err(e) => return Err(e.to_string()),
            },
            None => None,
        };
        wire::decode(&attr, r.body.as_deref().unwrap_or_default(), claimed)
            .map_err(|e| e.to_string())
    }

    /// Records that fail, in FIFO order semantics: on a FIFO queue every record after a failed
    /// one is given back too, so the group stays in order.
    fn failures(decoded: &[Decoded<'_>], ok: impl Fn(usize) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut blocked = false;
        for (i, d) in decoded.iter().enumerate() {
            if blocked || !ok(i) {
                out.push(item_id(d.record));
                blocked |= is_fifo(d.record);
            }
        }
        out
    }

    async fn handle_stateless(&self, decoded: &[Decoded<'_>], deadline_ms: u64) -> Vec<String> {
        let now = Utc::now();
        let mut ok = vec![true; decoded.len()];
        for (i, d) in decoded.iter().enumerate() {
            let Ok(event) = &d.event else {
                ok[i] = false;
                continue;
            };
            if is_fifo(d.record) && ok[..i].iter().any(|o| !o) {
                // Later records of a FIFO batch come back anyway; do not act on them early.
                continue;
            }
            let mut state = SensorState::default();
            for firing in self.sensor.on_event(&mut state, event, now) {
                let outcome = self.fire(&firing, deadline_ms).await;
                ok[i] &= outcome.ok();
            }
        }
        Self::failures(decoded, |i| ok[i])
    }

    async fn handle_stateful(&self, decoded: &[Decoded<'_>], deadline_ms: u64) -> Vec<String> {
        let Some(bucket) = self.opts.state_bucket.clone() else {
            return decoded.iter().map(|d| item_id(d.record)).collect();
        };
        let key = self.key("state.json");
        let events: Vec<(usize, &Event)> = decoded
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.event.as_ref().ok().map(|e| (i, e)))
            .collect();
        let fifo_cut = decoded
            .iter()
            .position(|d| d.event.is_err() && is_fifo(d.record))
            .unwrap_or(usize::MAX);
        let events: Vec<(usize, &Event)> =
            events.into_iter().filter(|(i, _)| *i < fifo_cut).collect();

        // Fold the batch into the state, retrying from a fresh read when someone else wrote.
        let mut doc = None;
        for attempt in 1..=WRITE_ATTEMPTS {
            match self.apply(&bucket, &key, &events).await {
                Ok(d) => {
                    doc = Some(d);
                    break;
                }
                Err(StoreError::Conflict { .. }) => {
                    tracing::debug!(sensor = %self.name, attempt, "state changed concurrently; re-applying");
                    tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt)))
                        .await;
                }
                Err(e) => {
                    tracing::error!(sensor = %self.name, error = %e, "cannot update the state");
                    break;
                }
            }
        }
        let Some(doc) = doc else {
            return decoded.iter().map(|d| item_id(d.record)).collect();
        };

        // Fire what the batch's events completed (now or on an earlier delivery), in batch
        // order. On a FIFO queue nothing after a failed firing fires: those records come back
        // and fire after it, in order.
        let mut failed_origins: BTreeSet<String> = BTreeSet::new();
        let mut done: Vec<String> = Vec::new();
        for (i, event) in &events {
            let id = event.context.id.as_str();
            if is_fifo(decoded[*i].record) && !failed_origins.is_empty() {
                failed_origins.insert(id.to_string());
                continue;
            }
            let mine = doc.pending.iter().filter(|(_, p)| p.origin == id);
            for (k, p) in mine {
                if self.fire(&p.firing, deadline_ms).await.ok() {
                    done.push(k.clone());
                } else {
                    failed_origins.insert(id.to_string());
                }
            }
        }
        if !done.is_empty() {
            self.forget_pending(&bucket, &key, &done).await;
        }
        let ok: Vec<bool> = decoded
            .iter()
            .enumerate()
            .map(|(i, d)| {
                i < fifo_cut
                    && d.event
                        .as_ref()
                        .is_ok_and(|e| !failed_origins.contains(&e.context.id))
            })
            .collect();
        Self::failures(decoded, |i| ok[i])
    }

    /// Reads the state, applies the events not yet applied, writes it back conditionally.
    async fn apply(
        &self,
        bucket: &str,
        key: &str,
        events: &[(usize, &Event)],
    ) -> Result<StateDoc, StoreError> {
        let now = Utc::now();
        let current = self.store.get(bucket, key).await?;
        let (mut doc, cond) = match &current {
            Some(Object { body, etag }) => {
                let doc = serde_json::from_slice::<StateDoc>(body).unwrap_or_else(|e| {
                    // A document we cannot read would block the sensor forever; start over and say so.
                    tracing::error!(sensor = %self.name, error = %e, "unreadable state document; starting from empty state");
                    StateDoc::default()
                });
                (doc, Precondition::Matches(etag.clone()))
            }
            None => (StateDoc::default(), Precondition::Absent),
        };
        let before = serde_json::to_vec(&doc).unwrap_or_default();
        doc.prune(now, self.opts.dedup_window);
        for (_, event) in events {
            if doc.applied.contains_key(&event.context.id) {
                continue;
            }
            let mut accepted = false;
            let firings =
                self.sensor
                    .on_event_observed(&mut doc.state, event, now, &mut |_, passed| {
                        accepted |= passed;
                    });
            if accepted {
                doc.applied.insert(event.context.id.clone(), now);
            }
            for f in firings {
                doc.pending.insert(
                    f.idempotency_key.clone(),
                    Pending {
                        firing: f,
                        origin: event.context.id.clone(),
                        at: now,
                    },
                );
            }
        }
        let after = serde_json::to_vec(&doc).map_err(|e| StoreError::Io {
            bucket: bucket.into(),
            key: key.into(),
            reason: format!("encoding the state: {e}"),
        })?;
        if after != before {
            self.store.put(bucket, key, after, cond).await?;
        }
        Ok(doc)
    }

    /// Removes done firings from the state document (best effort: leftovers age out).
    async fn forget_pending(&self, bucket: &str, key: &str, done: &[String]) {
        for _ in 0..WRITE_ATTEMPTS {
            let Ok(Some(obj)) = self.store.get(bucket, key).await else {
                return;
            };
            let Ok(mut doc) = serde_json::from_slice::<StateDoc>(&obj.body) else {
                return;
            };
            let n = doc.pending.len();
            doc.pending.retain(|k, _| !done.contains(k));
            if doc.pending.len() == n {
                return;
            }
            let Ok(body) = serde_json::to_vec(&doc) else {
                return;
            };
            match self
                .store
                .put(bucket, key, body, Precondition::Matches(obj.etag))
                .await
            {
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => {
                    tracing::warn!(sensor = %self.name, error = %e, "cannot clear done firings");
                    return;
                }
                Ok(_) => return,
            }
        }
    }

    /// Fires once per idempotency key, whatever the redeliveries.
    pub async fn fire(&self, firing: &Firing, deadline_ms: u64) -> FireOutcome {
        let Some(runner) = self.runners.get(firing.trigger_index) else {
            return FireOutcome::Failed(format!("no trigger at index {}", firing.trigger_index));
        };
        let bucket = match &self.opts.state_bucket {
            Some(b) if runner.kind != "log" => b.clone(),
            _ => return self.fire_now(firing).await,
        };
        let key = self.key(&format!("fired/{}", firing.idempotency_key));
        let now_ms = Utc::now().timestamp_millis();
        let until = if deadline_ms > 0 {
            i64::try_from(deadline_ms)
                .unwrap_or(i64::MAX)
                .saturating_add(5_000)
        } else {
            now_ms + 15 * 60 * 1000
        };
        let lease = serde_json::to_vec(&Marker::Firing { until }).unwrap_or_default();
        let etag = match self
            .store
            .put(&bucket, &key, lease.clone(), Precondition::Absent)
            .await
        {
            Ok(etag) => etag,
            Err(StoreError::Conflict { .. }) => match self.store.get(&bucket, &key).await {
                Ok(Some(obj)) => match serde_json::from_slice::<Marker>(&obj.body) {
                    Ok(Marker::Done { .. }) => return FireOutcome::AlreadyDone,
                    Ok(Marker::Firing { until: u }) if u > now_ms => return FireOutcome::Busy,
                    // An expired lease (its holder died) or an unreadable one: take it over.
                    _ => match self
                        .store
                        .put(&bucket, &key, lease, Precondition::Matches(obj.etag))
                        .await
                    {
                        Ok(etag) => etag,
                        Err(StoreError::Conflict { .. }) => return FireOutcome::Busy,
                        Err(e) => return FireOutcome::Failed(e.to_string()),
                    },
                },
                // Deleted between our write and read: the holder gave up; try again later.
                Ok(None) => return FireOutcome::Busy,
                Err(e) => return FireOutcome::Failed(e.to_string()),
            },
            Err(e) => return FireOutcome::Failed(e.to_string()),
        };
        let outcome = self.fire_now(firing).await;
        if outcome.ok() {
            let done = serde_json::to_vec(&Marker::Done { at: Utc::now() }).unwrap_or_default();
            if let Err(e) = self
                .store
                .put(&bucket, &key, done, Precondition::Matches(etag))
                .await
            {
                tracing::warn!(sensor = %self.name, error = %e, "cannot mark a firing done; its lease will expire");
            }
        } else if let Err(e) = self.store.delete(&bucket, &key, Some(&etag)).await {
            tracing::warn!(sensor = %self.name, error = %e, "cannot release a failed firing's lease");
        }
        outcome
    }

    async fn fire_now(&self, firing: &Firing) -> FireOutcome {
        let report = self.runners.fire(&self.ports, firing).await;
        let at_least_once = self
            .runners
            .get(firing.trigger_index)
            .is_none_or(|r| r.at_least_once());
        match &report.result {
            Ok(()) => {
                tracing::info!(sensor = %self.name, trigger = %report.trigger, attempts = report.attempts, "trigger fired");
                FireOutcome::Fired
            }
            Err(e) if report.settled() => {
                tracing::warn!(sensor = %self.name, trigger = %report.trigger, error = %e, "trigger failed; its dlqTrigger took the events");
                FireOutcome::Fired
            }
            Err(e) if !at_least_once => {
                tracing::error!(sensor = %self.name, trigger = %report.trigger, error = %e, "trigger failed (atLeastOnce: false, not retried)");
                FireOutcome::Fired
            }
            Err(e) => {
                tracing::error!(sensor = %self.name, trigger = %report.trigger, error = %e, "trigger failed; the record goes back to the queue");
                FireOutcome::Failed(e.to_string())
            }
        }
    }
}
