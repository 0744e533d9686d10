//! `rateLimit`: at most `requestsPerUnit` trigger requests in any window of one `unit`.
//!
//! Argo builds a token bucket (`rate.NewLimiter(every(unit/n), n)`) that starts full, so right
//! after start — or after any idle spell — a burst of `n` passes and the refill lets more through
//! within the same unit (argo-events#2851). Here the limiter remembers the times of the last `n`
//! requests and lets a new one start only when the oldest of them is a full unit old: a sliding
//! window, which no burst can overrun.

use crate::spec::RateLimit;
use std::collections::VecDeque;

/// A sliding-window limiter over millisecond timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimiter {
    per_unit: usize,
    unit_ms: u64,
    /// Start times of the most recent requests, oldest first; at most `per_unit` of them.
    recent: VecDeque<u64>,
}

impl RateLimiter {
    pub fn compile(spec: &RateLimit) -> Result<RateLimiter, String> {
        let unit_ms = match spec.unit.as_deref().unwrap_or("Second") {
            "" | "Second" => 1_000,
            "Minute" => 60_000,
            "Hour" => 3_600_000,
            other => {
                return Err(format!(
                    "rateLimit.unit {other:?} is not one of Second, Minute, Hour"
                ))
            }
        };
        let per_unit = match spec.requests_per_unit {
            Some(n) if n > 0 => n as usize,
            other => {
                return Err(format!(
                    "rateLimit.requestsPerUnit {} must be > 0",
                    other.map_or("(absent)".to_string(), |n| n.to_string())
                ))
            }
        };
        Ok(RateLimiter::new(per_unit, unit_ms))
    }

    pub fn new(per_unit: usize, unit_ms: u64) -> RateLimiter {
        RateLimiter {
            per_unit: per_unit.max(1),
            unit_ms,
            recent: VecDeque::with_capacity(per_unit.clamp(1, 4096)),
        }
    }

    /// Books a slot for a request wanting to start at `now`; returns how many milliseconds the
    /// caller must wait before starting it. Booked slots count even while the caller waits, so
    /// concurrent callers are spaced correctly.
    pub fn reserve(&mut self, now: u64) -> u64 {
        let start = if self.recent.len() < self.per_unit {
            now.max(self.recent.back().copied().unwrap_or(0))
        } else {
            let oldest = self.recent.pop_front().unwrap_or(0);
            now.max(oldest.saturating_add(self.unit_ms))
        };
        self.recent.push_back(start);
        start - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_burst_is_capped_at_the_limit() {
        let mut l = RateLimiter::new(3, 1000);
        let waits: Vec<u64> = (0..7).map(|_| l.reserve(10_000)).collect();
        // Three start now, the next three one unit later, the seventh two units later.
        assert_eq!(waits, vec![0, 0, 0, 1000, 1000, 1000, 2000]);
    }

    #[test]
    fn idle_time_does_not_bank_extra_tokens() {
        let mut l = RateLimiter::new(2, 1000);
        assert_eq!(l.reserve(0), 0);
        assert_eq!(l.reserve(0), 0);
        // Long idle: still only two per window, never a burst of more.
        let waits: Vec<u64> = (0..4).map(|_| l.reserve(50_000)).collect();
        assert_eq!(waits, vec![0, 0, 1000, 1000]);
    }

    #[test]
    fn units_and_bad_values() {
        let spec = |unit: &str, n: i32| RateLimit {
            unit: Some(unit.into()),
            requests_per_unit: Some(n),
        };
        assert_eq!(
            RateLimiter::compile(&spec("Minute", 5)).unwrap().unit_ms,
            60_000
        );
        assert!(RateLimiter::compile(&spec("Day", 5)).is_err());
        assert!(RateLimiter::compile(&spec("Second", 0)).is_err());
    }

    proptest! {
        /// Whatever the arrival pattern, no window of one unit holds more than the limit.
        #[test]
        fn never_more_than_the_limit_in_any_window(
            n in 1usize..6,
            gaps in proptest::collection::vec(0u64..700, 1..60),
        ) {
            let mut l = RateLimiter::new(n, 1000);
            let mut now = 0u64;
            let mut starts = Vec::new();
            for g in gaps {
                now += g;
                starts.push(now + l.reserve(now));
            }
            starts.sort_unstable();
            for (i, s) in starts.iter().enumerate() {
                let in_window = starts[i..].iter().take_while(|t| **t < s + 1000).count();
                prop_assert!(in_window <= n, "{} starts within 1s of {}", in_window, s);
            }
        }
    }
}
