//! Publishing events onto the sensor queues with `SendMessageBatch`, offloading oversized
//! bodies to S3 first. An event counts as published only when every queue it routes to has
//! accepted it; a partly published event is retried whole, which is safe because event ids are
//! stable and the sensors drop what they have already fired for.

use crate::aws::Clients;
use crate::config::Routes;
use crate::ports::classify_sdk;
use crate::store::{ObjectStore, Precondition, S3Store};
use crate::wire::{self, Message, SQS_MAX_MESSAGE_BYTES};
use aws_sdk_sqs::types::{MessageAttributeValue, SendMessageBatchRequestEntry};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::time::Duration;
use tripline_core::event::Event;

/// SQS's most entries per `SendMessageBatch`.
pub const MAX_BATCH_ENTRIES: usize = 10;
/// The message group of FIFO sensor queues: each queue belongs to one sensor, so one group
/// keeps all of that sensor's events in order.
pub const FIFO_GROUP: &str = "tripline";
/// Attempts per entry that SQS refused for a reason of its own (not the sender's).
const ENTRY_ATTEMPTS: u32 = 3;

/// Why an event was not published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    #[error(
        "the event is {bytes} bytes, above the SQS limit, and TRIPLINE_CLAIM_BUCKET is not set"
    )]
    TooLarge { bytes: usize },
    #[error("claim check upload failed: {0}")]
    Claim(String),
    #[error("queue {queue} did not accept the message: {reason}")]
    Send { queue: String, reason: String },
}

/// The publisher of the source function.
#[derive(Debug, Clone)]
pub struct Publisher {
    clients: Clients,
    claims: S3Store,
    claim_bucket: Option<String>,
    routes: Routes,
}

/// One message bound for one queue, with the event it carries.
#[derive(Debug, Clone)]
struct Outgoing {
    event: usize,
    message: Message,
    /// FIFO deduplication id, stable per event.
    dedup: String,
}

/// Splits a queue's messages into batches within SQS's count and size limits.
fn chunks(sizes: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut total = 0;
    for (i, &s) in sizes.iter().enumerate() {
        if i > start && (i - start == MAX_BATCH_ENTRIES || total + s > SQS_MAX_MESSAGE_BYTES) {
            out.push(start..i);
            start = i;
            total = 0;
        }
        total += s;
    }
    if start < sizes.len() {
        out.push(start..sizes.len());
    }
    out
}

