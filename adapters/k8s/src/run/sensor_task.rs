//! One sensor consuming the bus: route and filter each event with the core, fire the triggers
//! that became true through the shared runners, checkpoint once per batch.

use super::checkpoint::{Checkpoint, CheckpointFile};
use super::dead_letter::DeadLetters;
use super::metrics::{self, DeadLetterLabels, DepLabels, Metrics, SensorLabels};
use super::ports::NativePorts;
use super::record::{self, BusRecord};
use crate::bus::Bus;
use anyhow::{Context, Result};
use futures::StreamExt;
use std::sync::Arc;
use tokio::sync::watch;
use tripline_core::sensor::{CompiledSensor, Firing};
use tripline_core::trigger::{FireReport, SensorRunners};

/// Most records handled between two checkpoints.
const BATCH: usize = 512;
/// Firings of one batch in flight at once.
const CONCURRENCY: usize = 128;

pub struct SensorTask {
    pub compiled: Arc<CompiledSensor>,
    pub runners: Arc<SensorRunners>,
    pub bus: Bus,
    pub ports: NativePorts,
    pub metrics: Arc<Metrics>,
    pub checkpoint: CheckpointFile,
    pub dead_letters: DeadLetters,
}

impl SensorTask {
    fn name(&self) -> &str {
        &self.compiled.name
    }

