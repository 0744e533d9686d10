//! Time for the calendar driver, behind a trait so tests drive it by hand instead of waiting.

use chrono::{DateTime, Utc};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Wall-clock time and a way to wait for an instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    /// Resolves once `now() >= t` (at once if it already is).
    fn sleep_until(&self, t: DateTime<Utc>) -> impl Future<Output = ()> + Send;
}

impl<C: Clock> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
    fn sleep_until(&self, t: DateTime<Utc>) -> impl Future<Output = ()> + Send {
        (**self).sleep_until(t)
    }
}

/// The system clock with tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// Longest single timer: tokio timers follow the monotonic clock, so a long sleep is cut into
/// naps that re-read the wall clock and notice it being stepped (NTP, suspend).
const MAX_NAP: Duration = Duration::from_secs(30);

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep_until(&self, t: DateTime<Utc>) {
        loop {
            let left = t - Utc::now();
            let Ok(left) = left.to_std() else { return };
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(MAX_NAP)).await;
        }
    }
}

/// A clock that moves only when told to; tests see where the driver waits through
/// [`ManualClock::sleeper`] and then move time there.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    now: watch::Sender<DateTime<Utc>>,
    /// The deadline of the latest `sleep_until` call.
    sleeping: watch::Sender<Option<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(now: DateTime<Utc>) -> ManualClock {
        ManualClock {
            inner: Arc::new(ManualInner {
                now: watch::Sender::new(now),
                sleeping: watch::Sender::new(None),
            }),
        }
    }

    /// Moves time to `t` (never backwards: a stepped-back clock is its own test, use `set`).
    pub fn advance_to(&self, t: DateTime<Utc>) {
        self.inner.now.send_modify(|now| *now = (*now).max(t));
    }

    /// Sets the time, also backwards.
    pub fn set(&self, t: DateTime<Utc>) {
        self.inner.now.send_replace(t);
    }

    /// Waits until someone sleeps towards a deadline still in the future, and returns it.
    pub async fn sleeper(&self) -> DateTime<Utc> {
        let now = self.now();
        let mut rx = self.inner.sleeping.subscribe();
        let seen = rx
            .wait_for(|s| s.is_some_and(|d| d > now))
            .await
            .map(|s| *s);
        // The sender lives in `self`, so the channel cannot close.
        seen.ok().flatten().unwrap_or(now)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.inner.now.borrow()
    }

    fn sleep_until(&self, t: DateTime<Utc>) -> impl Future<Output = ()> + Send {
        let mut rx = self.inner.now.subscribe();
        self.inner.sleeping.send_replace(Some(t));
        async move {
            let _ = rx.wait_for(|now| *now >= t).await;
        }
    }
}
