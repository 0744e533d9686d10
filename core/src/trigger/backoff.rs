//! `retryStrategy`: how many attempts a trigger gets and how long to wait between them, read
//! as Argo's `Convert2WaitBackoff` and `wait.ExponentialBackoff` do.
//!
//! Jitter needs randomness, which the pure core has none of: it is derived from the firing's
//! idempotency key and the attempt number, so retries of different firings spread out while a
//! given firing's schedule is reproducible in tests.

use crate::spec::{Backoff, Int64OrString};
use crate::validate::parse_go_duration;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// A compiled retry strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Retry {
    /// Attempts in all, at least 1.
    pub steps: u32,
    pub duration: Duration,
    pub factor: f64,
    pub jitter: f64,
}

/// Longest single wait, whatever the factor: a runaway factor must not park a trigger for years.
const MAX_DELAY: Duration = Duration::from_secs(3600);

impl Retry {
    /// Argo's `DefaultBackoff`, used when a trigger sets no `retryStrategy`.
    pub fn argo_default() -> Retry {
        Retry {
            steps: 5,
            duration: Duration::from_secs(1),
            factor: 1.0,
            jitter: 1.0,
        }
    }

    /// Reads a `retryStrategy`; `None` gives Argo's default. The error names the field.
    pub fn compile(spec: Option<&Backoff>) -> Result<Retry, String> {
        let Some(b) = spec else {
            return Ok(Retry::argo_default());
        };
        let duration = match &b.duration {
            None => Duration::ZERO,
            Some(Int64OrString::Int(n)) => Duration::from_nanos(
                u64::try_from(*n).map_err(|_| format!("retryStrategy.duration {n} is negative"))?,
            ),
            Some(Int64OrString::Str(s)) => match s.parse::<u64>() {
                Ok(n) => Duration::from_nanos(n),
                Err(_) => {
                    parse_go_duration(s).map_err(|e| format!("retryStrategy.duration: {e}"))?
                }
            },
        };
        let factor = b.factor.unwrap_or(1.0);
        let jitter = b.jitter.unwrap_or(0.0);
        if !factor.is_finite() || factor < 0.0 {
            return Err(format!(
                "retryStrategy.factor {factor} must be a number ≥ 0"
            ));
        }
        if !jitter.is_finite() || jitter < 0.0 {
            return Err(format!(
                "retryStrategy.jitter {jitter} must be a number ≥ 0"
            ));
        }
        Ok(Retry {
            steps: b.steps.map_or(1, |s| u32::try_from(s).unwrap_or(0).max(1)),
            duration,
            factor,
            jitter,
        })
    }

    /// The wait after failed attempt `attempt` (1-based) before the next one.
    pub fn delay(&self, attempt: u32, key: &str) -> Duration {
        let exp = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let base = self.duration.as_secs_f64() * self.factor.max(0.0).powi(exp);
        let jittered = if self.jitter > 0.0 {
            base + unit_fraction(key, attempt) * self.jitter * base
        } else {
            base
        };
        if !jittered.is_finite() {
            return MAX_DELAY;
        }
        Duration::try_from_secs_f64(jittered)
            .unwrap_or(MAX_DELAY)
            .min(MAX_DELAY)
    }
}

/// A number in [0, 1) derived from `key` and `attempt`.
fn unit_fraction(key: &str, attempt: u32) -> f64 {
    let mut h = Sha256::new();
    h.update(key.as_bytes());
    h.update(attempt.to_be_bytes());
    let d = h.finalize();
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_be_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(steps: i32, dur: &str, factor: f64, jitter: f64) -> Backoff {
        Backoff {
            steps: Some(steps),
            duration: Some(Int64OrString::Str(dur.into())),
            factor: Some(factor),
            jitter: Some(jitter),
        }
    }

    #[test]
    fn absent_strategy_is_argos_default() {
        assert_eq!(Retry::compile(None), Ok(Retry::argo_default()));
    }

    #[test]
    fn exponential_delays_without_jitter() {
        let r = Retry::compile(Some(&spec(4, "100ms", 2.0, 0.0))).unwrap();
        assert_eq!(r.steps, 4);
        let d: Vec<u128> = (1..=3).map(|a| r.delay(a, "k").as_millis()).collect();
        assert_eq!(d, vec![100, 200, 400]);
    }

    #[test]
    fn jitter_stays_within_bounds_and_differs_by_key() {
        let r = Retry::compile(Some(&spec(3, "1s", 1.0, 0.5))).unwrap();
        let a = r.delay(1, "firing-a");
        let b = r.delay(1, "firing-b");
        for d in [a, b] {
            assert!(
                d >= Duration::from_secs(1) && d < Duration::from_millis(1500),
                "{d:?}"
            );
        }
        assert_ne!(a, b);
        assert_eq!(a, r.delay(1, "firing-a"), "deterministic per key");
    }

    #[test]
    fn bare_numbers_are_nanoseconds_and_zero_steps_means_one_attempt() {
        let b = Backoff {
            steps: Some(0),
            duration: Some(Int64OrString::Int(5_000_000)),
            ..Default::default()
        };
        let r = Retry::compile(Some(&b)).unwrap();
        assert_eq!(r.steps, 1);
        assert_eq!(r.duration, Duration::from_millis(5));
    }

    #[test]
    fn huge_factor_is_capped() {
        let r = Retry::compile(Some(&spec(100, "1s", 1e6, 0.0))).unwrap();
        assert_eq!(r.delay(50, "k"), MAX_DELAY);
    }

    #[test]
    fn bad_duration_names_the_field() {
        let e = Retry::compile(Some(&spec(1, "soon", 1.0, 0.0))).unwrap_err();
        assert!(e.starts_with("retryStrategy.duration"), "{e}");
    }
}
