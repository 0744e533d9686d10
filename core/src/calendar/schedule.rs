//! When the next tick falls: robfig/cron's `SpecSchedule.Next` for a cron `schedule`, and its
//! `ConstantDelaySchedule.Next` for an `interval`, as Argo builds them.

use crate::validate::CronSchedule;
use chrono::{
    DateTime, Duration as TimeDelta, LocalResult, NaiveDateTime, SubsecRound, TimeZone, Timelike,
    Utc,
};
use chrono_tz::Tz;

/// The largest step back a zone's UTC offset takes at once (DST ends: 1 h; a few zones: 2 h).
/// Bounds the search for the second occurrence of a repeated wall-clock time.
fn max_offset_step() -> TimeDelta {
    TimeDelta::hours(3)
}

/// Minutes scanned one by one before handing over to the cron's own (day-skipping) search:
/// dense schedules stay cheap, sparse ones do not walk years minute by minute.
const SCAN_MINUTES: i64 = 6 * 60;

#[derive(Debug, Clone)]
pub(crate) enum Schedule {
    /// `naive` has its `CRON_TZ=` zone removed (kept in `zone`) so it can walk wall-clock time.
    Cron {
        naive: CronSchedule,
        zone: Option<Tz>,
    },
    Interval(TimeDelta),
}

impl Schedule {
    pub(crate) fn cron(mut schedule: CronSchedule) -> Schedule {
        let zone = schedule.location.take();
        Schedule::Cron {
            naive: schedule,
            zone,
        }
    }

    /// The first tick strictly after `t`. `tz` is the calendar's `timezone` (UTC when unset);
    /// a `CRON_TZ=` prefix overrides it for the cron fields, as in robfig.
    pub(crate) fn next_after(&self, t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        match self {
            Schedule::Interval(delay) => t.trunc_subsecs(0).checked_add_signed(*delay),
            Schedule::Cron { naive, zone } => cron_next(naive, zone.unwrap_or(tz), t),
        }
    }

    /// An instant on the same wall-clock day (in `tz`) as the tick `c`, from which
    /// `next_after` continues the same tick sequence past that day: skips an excluded day in
    /// one step instead of tick by tick.
    pub(crate) fn skip_day(&self, c: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
        let Some(end) = end_of_day(c, tz) else {
            return c;
        };
        if end <= c {
            return c;
        }
        match self {
            // A cron's next tick depends only on the instant it is asked from.
            Schedule::Cron { .. } => end,
            // An interval is a chain from the previous tick; with whole seconds it is an
            // arithmetic one, so jump to its last link on this day. Otherwise walk it.
            Schedule::Interval(delay) => {
                let whole = delay.subsec_nanos() == 0 && c.nanosecond() == 0;
                let (Some(step), Some(span)) = (
                    delay.num_nanoseconds().filter(|n| *n > 0),
                    (end - c).num_nanoseconds(),
                ) else {
                    return c;
                };
                if !whole {
                    return c;
                }
                let links = span / step;
                links
                    .checked_mul(step)
                    .and_then(|n| c.checked_add_signed(TimeDelta::nanoseconds(n)))
                    .unwrap_or(c)
            }
        }
    }
}

/// The last instant whose wall-clock date in `tz` is `t`'s (the next midnight may not exist).
fn end_of_day(t: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let next_day = t.with_timezone(&tz).date_naive().succ_opt()?;
    (0..24)
        .filter_map(|h| next_day.and_hms_opt(h, 0, 0))
        .find_map(|n| instants(tz, n).next())
        .and_then(|u| {
            u.with_timezone(&Utc)
                .checked_sub_signed(TimeDelta::nanoseconds(1))
        })
}

/// All instants that read `n` on a wall clock in `zone`: none in a DST gap, two in an overlap.
fn instants(zone: Tz, n: NaiveDateTime) -> impl Iterator<Item = DateTime<Tz>> {
    let (a, b) = match zone.from_local_datetime(&n) {
        LocalResult::Single(a) => (Some(a), None),
        LocalResult::Ambiguous(a, b) => (Some(a), Some(b)),
        LocalResult::None => (None, None),
    };
    a.into_iter().chain(b)
}

