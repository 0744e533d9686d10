//! Time through WASI: `wasi:clocks/monotonic-clock` for rate limits and backoff, with sleeps
//! as clock pollables that spin-sdk's executor waits on together with HTTP I/O.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use wasi::clocks::monotonic_clock;

/// Milliseconds on the host's monotonic clock.
pub fn now_ms() -> u64 {
    monotonic_clock::now() / 1_000_000
}

/// Resolves once `d` has passed on the monotonic clock.
pub fn sleep(d: Duration) -> Sleep {
    let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
    Sleep {
        deadline: monotonic_clock::now().saturating_add(nanos),
        token: None,
    }
}

/// The future of [`sleep`].
pub struct Sleep {
    /// Monotonic-clock instant, in nanoseconds.
    deadline: u64,
    /// Our registration with the executor; dropping it cancels the pollable (a lost timeout).
    token: Option<spin_executor::CancelOnDropToken>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if monotonic_clock::now() >= this.deadline {
            this.token = None;
            return Poll::Ready(());
        }
        // The executor takes the pollable and wakes us when it is ready; a fresh one per poll
        // keeps the registration in step with the latest waker.
        let pollable = monotonic_clock::subscribe_instant(this.deadline);
        let token = spin_executor::push_waker_and_get_token(pollable, cx.waker().clone());
        this.token = Some(token.into());
        Poll::Pending
    }
}
