//! Five-field cron expressions exactly as Argo reads them: `robfig/cron/v3` with the parser
//! `Minute | Hour | Dom | Month | Dow` (calendar `schedule`, trigger `conditionsReset.byTime.cron`).
//!
//! Accepted: `*`, `?`, numbers, ranges `a-b`, steps `*/n`, `a/n`, `a-b/n`, lists `a,b`, month
//! names `JAN`..`DEC` and weekday names `SUN`..`SAT` (any case), and an optional
//! `CRON_TZ=Zone ` / `TZ=Zone ` prefix. Not accepted (robfig rejects them): descriptors such as
//! `@daily` or `@every 5m`, a sixth (seconds or year) field, `L`, `W`, `#`, weekday `7`.

use chrono::{DateTime, Datelike, Duration as ChronoDuration, NaiveDate, TimeZone};
use chrono_tz::Tz;

/// A parsed schedule: one bit per allowed value, as robfig keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    /// robfig's "star bit": the day-of-month / day-of-week field was `*` or `?`.
    dom_star: bool,
    dow_star: bool,
    /// Zone from a `CRON_TZ=` / `TZ=` prefix, if any.
    pub location: Option<Tz>,
}

struct Bounds {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [(&'static str, u32)],
}

const MONTH_NAMES: &[(&str, u32)] = &[
    ("jan", 1),
    ("feb", 2),
    ("mar", 3),
    ("apr", 4),
    ("may", 5),
    ("jun", 6),
    ("jul", 7),
    ("aug", 8),
    ("sep", 9),
    ("oct", 10),
    ("nov", 11),
    ("dec", 12),
];
const DOW_NAMES: &[(&str, u32)] = &[
    ("sun", 0),
    ("mon", 1),
    ("tue", 2),
    ("wed", 3),
    ("thu", 4),
    ("fri", 5),
    ("sat", 6),
];

const FIELDS: [Bounds; 5] = [
    Bounds {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Bounds {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Bounds {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Bounds {
        name: "month",
        min: 1,
        max: 12,
        names: MONTH_NAMES,
    },
    Bounds {
        name: "day of week",
        min: 0,
        max: 6,
        names: DOW_NAMES,
    },
];

/// Parses a cron expression the way Argo does (see the module docs). The error says what is
/// wrong and what is accepted.
pub fn parse_cron(spec: &str) -> Result<CronSchedule, String> {
    if spec.trim().is_empty() {
        return Err("cron expression is empty; expected 5 fields: minute hour day-of-month month day-of-week (e.g. \"0 * * * *\")".into());
    }
    let mut rest = spec;
    let mut location = None;
    if rest.starts_with("TZ=") || rest.starts_with("CRON_TZ=") {
        let (prefix, after) = match rest.find(' ') {
            Some(i) => rest.split_at(i),
            None => {
                return Err(format!(
                    "{spec:?}: a {} prefix must be followed by a space and the 5 cron fields",
                    rest.split('=').next().unwrap_or("TZ")
                ))
            }
        };
        let zone = prefix.split_once('=').map(|(_, z)| z).unwrap_or_default();
        location = Some(parse_timezone(zone)?);
        rest = after.trim();
    }
    if rest.starts_with('@') {
        return Err(format!(
            "{spec:?}: descriptors like @daily or @every are not accepted by Argo's cron parser; write the 5 fields instead (e.g. \"0 0 * * *\" for daily)"
        ));
    }
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "{spec:?} has {} field{}; Argo expects exactly 5: minute hour day-of-month month day-of-week (no seconds or year field)",
            fields.len(),
            if fields.len() == 1 { "" } else { "s" }
        ));
    }
    let mut bits = [0u64; 5];
    let mut stars = [false; 5];
    for (i, (field, bounds)) in fields.iter().zip(FIELDS.iter()).enumerate() {
        let (b, star) = parse_field(field, bounds).map_err(|e| format!("{spec:?}: {e}"))?;
        bits[i] = b;
        stars[i] = star;
    }
    Ok(CronSchedule {
        minutes: bits[0],
        hours: bits[1],
        days_of_month: bits[2],
        months: bits[3],
        days_of_week: bits[4],
        dom_star: stars[2],
        dow_star: stars[4],
        location,
    })
}

/// Parses an IANA zone name the way Go's `time.LoadLocation` accepts it (`""` and `"UTC"` mean
/// UTC; `"Local"` is the machine's zone, reported as UTC here).
pub fn parse_timezone(zone: &str) -> Result<Tz, String> {
    match zone {
        "" | "UTC" | "Local" => Ok(Tz::UTC),
        z => z.parse::<Tz>().map_err(|_| {
            format!("{z:?} is not an IANA time zone name (e.g. \"UTC\", \"Europe/Paris\", \"America/New_York\"; names are case-sensitive)")
        }),
    }
}

fn parse_field(field: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let mut star = false;
    for part in field.split(',') {
        let (pb, ps) = parse_range(part, b)?;
        bits |= pb;
        star |= ps;
    }
    Ok((bits, star))
}

fn parse_range(expr: &str, b: &Bounds) -> Result<(u64, bool), String> {
    let what = b.name;
    let range_and_step: Vec<&str> = expr.split('/').collect();
    let low_high: Vec<&str> = range_and_step[0].split('-').collect();
    let single = low_high.len() == 1;
    let (start, mut end, mut star) = if low_high[0] == "*" || low_high[0] == "?" {
        (b.min, b.max, true)
    } else {
        let start = parse_value(low_high[0], b)?;
        let end = match low_high.len() {
            1 => start,
            2 => parse_value(low_high[1], b)?,
            _ => return Err(format!("{what} {expr:?} has too many hyphens")),
        };
        (start, end, false)
    };
    let step = match range_and_step.len() {
        1 => 1,
        2 => {
            let step = parse_number(range_and_step[1], what)?;
            // robfig: "N/step" means "N-max/step".
            if single {
                end = b.max;
            }
            if step > 1 {
                star = false;
            }
            step
        }
        _ => return Err(format!("{what} {expr:?} has too many slashes")),
    };
    if start < b.min {
        return Err(format!(
            "{what} {expr:?}: {start} is below the minimum {} (allowed {}-{})",
            b.min, b.min, b.max
        ));
    }
    if end > b.max {
        return Err(format!(
            "{what} {expr:?}: {end} is above the maximum {} (allowed {}-{})",
            b.max, b.min, b.max
        ));
    }
    if start > end {
        return Err(format!(
            "{what} {expr:?}: range start {start} is beyond its end {end}"
        ));
    }
    if step == 0 {
        return Err(format!(
            "{what} {expr:?}: the step must be a positive number"
        ));
    }
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1u64 << v;
        v += step;
    }
    Ok((bits, star))
}

fn parse_value(s: &str, b: &Bounds) -> Result<u32, String> {
    let lower = s.to_ascii_lowercase();
    if let Some((_, v)) = b.names.iter().find(|(n, _)| *n == lower) {
        return Ok(*v);
    }
    parse_number(s, b.name)
}

/// Go's `strconv.Atoi` followed by robfig's "negative number not allowed".
fn parse_number(s: &str, what: &str) -> Result<u32, String> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if let Some(neg) = s.strip_prefix('-') {
        if !neg.is_empty() && neg.bytes().all(|c| c.is_ascii_digit()) {
            return Err(format!("{what} {s:?}: negative numbers are not allowed"));
        }
    }
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "{what} {s:?} is not a number{}",
            if what == "month" {
                " or month name (JAN-DEC)"
            } else if what == "day of week" {
                " or weekday name (SUN-SAT)"
            } else {
                ""
            }
        ));
    }
    // Anything too large for u32 is certainly out of range; report it as such.
    Ok(digits.parse::<u32>().unwrap_or(u32::MAX / 2))
}

