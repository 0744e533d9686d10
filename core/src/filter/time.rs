//! Time-of-day window filters (`filters.time`), as Argo's `filterTime`.

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A compiled time window: `[start, stop)` on the event's day, wrapping past midnight when
/// `stop < start`.
#[derive(Debug)]
pub struct TimeWindow {
    start: Result<NaiveTime, String>,
    stop: Result<NaiveTime, String>,
    tz: Result<Option<Tz>, String>,
    pub(crate) text: String,
}

fn parse_hms(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .map_err(|_| format!("parsing time {s:?} as \"15:04:05\": not HH:MM:SS"))
}

impl TimeWindow {
    pub fn compile(f: &crate::spec::TimeFilter) -> TimeWindow {
        let start_s = f.start.clone().unwrap_or_default();
        let stop_s = f.stop.clone().unwrap_or_default();
        let tz = match f.timezone.as_deref() {
            None | Some("") => Ok(None),
            Some(name) => name
                .parse::<Tz>()
                .map(Some)
                .map_err(|_| format!("unknown time zone {name:?}")),
        };
        TimeWindow {
            text: format!(
                "[{start_s}, {stop_s}){}",
                f.timezone
                    .as_deref()
                    .map(|z| format!(" {z}"))
                    .unwrap_or_default()
            ),
            start: parse_hms(&start_s),
            stop: parse_hms(&stop_s),
            tz,
        }
    }

    pub fn problems(&self) -> Vec<String> {
        [&self.start, &self.stop]
            .into_iter()
            .filter_map(|r| r.as_ref().err().cloned())
            .chain(self.tz.as_ref().err().cloned())
            .collect()
    }

    /// Whether `at` falls in the window.
    pub fn contains(&self, at: DateTime<Utc>) -> Result<bool, String> {
        let start = self.start.clone()?;
        let stop = self.stop.clone()?;
        let (start_at, stop_at) = match self.tz.clone()? {
            None => (on_day(&Utc, at, start)?, on_day(&Utc, at, stop)?),
            Some(tz) => (on_day(&tz, at, start)?, on_day(&tz, at, stop)?),
        };
        Ok(if start_at < stop_at {
            at >= start_at && at < stop_at
        } else {
            at >= start_at || at < stop_at
        })
    }
}

/// `t` on the calendar day that `at` falls on in `tz`.
fn on_day<T: TimeZone>(tz: &T, at: DateTime<Utc>, t: NaiveTime) -> Result<DateTime<Utc>, String> {
    let day = at.with_timezone(tz).date_naive();
    tz.from_local_datetime(&day.and_time(t))
        .earliest()
        // A wall-clock time skipped by a DST jump: Go normalises forward by the gap.
        .or_else(|| {
            tz.from_local_datetime(&(day.and_time(t) + chrono::Duration::hours(1)))
                .earliest()
        })
        .map(|d| d.with_timezone(&Utc))
        .ok_or_else(|| format!("time {t} does not exist on {day}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::TimeFilter;

    fn window(start: &str, stop: &str, tz: Option<&str>) -> TimeWindow {
        TimeWindow::compile(&TimeFilter {
            start: Some(start.into()),
            stop: Some(stop.into()),
            timezone: tz.map(str::to_string),
        })
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn start_inclusive_stop_exclusive() {
        let w = window("09:00:00", "17:00:00", None);
        assert_eq!(w.contains(at("2025-03-01T09:00:00Z")), Ok(true));
        assert_eq!(w.contains(at("2025-03-01T16:59:59Z")), Ok(true));
        assert_eq!(w.contains(at("2025-03-01T17:00:00Z")), Ok(false));
        assert_eq!(w.contains(at("2025-03-01T08:59:59Z")), Ok(false));
    }

    #[test]
    fn window_crossing_midnight() {
        let w = window("22:00:00", "02:00:00", None);
        assert_eq!(w.contains(at("2025-03-01T23:30:00Z")), Ok(true));
        assert_eq!(w.contains(at("2025-03-01T01:59:59Z")), Ok(true));
        assert_eq!(w.contains(at("2025-03-01T02:00:00Z")), Ok(false));
        assert_eq!(w.contains(at("2025-03-01T12:00:00Z")), Ok(false));
    }

    #[test]
    fn timezone_shifts_the_window() {
        // 09:00–17:00 in New York (UTC-5 in winter) is 14:00–22:00 UTC.
        let w = window("09:00:00", "17:00:00", Some("America/New_York"));
        assert_eq!(w.contains(at("2025-01-15T14:00:00Z")), Ok(true));
        assert_eq!(w.contains(at("2025-01-15T10:00:00Z")), Ok(false));
        assert_eq!(w.contains(at("2025-01-15T21:59:59Z")), Ok(true));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(window("9am", "17:00:00", None)
            .contains(at("2025-01-15T14:00:00Z"))
            .is_err());
        assert!(window("09:00:00", "17:00:00", Some("Mars/Base"))
            .contains(at("2025-01-15T14:00:00Z"))
            .is_err());
    }
}
