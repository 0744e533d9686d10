//! Go's `time.Time.String()` text, which Argo puts in a calendar event's `eventTime` and parses
//! back from its persisted last event.

use chrono::{DateTime, Offset, Timelike};
use chrono_tz::Tz;

/// `2006-01-02 15:04:05.999999999 -0700 MST`: fraction without trailing zeros (and no dot when
/// zero), numeric offset, then the zone abbreviation (or `+03`-style text where tzdata has none).
pub fn go_time_string(t: &DateTime<Tz>) -> String {
    let mut out = t.format("%Y-%m-%d %H:%M:%S").to_string();
    // chrono reports a leap second as nanos >= 1e9; Go has no leap seconds.
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos != 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    let secs = t.offset().fix().local_minus_utc();
    let (sign, abs) = if secs < 0 { ('-', -secs) } else { ('+', secs) };
    out.push_str(&format!(
        " {sign}{:02}{:02} {}",
        abs / 3600,
        (abs % 3600) / 60,
        t.offset()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_like_go() {
        let utc = Tz::UTC
            .with_ymd_and_hms(2024, 3, 1, 10, 15, 0)
            .single()
            .expect("time");
        assert_eq!(go_time_string(&utc), "2024-03-01 10:15:00 +0000 UTC");
        let ny: Tz = "America/New_York".parse().expect("zone");
        let t = ny
            .with_ymd_and_hms(2024, 1, 2, 3, 4, 5)
            .single()
            .expect("time")
            .with_nanosecond(120_000_000)
            .expect("nanos");
        assert_eq!(go_time_string(&t), "2024-01-02 03:04:05.12 -0500 EST");
        let kolkata: Tz = "Asia/Kolkata".parse().expect("zone");
        let t = kolkata
            .with_ymd_and_hms(2024, 7, 1, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(go_time_string(&t), "2024-07-01 00:00:00 +0530 IST");
        // tzdata has no letters for this zone: Go and chrono-tz both print the numeric form.
        let dubai: Tz = "Asia/Dubai".parse().expect("zone");
        let t = dubai
            .with_ymd_and_hms(2024, 7, 1, 0, 0, 0)
            .single()
            .expect("time");
        assert_eq!(go_time_string(&t), "2024-07-01 00:00:00 +0400 +04");
    }
}
