//! Go's `time.ParseDuration`, which Argo uses for every duration written as a string
//! (`interval: 10s`, `retryStrategy.duration: 500ms`, `checkInterval: 1m30s`).

use std::time::Duration;

/// Nanoseconds per unit, longest suffix first so `ms` wins over `m`.
const UNITS: &[(&str, u128)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("\u{00b5}s", 1_000), // µs (micro sign)
    ("\u{03bc}s", 1_000), // μs (Greek mu)
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60 * 1_000_000_000),
    ("h", 3_600 * 1_000_000_000),
];

/// Go's durations are an `int64` of nanoseconds.
const MAX_NANOS: u128 = i64::MAX as u128;

/// Parses a Go duration string exactly as `time.ParseDuration` does: a sequence of decimal
/// numbers, each with an optional fraction and a mandatory unit (`ns`, `us`/`µs`, `ms`, `s`,
/// `m`, `h`), e.g. `"1h2m3s"`, `"500ms"`, `"1.5s"`; `"0"` alone is allowed without a unit.
///
/// Negative durations (`"-1s"`), which Go accepts, are rejected here: no Argo field gives them a
/// meaning. The error says what is wrong and what is accepted.
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let invalid = |why: &str| {
        format!(
            "{text:?} is not a Go duration ({why}); write a number with a unit, e.g. \"30s\", \"500ms\", \"1m30s\", \"1.5h\" (units: ns, us, ms, s, m, h)"
        )
    };
    let mut rest = text;
    let mut negative = false;
    if let Some(r) = rest.strip_prefix('-') {
        negative = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(invalid("it is empty"));
    }
    let mut total: u128 = 0;
    while !rest.is_empty() {
        // Integer part.
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (int_digits, after_int) = rest.split_at(int_len);
        // Fraction.
        let (frac_digits, after_frac) = match after_int.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                f.split_at(n)
            }
            None => ("", after_int),
        };
        let had_dot = after_int.starts_with('.');
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(invalid(if had_dot {
                "a number needs digits around its '.'"
            } else {
                "expected a number"
            }));
        }
        // Unit: the longest run of non-digit, non-dot characters.
        let unit_len = after_frac
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map(|(i, _)| i)
            .unwrap_or(after_frac.len());
        let (unit, next) = after_frac.split_at(unit_len);
        if unit.is_empty() {
            return Err(invalid("missing unit"));
        }
        let Some(&(_, per_unit)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(invalid(&format!("unknown unit {unit:?}")));
        };
        let whole: u128 = if int_digits.is_empty() {
            0
        } else {
            // Any integer longer than 39 digits overflows u128; Go reports overflow too.
            int_digits
                .parse::<u128>()
                .map_err(|_| invalid("value out of range"))?
        };
        let mut nanos = whole
            .checked_mul(per_unit)
            .ok_or_else(|| invalid("value out of range"))?;
        if !frac_digits.is_empty() {
            // Digits past the 20th cannot change the nanosecond count for any unit (an hour
            // is 3.6e12 ns), and keeping 20 keeps the arithmetic below far from overflow.
            let kept = &frac_digits[..frac_digits.len().min(20)];
            let frac: u128 = kept.parse().map_err(|_| invalid("bad fraction"))?;
            let scale = 10u128.pow(kept.len() as u32);
            nanos = nanos
                .checked_add(frac.saturating_mul(per_unit) / scale)
                .ok_or_else(|| invalid("value out of range"))?;
        }
        total = total
            .checked_add(nanos)
            .filter(|t| *t <= MAX_NANOS)
            .ok_or_else(|| invalid("value out of range"))?;
        rest = next;
    }
    if negative && total > 0 {
        return Err(format!(
            "{text:?} is negative; a duration here must be zero or positive"
        ));
    }
    let secs = (total / 1_000_000_000) as u64;
    let sub = (total % 1_000_000_000) as u32;
    Ok(Duration::new(secs, sub))
}

#[cfg(test)]
mod tests {
    use super::parse_go_duration as p;
    use std::time::Duration;

    #[test]
    fn accepts_go_forms() {
        assert_eq!(p("1h2m3s"), Ok(Duration::from_secs(3723)));
        assert_eq!(p("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(p("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(p(".5s"), Ok(Duration::from_millis(500)));
        assert_eq!(p("1.s"), Ok(Duration::from_secs(1)));
        assert_eq!(p("0"), Ok(Duration::ZERO));
        assert_eq!(p("+3s"), Ok(Duration::from_secs(3)));
        assert_eq!(p("-0s"), Ok(Duration::ZERO));
        assert_eq!(p("10us"), Ok(Duration::from_micros(10)));
        assert_eq!(p("10µs"), Ok(Duration::from_micros(10)));
        assert_eq!(p("10μs"), Ok(Duration::from_micros(10)));
        assert_eq!(p("7ns"), Ok(Duration::from_nanos(7)));
        assert_eq!(p("2562047h"), Ok(Duration::from_secs(2_562_047 * 3600)));
        assert_eq!(p("1.0000000001s"), Ok(Duration::from_secs(1)));
    }

    #[test]
    fn rejects_what_go_rejects() {
        for bad in [
            "",
            "1",
            "s",
            "1x",
            "1.5",
            ".",
            ".s",
            "1h2",
            "1 s",
            " 1s",
            "1s ",
            "--1s",
            "1e3s",
            "2562048h",
            "99999999999999999999999999999999999999999h",
        ] {
            assert!(p(bad).is_err(), "{bad:?} must be rejected");
        }
    }

    #[test]
    fn rejects_negative() {
        let err = p("-1s").expect_err("negative");
        assert!(err.contains("negative"), "{err}");
    }
}