    /// Runs until `shutdown` turns true; the batch in flight is finished and checkpointed.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<()> {
        let mut cp = self
            .checkpoint
            .load()
            .with_context(|| format!("sensor {}", self.name()))?
            .unwrap_or_default();
        if !cp.pending.is_empty() {
            tracing::info!(sensor = %self.name(), firings = cp.pending.len(), "re-firing triggers left unsettled by the last run");
            let pending = std::mem::take(&mut cp.pending);
            self.fire_all(&pending).await;
            self.checkpoint.store(&cp)?;
        }
        let mut reader = self.bus.reader(cp.next);
        // A handle (the family's lock is not held across awaits).
        let depth = self
            .metrics
            .bus_depth
            .get_or_create(&SensorLabels {
                sensor: self.name().to_string(),
            })
            .clone();
        loop {
            let first = tokio::select! {
                r = reader.next() => r.context("reading the bus")?,
                _ = shutdown.changed() => break,
            };
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match reader.try_next().context("reading the bus")? {
                    Some(r) => batch.push(r),
                    None => break,
                }
            }
            let mut firings = Vec::new();
            for rec in &batch {
                cp.next = rec.offset + 1;
                match record::decode(&rec.payload) {
                    Ok(r) => self.process(&mut cp, &r, &mut firings),
                    // Sources only append what they encoded; a record that does not decode
                    // is kept on the bus (replayable) and skipped here, loudly.
                    Err(e) => {
                        tracing::error!(sensor = %self.name(), offset = rec.offset, error = %e, "undecodable bus record skipped")
                    }
                }
            }
            self.settle_batch(&mut cp, firings).await?;
            depth.set(
                i64::try_from(self.bus.next_offset().saturating_sub(cp.next)).unwrap_or(i64::MAX),
            );
            if *shutdown.borrow() {
                break;
            }
        }
        self.checkpoint.store(&cp)?;
        tracing::info!(sensor = %self.name(), next = cp.next, "sensor stopped");
        Ok(())
    }

    fn process(&self, cp: &mut Checkpoint, rec: &BusRecord, firings: &mut Vec<Firing>) {
        if !rec.is_for(self.name()) {
            return;
        }
        let sensor = self.name();
        let deps = &self.compiled.deps;
        let mut verdict = |di: usize, passed: bool| {
            let labels = DepLabels {
                sensor: sensor.to_string(),
                dependency: deps.get(di).map(|d| d.name.clone()).unwrap_or_default(),
            };
            if passed {
                self.metrics.dep_matched.get_or_create(&labels).inc();
            } else {
                self.metrics.dep_missed.get_or_create(&labels).inc();
            }
        };
        let now = chrono::Utc::now();
        firings.extend(self.compiled.on_event_observed(
            &mut cp.state,
            rec.event(),
            now,
            &mut verdict,
        ));
    }

    /// Fires a batch's firings, then checkpoints. A crash before the checkpoint re-reads the
    /// batch from the last one: the same events on the same state give the same firings with
    /// the same idempotency keys, so at-least-once costs one checkpoint write per batch.
    /// At-most-once firings (`atLeastOnce: false`) must be consumed before they fire: then the
    /// checkpoint is written first, with the at-least-once firings of the batch as pending.
    async fn settle_batch(&self, cp: &mut Checkpoint, firings: Vec<Firing>) -> Result<()> {
        let at_least_once = |f: &Firing| {
            self.runners
                .get(f.trigger_index)
                .is_none_or(|r| r.at_least_once())
        };
        if firings.iter().all(at_least_once) {
            self.fire_all(&firings).await;
            self.checkpoint.store(cp)?;
            return Ok(());
        }
        cp.pending = firings
            .iter()
            .filter(|f| at_least_once(f))
            .cloned()
            .collect();
        self.checkpoint.store(cp)?;
        self.fire_all(&firings).await;
        cp.pending.clear();
        self.checkpoint.store(cp)?;
        Ok(())
    }

    async fn fire_all(&self, firings: &[Firing]) {
        // Futures built up front: a stream `map` closure over borrowed firings trips rustc's
        // higher-ranked lifetime check once the task is spawned.
        let futs: Vec<_> = firings
            .iter()
            .map(|f| async move { (f, self.runners.fire(&self.ports, f).await) })
            .collect();
        let reports: Vec<(&Firing, FireReport)> = futures::stream::iter(futs)
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (firing, report) in reports {
            self.account(firing, &report);
        }
    }

    fn account(&self, firing: &Firing, r: &FireReport) {
        let m = &self.metrics;
        let labels = metrics::trigger(self.name(), &r.trigger);
        m.trigger_attempts
            .get_or_create(&labels)
            .inc_by(u64::from(r.attempts));
        m.trigger_duration
            .get_or_create(&labels)
            .observe(r.elapsed.as_secs_f64());
        match &r.result {
            Ok(()) => {
                m.trigger_success.get_or_create(&labels).inc();
                tracing::debug!(sensor = %self.name(), trigger = %r.trigger, attempts = r.attempts, "trigger fired");
                return;
            }
            Err(e) => {
                m.trigger_failure.get_or_create(&labels).inc();
                tracing::warn!(sensor = %self.name(), trigger = %r.trigger, attempts = r.attempts, error = %e, "trigger failed");
            }
        }
        if let Some(d) = &r.dlq {
            let dl = metrics::trigger(self.name(), &d.trigger);
            m.trigger_attempts
                .get_or_create(&dl)
                .inc_by(u64::from(d.attempts));
            m.trigger_duration
                .get_or_create(&dl)
                .observe(d.elapsed.as_secs_f64());
            if d.result.is_ok() {
                m.trigger_success.get_or_create(&dl).inc();
            } else {
                m.trigger_failure.get_or_create(&dl).inc();
            }
        }
        let sink = match &r.dlq {
            Some(d) if d.result.is_ok() => "dlqTrigger",
            Some(d) => {
                tracing::error!(sensor = %self.name(), trigger = %r.trigger, dlq = %d.trigger, error = ?d.result, "dead-letter trigger failed too");
                "file"
            }
            None => "file",
        };
        if sink == "file" {
            if let Err(e) = self.dead_letters.write(self.name(), firing, r) {
                tracing::error!(sensor = %self.name(), trigger = %r.trigger, error = %e, "cannot write the dead-letter file");
            }
        }
        m.dead_lettered
            .get_or_create(&DeadLetterLabels {
                sensor: self.name().to_string(),
                trigger: r.trigger.clone(),
                sink: sink.into(),
            })
            .inc();
    }
}