/// The first matching wall-clock minute strictly after `cursor`.
fn next_naive(s: &CronSchedule, cursor: NaiveDateTime) -> Option<NaiveDateTime> {
    let mut n = cursor
        .with_second(0)?
        .with_nanosecond(0)?
        .checked_add_signed(TimeDelta::minutes(1))?;
    for _ in 0..SCAN_MINUTES {
        if s.matches_local(n.date(), n.hour(), n.minute()) {
            return Some(n);
        }
        n = n.checked_add_signed(TimeDelta::minutes(1))?;
    }
    // Nothing in (cursor, n): the cron's search (in a zone without DST) gives the first match
    // after `n - 1min`, i.e. from `n` on.
    let from = n.checked_sub_signed(TimeDelta::minutes(1))?;
    s.next_after(Tz::UTC.from_utc_datetime(&from))
        .map(|d| d.naive_utc())
}

/// robfig steps through absolute time and tests the wall clock, so its next activation is the
/// first *instant* after `t` whose wall-clock reading matches: a time inside a spring-forward
/// gap never fires, and one inside a fall-back overlap fires twice (once per offset).
fn cron_next(s: &CronSchedule, zone: Tz, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let step = max_offset_step();
    let local = t.with_timezone(&zone).naive_local();
    // Any instant after `t` reads later than `local - step`; any instant before the best
    // candidate reads earlier than its reading + step. Between the two lies every contender.
    let mut cursor = local.checked_sub_signed(step)?;
    let mut best: Option<DateTime<Utc>> = None;
    let mut horizon: Option<NaiveDateTime> = None;
    while let Some(n) = next_naive(s, cursor) {
        if horizon.is_some_and(|h| n >= h) {
            break;
        }
        for u in instants(zone, n) {
            let u = u.with_timezone(&Utc);
            if u > t && best.is_none_or(|b| u < b) {
                best = Some(u);
                horizon = n.checked_add_signed(step);
            }
        }
        cursor = n;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::parse_cron;

    fn cron(s: &str) -> Schedule {
        Schedule::cron(parse_cron(s).expect("cron"))
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("rfc3339")
            .with_timezone(&Utc)
    }

    #[test]
    fn interval_rounds_like_constant_delay_schedule() {
        let s = Schedule::Interval(TimeDelta::seconds(10));
        // Next(t) = t + delay - t.Nanosecond()
        assert_eq!(
            s.next_after(utc("2024-01-01T00:00:00.75Z"), Tz::UTC),
            Some(utc("2024-01-01T00:00:10Z"))
        );
        let s = Schedule::Interval(TimeDelta::milliseconds(1500));
        assert_eq!(
            s.next_after(utc("2024-01-01T00:00:01.5Z"), Tz::UTC),
            Some(utc("2024-01-01T00:00:02.5Z"))
        );
    }

    #[test]
    fn cron_matches_core_search_away_from_transitions() {
        let s = parse_cron("*/7 3-5 * * MON-FRI").expect("cron");
        let sched = Schedule::cron(s.clone());
        let zone: Tz = "Europe/Berlin".parse().expect("zone");
        let mut t = utc("2024-06-01T00:00:00Z");
        for _ in 0..200 {
            let ours = sched.next_after(t, zone).expect("next");
            let core = s
                .next_after(t.with_timezone(&zone))
                .expect("core next")
                .with_timezone(&Utc);
            assert_eq!(ours, core);
            t = ours;
        }
    }

    #[test]
    fn sparse_schedule_far_ahead_and_never() {
        let s = cron("0 0 29 2 *");
        assert_eq!(
            s.next_after(utc("2025-03-01T00:00:00Z"), Tz::UTC),
            Some(utc("2028-02-29T00:00:00Z"))
        );
        assert_eq!(
            cron("0 0 30 2 *").next_after(utc("2025-03-01T00:00:00Z"), Tz::UTC),
            None
        );
    }
}