impl CronSchedule {
    fn day_matches(&self, date: NaiveDate) -> bool {
        let dom = self.days_of_month & (1u64 << date.day()) != 0;
        let dow = self.days_of_week & (1u64 << date.weekday().num_days_from_sunday()) != 0;
        if self.dom_star || self.dow_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// Whether a wall-clock minute matches the schedule.
    pub fn matches_local(&self, date: NaiveDate, hour: u32, minute: u32) -> bool {
        self.months & (1u64 << date.month()) != 0
            && self.day_matches(date)
            && self.hours & (1u64 << hour) != 0
            && self.minutes & (1u64 << minute) != 0
    }

    /// The first activation strictly after `after`, evaluated in `after`'s zone (or the
    /// schedule's `CRON_TZ` zone if it has one). Like robfig, gives up after five years
    /// (e.g. `0 0 30 2 *` never fires) and returns `None`.
    pub fn next_after(&self, after: DateTime<Tz>) -> Option<DateTime<Tz>> {
        let tz = self.location.unwrap_or(after.timezone());
        let after = after.with_timezone(&tz);
        let start = after.naive_local();
        let mut date = start.date();
        let limit = date.checked_add_signed(ChronoDuration::days(366 * 5 + 2))?;
        while date <= limit {
            if self.months & (1u64 << date.month()) != 0 && self.day_matches(date) {
                for hour in 0..24u32 {
                    if self.hours & (1u64 << hour) == 0 {
                        continue;
                    }
                    for minute in 0..60u32 {
                        if self.minutes & (1u64 << minute) == 0 {
                            continue;
                        }
                        let Some(naive) = date.and_hms_opt(hour, minute, 0) else {
                            continue;
                        };
                        if naive <= start {
                            continue;
                        }
                        // A wall time inside a DST gap does not exist; skip it.
                        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
                            if t > after {
                                return Some(t);
                            }
                        }
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn ok(s: &str) -> CronSchedule {
        parse_cron(s).unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
    }

    #[test]
    fn accepts_robfig_five_field_forms() {
        for s in [
            "* * * * *",
            "0 0 * * *",
            "*/5 * * * *",
            "0 9-17 * * MON-FRI",
            "0 0 1,15 * ?",
            "30 4 1 jan,Jul *",
            "5/15 * * * *",
            "0 0 * * 0",
            "CRON_TZ=America/New_York 0 6 * * *",
            "TZ=UTC 0 6 * * *",
            "  0   6 * *  *  ",
            "*/1 * * * *",
        ] {
            ok(s);
        }
    }

    #[test]
    fn rejects_what_robfig_rejects() {
        for (s, frag) in [
            ("", "empty"),
            ("@daily", "descriptors"),
            ("@every 5m", "descriptors"),
            ("0 0 * * * *", "exactly 5"),
            ("* * * *", "exactly 5"),
            ("60 * * * *", "above the maximum"),
            ("* 24 * * *", "above the maximum"),
            ("* * 0 * *", "below the minimum"),
            ("* * * 13 *", "above the maximum"),
            ("* * * * 7", "above the maximum"),
            ("5-1 * * * *", "beyond its end"),
            ("*/0 * * * *", "positive"),
            ("1-2-3 * * * *", "hyphens"),
            ("1/2/3 * * * *", "slashes"),
            ("L * * * *", "not a number"),
            ("* * L * *", "not a number"),
            ("* * * * 1#2", "not a number"),
            ("* * * * FOO", "weekday name"),
            ("CRON_TZ=Mars/Base 0 * * * *", "IANA"),
            ("CRON_TZ=UTC", "followed by"),
        ] {
            let err = parse_cron(s).expect_err(s);
            assert!(err.contains(frag), "{s:?}: {err}");
        }
    }

    #[test]
    fn next_activation() {
        let tz: Tz = "Europe/Paris".parse().expect("zone");
        let at = tz
            .with_ymd_and_hms(2024, 3, 1, 10, 7, 30)
            .single()
            .expect("time");
        let s = ok("*/15 * * * *");
        let next = s.next_after(at).expect("next");
        assert_eq!((next.hour(), next.minute()), (10, 15));
        let s = ok("0 9 * * MON");
        let next = s.next_after(at).expect("next");
        assert_eq!(
            (next.day(), next.hour(), next.weekday()),
            (4, 9, chrono::Weekday::Mon)
        );
        // robfig OR semantics when both day fields are restricted.
        let s = ok("0 0 13 * FRI");
        let next = s.next_after(at).expect("next");
        assert_eq!(next.day(), 8); // Friday 8 March 2024 (Wednesday the 13th comes later)
        assert!(ok("0 0 30 2 *").next_after(at).is_none());
        // Exactly on an activation: the next one is strictly later.
        let on = tz
            .with_ymd_and_hms(2024, 3, 1, 10, 15, 0)
            .single()
            .expect("time");
        let next = ok("*/15 * * * *").next_after(on).expect("next");
        assert_eq!(next.minute(), 30);
    }
}