/// A stable id of an event for FIFO deduplication (≤ 128 characters of `[0-9a-f]`).
fn dedup_id(e: &Event) -> String {
    let mut h = Sha256::new();
    for part in [&e.context.source, &e.context.subject, &e.context.id] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl Publisher {
    pub fn new(clients: Clients, claim_bucket: Option<String>, routes: Routes) -> Publisher {
        Publisher {
            claims: S3Store::new(clients.clone()),
            clients,
            claim_bucket,
            routes,
        }
    }

    /// The queues an event goes to (none: no sensor listens, and the event is dropped as on
    /// Argo's bus without subscribers).
    pub fn queues(&self, e: &Event) -> &[String] {
        let key = format!("{}/{}", e.context.source, e.context.subject);
        self.routes.get(&key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Publishes `events`; the result for each says whether every queue accepted it.
    pub async fn publish(&self, events: &[Event]) -> Vec<Result<(), PublishError>> {
        let mut results: Vec<Result<(), PublishError>> = vec![Ok(()); events.len()];
        let mut by_queue: BTreeMap<&str, Vec<Outgoing>> = BTreeMap::new();
        for (i, e) in events.iter().enumerate() {
            let queues = self.queues(e);
            if queues.is_empty() {
                tracing::debug!(source = %e.context.source, event = %e.context.subject, "no sensor listens; dropped");
                continue;
            }
            let message = match self.message(e).await {
                Ok(m) => m,
                Err(err) => {
                    results[i] = Err(err);
                    continue;
                }
            };
            let dedup = dedup_id(e);
            for q in queues {
                by_queue.entry(q.as_str()).or_default().push(Outgoing {
                    event: i,
                    message: message.clone(),
                    dedup: dedup.clone(),
                });
            }
        }
        for (queue, out) in by_queue {
            for (event, err) in self.send_queue(queue, out).await {
                if let Some(r) = results.get_mut(event) {
                    if r.is_ok() {
                        *r = Err(err);
                    }
                }
            }
        }
        results
    }

    /// The event's message, after offloading its data to S3 when it is too large.
    async fn message(&self, e: &Event) -> Result<Message, PublishError> {
        let m = wire::encode(e);
        if m.size() <= SQS_MAX_MESSAGE_BYTES {
            return Ok(m);
        }
        let Some(bucket) = &self.claim_bucket else {
            return Err(PublishError::TooLarge { bytes: m.size() });
        };
        let key = wire::claim_key(e);
        self.claims
            .put(bucket, &key, e.data().to_vec(), Precondition::None)
            .await
            .map_err(|err| PublishError::Claim(err.to_string()))?;
        Ok(wire::claim_message(e, bucket, &key))
    }

    /// Sends a queue's messages in batches; returns the events that were not accepted.
    async fn send_queue(&self, queue: &str, out: Vec<Outgoing>) -> Vec<(usize, PublishError)> {
        let fifo = queue.ends_with(".fifo");
        let sizes: Vec<usize> = out.iter().map(|o| o.message.size()).collect();
        let mut failed = Vec::new();
        for range in chunks(&sizes) {
            let Some(batch) = out.get(range) else {
                continue;
            };
            let mut pending: Vec<usize> = (0..batch.len()).collect();
            let mut reasons: BTreeMap<usize, String> = BTreeMap::new();
            let mut refused_for_good: Vec<usize> = Vec::new();
            for attempt in 1..=ENTRY_ATTEMPTS {
                if pending.is_empty() {
                    break;
                }
                if attempt > 1 {
                    tokio::time::sleep(Duration::from_millis(50 * u64::from(attempt))).await;
                }
                match self.send_batch(queue, fifo, batch, &pending).await {
                    Ok(refused) => {
                        let mut again = Vec::new();
                        for (idx, reason, sender_fault) in refused {
                            reasons.insert(idx, reason);
                            // A sender fault (bad attribute, too large) fails again on retry.
                            if sender_fault {
                                refused_for_good.push(idx);
                            } else {
                                again.push(idx);
                            }
                        }
                        pending = again;
                    }
                    Err((reason, retryable)) => {
                        for &idx in &pending {
                            reasons.insert(idx, reason.clone());
                        }
                        if !retryable {
                            break;
                        }
                    }
                }
            }
            for idx in refused_for_good.into_iter().chain(pending) {
                if let Some(o) = batch.get(idx) {
                    let reason = reasons.remove(&idx).unwrap_or_else(|| "refused".into());
                    tracing::warn!(queue, %reason, "SQS did not accept a message");
                    failed.push((
                        o.event,
                        PublishError::Send {
                            queue: queue.into(),
                            reason,
                        },
                    ));
                }
            }
        }
        failed
    }

    /// One `SendMessageBatch` of the entries `idx` of `batch`. `Ok` lists the refused entries
    /// (index, reason, sender's fault); `Err` is a failed call (reason, worth retrying).
    async fn send_batch(
        &self,
        queue: &str,
        fifo: bool,
        batch: &[Outgoing],
        idx: &[usize],
    ) -> Result<Vec<(usize, String, bool)>, (String, bool)> {
        let mut req = self.clients.sqs().send_message_batch().queue_url(queue);
        for &i in idx {
            let Some(o) = batch.get(i) else {
                continue;
            };
            let mut entry = SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(&o.message.body);
            for (n, v) in &o.message.attributes {
                let val = MessageAttributeValue::builder()
                    .data_type("String")
                    .string_value(v)
                    .build()
                    .map_err(|e| (e.to_string(), false))?;
                entry = entry.message_attributes(n, val);
            }
            if fifo {
                entry = entry
                    .message_group_id(FIFO_GROUP)
                    .message_deduplication_id(&o.dedup);
            }
            req = req.entries(entry.build().map_err(|e| (e.to_string(), false))?);
        }
        let out = req.send().await.map_err(|e| {
            let pe = classify_sdk(e);
            (pe.to_string(), pe.is_transient())
        })?;
        Ok(out
            .failed()
            .iter()
            .filter_map(|f| {
                let i = f.id().strip_prefix('m')?.parse::<usize>().ok()?;
                let reason = format!("{}: {}", f.code(), f.message().unwrap_or_default());
                Some((i, reason, f.sender_fault()))
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_respect_count_and_size_limits() {
        let small = vec![100; 25];
        let r = chunks(&small);
        assert_eq!(r, vec![0..10, 10..20, 20..25]);
        let big = vec![100_000, 100_000, 100_000, 10, 262_144];
        assert_eq!(chunks(&big), vec![0..2, 2..4, 4..5]);
        assert!(chunks(&[]).is_empty());
    }

    #[test]
    fn dedup_ids_are_stable_hex_within_sqs_limits() {
        let e = Event::from_json(
            br#"{"specversion":"1.0","id":"x","source":"s","type":"t","subject":"n"}"#,
        )
        .expect("event");
        let id = dedup_id(&e);
        assert_eq!(id.len(), 64);
        assert_eq!(id, dedup_id(&e.clone()));
    }
}
