//! The calendar driver: waits for each tick on a [`Clock`], hands the event to a callback, and
//! records the tick as done only once the callback said Ok.

use crate::drivers::clock::Clock;
use crate::drivers::store::{StoreError, TickStore};
use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Display;
use std::future::Future;
use std::time::Duration;
use tripline_core::calendar::CompiledCalendar;
use tripline_core::event::Event;

#[derive(Debug, thiserror::Error)]
pub enum CalendarDriverError {
    #[error("calendar {key}: cannot read the last tick: {source}")]
    Load {
        key: String,
        #[source]
        source: StoreError,
    },
}

/// Waits between failed deliveries of one tick: `initial`, doubling up to `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// Argo retries a failed dispatch after 100 ms; doubling keeps a broken bus from spinning.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(10),
        }
    }
}

/// Runs one `calendar` event of an EventSource.
pub struct CalendarDriver<C, S> {
    es_name: String,
    event_name: String,
    calendar: CompiledCalendar,
    clock: C,
    store: S,
    backoff: Backoff,
}

/// Namespace for tick ids (a fixed random UUID; any constant works).
const TICK_ID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6c1f_0b3e_2a9d_4c57_9e61_3f0a_d2b4_7c18);

/// The event id of a tick: the same for the same source, event and tick, so a tick replayed
/// after a crash (delivered, but not yet recorded) carries the id of its first delivery and a
/// bus that de-duplicates by id drops it. Hex without dashes, like Argo's `%x` of a UUID.
pub fn tick_id(es_name: &str, event_name: &str, tick: DateTime<Utc>) -> String {
    let name = format!(
        "{es_name}\u{0}{event_name}\u{0}{}",
        tick.to_rfc3339_opts(SecondsFormat::Nanos, true)
    );
    uuid::Uuid::new_v5(&TICK_ID_NAMESPACE, name.as_bytes())
        .simple()
        .to_string()
}

impl<C: Clock, S: TickStore> CalendarDriver<C, S> {
    pub fn new(
        es_name: impl Into<String>,
        event_name: impl Into<String>,
        calendar: CompiledCalendar,
        clock: C,
        store: S,
    ) -> Self {
        CalendarDriver {
            es_name: es_name.into(),
            event_name: event_name.into(),
            calendar,
            clock,
            store,
            backoff: Backoff::default(),
        }
    }

    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// The store key, Argo's persistence key `<eventSource>.<event>`.
    pub fn store_key(&self) -> String {
        format!("{}.{}", self.es_name, self.event_name)
    }

    /// Fires ticks until `shutdown` resolves (or the schedule has no tick left, then waits for
    /// `shutdown`). On start, ticks missed since the recorded one are fired first when
    /// catch-up is enabled. A tick whose `emit` fails is retried (same event, same id) with
    /// backoff and recorded only after `emit` returns Ok; a failed record is logged and the
    /// tick counts as delivered (at worst it is replayed, with its id, after a restart).
    pub async fn run<F, Fut, E>(
        self,
        mut emit: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), CalendarDriverError>
    where
        F: FnMut(Event) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        tokio::pin!(shutdown);
        let key = self.store_key();
        let last = self
            .store
            .load(&key)
            .await
            .map_err(|source| CalendarDriverError::Load {
                key: key.clone(),
                source,
            })?;
        for w in self.calendar.warnings() {
            tracing::warn!(calendar = %key, "{w}");
        }
        let mut cursor = self.calendar.resume_point(last, self.clock.now());
        if let (Some(last), Some(_)) = (last, self.calendar.catchup()) {
            tracing::info!(calendar = %key, %last, from = %cursor, "catching up missed ticks");
        }
        loop {
            let Some(tick) = self.calendar.next_after(cursor) else {
                tracing::info!(calendar = %key, after = %cursor, "schedule has no further tick");
                shutdown.await;
                return Ok(());
            };
            if tick > self.clock.now() {
                tracing::debug!(calendar = %key, next = %tick, "waiting for next tick");
                tokio::select! {
                    _ = self.clock.sleep_until(tick) => {}
                    _ = &mut shutdown => return Ok(()),
                }
            }
            let event = self.calendar.event(
                &self.es_name,
                &self.event_name,
                tick,
                tick_id(&self.es_name, &self.event_name, tick),
            );
            let mut wait = self.backoff.initial;
            loop {
                match emit(event.clone()).await {
                    Ok(()) => break,
                    Err(e) => {
                        tracing::warn!(calendar = %key, %tick, error = %e, retry_in = ?wait, "calendar event not delivered; retrying");
                        let until = chrono::Duration::from_std(wait)
                            .ok()
                            .and_then(|w| self.clock.now().checked_add_signed(w))
                            .unwrap_or(DateTime::<Utc>::MAX_UTC);
                        tokio::select! {
                            _ = self.clock.sleep_until(until) => {}
                            _ = &mut shutdown => return Ok(()),
                        }
                        wait = (wait * 2).min(self.backoff.max);
                    }
                }
            }
            // Recorded only now: a crash before this line replays the tick on restart.
            if let Err(e) = self.store.save(&key, tick).await {
                tracing::error!(calendar = %key, %tick, error = %e, "calendar tick delivered but not recorded");
            }
            tracing::info!(calendar = %key, %tick, "calendar event delivered");
            cursor = tick;
            // Ticks that fell due meanwhile (late wake-up after a suspend, a slow bus) are
            // treated like a restart: caught up when catch-up is on, skipped otherwise, as
            // Argo's loop does.
            let now = self.clock.now();
            if self.calendar.next_after(tick).is_some_and(|n| n <= now) {
                cursor = self.calendar.resume_point(Some(tick), now);
            }
        }
    }
}
