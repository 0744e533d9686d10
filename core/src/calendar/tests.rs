//! Behaviour of the compiled calendar at fixed instants: schedule choice, zones and DST,
//! exclusions, catch-up bounds, the event shape, and errors for bad specs.

use super::{CalendarError, CompiledCalendar};
use crate::event::Event;
use crate::spec::{CalendarEventSource, CatchupConfiguration, EventPersistence};
use crate::validate::parse_cron;
use chrono::{DateTime, Duration as TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

fn spec(schedule: Option<&str>, interval: Option<&str>, tz: Option<&str>) -> CalendarEventSource {
    CalendarEventSource {
        schedule: schedule.map(Into::into),
        interval: interval.map(Into::into),
        timezone: tz.map(Into::into),
        ..Default::default()
    }
}

fn compile(s: &CalendarEventSource) -> CompiledCalendar {
    CompiledCalendar::compile(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
}

fn ticks(c: &CompiledCalendar, from: &str, n: usize) -> Vec<DateTime<Utc>> {
    let mut t = utc(from);
    (0..n)
        .map(|_| {
            t = c.next_after(t).expect("next tick");
            t
        })
        .collect()
}

fn rfc(ts: &[DateTime<Utc>]) -> Vec<String> {
    ts.iter()
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .collect()
}

fn with_catchup(mut s: CalendarEventSource, max: Option<&str>) -> CalendarEventSource {
    s.persistence = Some(EventPersistence {
        catchup: Some(CatchupConfiguration {
            enabled: Some(true),
            max_duration: max.map(Into::into),
        }),
        config_map: None,
    });
    s
}

#[test]
fn schedule_wins_over_interval() {
    let c = compile(&spec(Some("0 * * * *"), Some("10s"), None));
    assert_eq!(
        rfc(&ticks(&c, "2024-05-01T10:20:00Z", 2)),
        ["2024-05-01T11:00:00Z", "2024-05-01T12:00:00Z"]
    );
    assert!(c.warnings().iter().any(|w| w.contains("interval")));
    // An empty schedule counts as unset.
    let c = compile(&spec(Some(""), Some("10s"), None));
    assert_eq!(
        rfc(&ticks(&c, "2024-05-01T10:20:03.5Z", 3)),
        [
            "2024-05-01T10:20:13Z",
            "2024-05-01T10:20:23Z",
            "2024-05-01T10:20:33Z"
        ]
    );
    assert!(c.warnings().is_empty());
}

#[test]
fn interval_ignores_timezone_and_dst() {
    let c = compile(&spec(None, Some("1h"), Some("America/New_York")));
    // 2024-03-10 02:00 EST -> 03:00 EDT happens at 07:00Z; an interval is absolute time.
    assert_eq!(
        rfc(&ticks(&c, "2024-03-10T05:30:00Z", 3)),
        [
            "2024-03-10T06:30:00Z",
            "2024-03-10T07:30:00Z",
            "2024-03-10T08:30:00Z"
        ]
    );
}

#[test]
fn cron_runs_on_the_zone_wall_clock() {
    let c = compile(&spec(
        Some("0 9 * * MON-FRI"),
        None,
        Some("America/New_York"),
    ));
    // Friday 8 March 09:00 EST, then Monday 11 March 09:00 EDT (DST began on Sunday).
    assert_eq!(
        rfc(&ticks(&c, "2024-03-08T12:00:00Z", 2)),
        ["2024-03-08T14:00:00Z", "2024-03-11T13:00:00Z"]
    );
}

#[test]
fn spring_forward_gap_times_do_not_fire() {
    let ny = Some("America/New_York");
    let c = compile(&spec(Some("30 2 * * *"), None, ny));
    // 2024-03-10 02:30 does not exist in New York: the next 02:30 is on the 11th (EDT).
    assert_eq!(
        rfc(&ticks(&c, "2024-03-09T06:00:00Z", 2)),
        ["2024-03-09T07:30:00Z", "2024-03-11T06:30:00Z"]
    );
    let c = compile(&spec(Some("*/30 * * * *"), None, ny));
    // 01:30 EST (06:30Z), then 03:00 EDT (07:00Z): 02:00 and 02:30 never happen.
    assert_eq!(
        rfc(&ticks(&c, "2024-03-10T06:00:00Z", 3)),
        [
            "2024-03-10T06:30:00Z",
            "2024-03-10T07:00:00Z",
            "2024-03-10T07:30:00Z"
        ]
    );
}

#[test]
fn fall_back_overlap_fires_once_per_offset_like_robfig() {
    let ny = Some("America/New_York");
    let c = compile(&spec(Some("30 1 * * *"), None, ny));
    // 2024-11-03 01:30 happens twice: 01:30 EDT (05:30Z) and 01:30 EST (06:30Z).
    assert_eq!(
        rfc(&ticks(&c, "2024-11-02T12:00:00Z", 3)),
        [
            "2024-11-03T05:30:00Z",
            "2024-11-03T06:30:00Z",
            "2024-11-04T06:30:00Z"
        ]
    );
    // A frequent schedule keeps its real-time spacing through the repeated hour.
    let c = compile(&spec(Some("*/15 * * * *"), None, ny));
    let got = ticks(&c, "2024-11-03T04:50:00Z", 10);
    assert_eq!(got[0], utc("2024-11-03T05:00:00Z"));
    for w in got.windows(2) {
        assert_eq!(w[1] - w[0], TimeDelta::minutes(15), "{:?}", rfc(&got));
    }
}

/// Reference: robfig walks absolute time, so its next tick is the first whole minute after `t`
/// whose wall-clock reading in the zone matches. Checked minute by minute around transitions
/// in zones with 1 h, 30 min and southern-hemisphere DST.
#[test]
fn next_tick_equals_brute_force_walk_around_transitions() {
    let cases = [
        ("America/New_York", "2024-11-03T03:00:00Z", "*/20 1 * * *"),
        (
            "America/New_York",
            "2024-03-10T05:00:00Z",
            "10,40 1-3 * * *",
        ),
        ("Europe/London", "2024-10-27T00:00:00Z", "0,45 1 * * *"),
        ("Europe/London", "2024-03-31T00:00:00Z", "*/25 * * * *"),
        (
            "Australia/Lord_Howe",
            "2024-04-06T13:00:00Z",
            "*/10 1 * * *",
        ),
        ("Australia/Lord_Howe", "2024-10-05T14:00:00Z", "15 2 * * *"),
        ("Australia/Sydney", "2024-04-06T14:00:00Z", "0 2 * * SUN"),
    ];
    for (zone, start, cron) in cases {
        let tz: Tz = zone.parse().expect("zone");
        let c = compile(&spec(Some(cron), None, Some(zone)));
        let parsed = parse_cron(cron).expect("cron");
        let start = utc(start);
        for k in 0..(6 * 60 / 7) {
            let t = start + TimeDelta::minutes(7 * k) + TimeDelta::seconds(k % 3 * 20);
            let mut u = t.with_second(0).expect("sec") + TimeDelta::minutes(1);
            let expected = loop {
                let l = u.with_timezone(&tz);
                if parsed.matches_local(l.date_naive(), l.hour(), l.minute()) {
                    break u;
                }
                u += TimeDelta::minutes(1);
                assert!(u - t < TimeDelta::days(9), "{zone} {cron}: no tick");
            };
            assert_eq!(c.next_after(t), Some(expected), "{zone} {cron} after {t}");
        }
    }
}

#[test]
fn cron_tz_prefix_overrides_timezone_for_ticks() {
    let c = compile(&spec(
        Some("CRON_TZ=Asia/Tokyo 0 9 * * *"),
        None,
        Some("America/New_York"),
    ));
    assert_eq!(
        rfc(&ticks(&c, "2024-06-01T00:00:00Z", 2)),
        ["2024-06-02T00:00:00Z", "2024-06-03T00:00:00Z"]
    );
    // eventTime is still written in the calendar's timezone (robfig returns Next in the
    // location it was given).
    assert_eq!(
        c.event_time(utc("2024-06-02T00:00:00Z")),
        "2024-06-01 20:00:00 -0400 EDT"
    );
}

#[test]
fn never_firing_schedule_has_no_next_tick() {
    let c = compile(&spec(Some("0 0 30 2 *"), None, None));
    assert_eq!(c.next_after(utc("2024-01-01T00:00:00Z")), None);
    let c = compile(&spec(Some("0 0 29 2 *"), None, None));
    assert_eq!(
        c.next_after(utc("2024-03-01T00:00:00Z")),
        Some(utc("2028-02-29T00:00:00Z"))
    );
}

#[test]
fn exclusion_dates_skip_whole_days() {
    let mut s = spec(Some("0 12 * * *"), None, None);
    s.exclusion_dates = vec![
        "EXDATE:20241225T150405Z".into(),
        "EXDATE:20241226T000000Z,20241231T000000Z".into(),
    ];
    let c = compile(&s);
    assert_eq!(
        rfc(&ticks(&c, "2024-12-24T00:00:00Z", 5)),
        [
            "2024-12-24T12:00:00Z",
            "2024-12-27T12:00:00Z",
            "2024-12-28T12:00:00Z",
            "2024-12-29T12:00:00Z",
            "2024-12-30T12:00:00Z"
        ]
    );
    assert_eq!(
        c.next_after(utc("2024-12-30T12:00:00Z")),
        Some(utc("2025-01-01T12:00:00Z"))
    );
    // Every-minute schedule over an excluded day: one jump, not 1440 steps (and the same
    // answer).
    let mut s = spec(Some("* * * * *"), None, None);
    s.exclusion_dates = vec!["EXDATE:20241225T000000Z".into()];
    let c = compile(&s);
    assert_eq!(
        c.next_after(utc("2024-12-24T23:59:00Z")),
        Some(utc("2024-12-26T00:00:00Z"))
    );
}

#[test]
fn exclusion_dates_match_the_calendar_zone_date() {
    // 08:00 in Auckland on 25 Dec is 19:00Z on 24 Dec: excluded by its local date.
    let mut s = spec(Some("0 8 * * *"), None, Some("Pacific/Auckland"));
    s.exclusion_dates = vec!["EXDATE:20241225T000000Z".into()];
    let c = compile(&s);
    assert_eq!(
        rfc(&ticks(&c, "2024-12-23T20:00:00Z", 2)),
        ["2024-12-25T19:00:00Z", "2024-12-26T19:00:00Z"]
    );
    assert!(c.is_excluded(utc("2024-12-24T19:00:00Z")));
    assert!(!c.is_excluded(utc("2024-12-25T12:00:00Z")));
}

#[test]
fn interval_keeps_its_phase_across_excluded_days() {
    let mut s = spec(None, Some("7s"), None);
    s.exclusion_dates = vec!["EXDATE:20241225T000000Z".into()];
    let c = compile(&s);
    let t0 = utc("2024-12-24T23:59:58Z");
    let got = c.next_after(t0).expect("tick");
    // Reference: walk the plain chain t0 + 7s, t0 + 14s, … to the first link on the 26th.
    let mut expected = t0;
    while expected < utc("2024-12-26T00:00:00Z") {
        expected += TimeDelta::seconds(7);
    }
    assert_eq!(got, expected);
    assert_eq!(c.next_after(got), Some(got + TimeDelta::seconds(7)));
}

#[test]
fn catchup_off_misses_nothing() {
    let c = compile(&spec(Some("* * * * *"), None, None));
    assert!(c
        .missed(utc("2024-01-01T00:00:00Z"), utc("2024-01-01T01:00:00Z"))
        .is_empty());
    assert_eq!(
        c.resume_point(
            Some(utc("2024-01-01T00:00:00Z")),
            utc("2024-01-01T01:00:00Z")
        ),
        utc("2024-01-01T01:00:00Z")
    );
    // Catch-up configured but not enabled.
    let mut s = with_catchup(spec(Some("* * * * *"), None, None), None);
    if let Some(cu) = s.persistence.as_mut().and_then(|p| p.catchup.as_mut()) {
        cu.enabled = Some(false);
    }
    assert!(compile(&s)
        .missed(utc("2024-01-01T00:00:00Z"), utc("2024-01-01T01:00:00Z"))
        .is_empty());
}

#[test]
fn catchup_fires_ticks_since_last_bounded_by_max_duration() {
    let last = utc("2024-01-01T10:00:00Z");
    let now = utc("2024-01-01T10:05:00Z");
    let c = compile(&with_catchup(spec(Some("* * * * *"), None, None), None));
    assert_eq!(
        rfc(&c.missed(last, now)),
        [
            "2024-01-01T10:01:00Z",
            "2024-01-01T10:02:00Z",
            "2024-01-01T10:03:00Z",
            "2024-01-01T10:04:00Z",
            "2024-01-01T10:05:00Z"
        ]
    );
    let c = compile(&with_catchup(
        spec(Some("* * * * *"), None, None),
        Some("2m30s"),
    ));
    assert_eq!(
        rfc(&c.missed(last, now)),
        [
            "2024-01-01T10:03:00Z",
            "2024-01-01T10:04:00Z",
            "2024-01-01T10:05:00Z"
        ]
    );
    // The bound only applies when the last tick is older than it.
    assert_eq!(
        rfc(&c.missed(utc("2024-01-01T10:04:00Z"), now)),
        ["2024-01-01T10:05:00Z"]
    );
    // maxDuration 0: nothing is caught up (Argo moves the start to now).
    let c = compile(&with_catchup(
        spec(Some("* * * * *"), None, None),
        Some("0s"),
    ));
    assert!(c.missed(last, now).is_empty());
}

#[test]
fn catchup_respects_exclusions_and_clock_steps_back() {
    let mut s = with_catchup(spec(Some("0 * * * *"), None, None), Some("72h"));
    s.exclusion_dates = vec!["EXDATE:20240102T000000Z".into()];
    let c = compile(&s);
    let got = c.missed(utc("2024-01-01T22:30:00Z"), utc("2024-01-03T01:10:00Z"));
    assert_eq!(
        rfc(&got),
        [
            "2024-01-01T23:00:00Z",
            "2024-01-03T00:00:00Z",
            "2024-01-03T01:00:00Z"
        ]
    );
    // A last tick in the future (clock stepped back) owes nothing and is never repeated.
    let last = utc("2024-01-03T05:00:00Z");
    let now = utc("2024-01-03T01:10:00Z");
    assert!(c.missed(last, now).is_empty());
    assert_eq!(c.resume_point(Some(last), now), last);
    assert_eq!(c.resume_point(None, now), now);
}

#[test]
fn catchup_of_an_interval_continues_its_chain() {
    let c = compile(&with_catchup(spec(None, Some("90s"), None), Some("1h")));
    let got = c.missed(utc("2024-01-01T10:00:00Z"), utc("2024-01-01T10:05:00Z"));
    assert_eq!(
        rfc(&got),
        [
            "2024-01-01T10:01:30Z",
            "2024-01-01T10:03:00Z",
            "2024-01-01T10:04:30Z"
        ]
    );
}

#[test]
fn event_has_argo_calendar_shape() {
    let mut s = spec(Some("30 * * * *"), None, Some("Europe/Paris"));
    s.metadata.insert("zeta".into(), "last".into());
    s.metadata.insert("hello".into(), "<world & co>".into());
    let c = compile(&s);
    let tick = utc("2024-07-01T08:30:00Z");
    let ev: Event = c.event("cal-es", "hourly", tick, "abc123".into());
    assert_eq!(
        std::str::from_utf8(ev.data()).expect("utf8"),
        r#"{"eventTime":"2024-07-01 10:30:00 +0200 CEST","metadata":{"hello":"\u003cworld \u0026 co\u003e","zeta":"last"}}"#
    );
    assert_eq!(ev.context.id, "abc123");
    assert_eq!(ev.context.source, "cal-es");
    assert_eq!(ev.context.subject, "hourly");
    assert_eq!(ev.context.r#type, "calendar");
    assert_eq!(ev.context.datacontenttype, "application/json");
    assert_eq!(ev.context.specversion, "1.0");
    assert_eq!(ev.context.time, tick);
    assert!(ev.json_data().is_some());
    // No metadata: the key is left out (omitempty). UTC when no timezone.
    let c = compile(&spec(None, Some("10s"), None));
    let ev = c.event("es", "e", utc("2024-07-01T08:30:10Z"), "x".into());
    assert_eq!(
        std::str::from_utf8(ev.data()).expect("utf8"),
        r#"{"eventTime":"2024-07-01 08:30:10 +0000 UTC"}"#
    );
}

#[test]
fn bad_specs_name_their_field() {
    let cases: Vec<(CalendarEventSource, &str, &str)> = vec![
        (spec(None, None, None), "schedule", "neither"),
        (spec(Some("0 0 * *"), None, None), "schedule", "exactly 5"),
        (spec(Some("@daily"), None, None), "schedule", "descriptors"),
        (spec(Some("61 * * * *"), None, None), "schedule", "maximum"),
        (spec(None, Some("10"), None), "interval", "Go duration"),
        (spec(None, Some("0s"), None), "interval", "shorter than 1s"),
        (
            spec(None, Some("500ms"), None),
            "interval",
            "shorter than 1s",
        ),
        (spec(None, Some("-5s"), None), "interval", "negative"),
        (
            spec(Some("* * * * *"), None, Some("Mars/Olympus")),
            "timezone",
            "IANA",
        ),
        (
            {
                let mut s = spec(Some("* * * * *"), None, None);
                s.exclusion_dates = vec!["x".into(), "EXDATE:2024-12-25".into()];
                s
            },
            "exclusionDates[1]",
            "20060102T150405Z",
        ),
        (
            with_catchup(spec(Some("* * * * *"), None, None), Some("1 day")),
            "persistence.catchup.maxDuration",
            "Go duration",
        ),
    ];
    for (s, field, frag) in cases {
        let err: CalendarError = CompiledCalendar::compile(&s).expect_err(field);
        assert_eq!(err.field(), field, "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("`{field}`")) || field == "schedule",
            "{msg}"
        );
        assert!(msg.contains(frag), "{field}: {msg}");
    }
}

#[test]
fn ignored_exclusion_entries_are_reported_not_fatal() {
    let mut s = spec(Some("0 12 * * *"), None, None);
    s.exclusion_dates = vec!["2024-12-25".into()];
    let c = compile(&s);
    assert_eq!(c.warnings().len(), 1);
    // And they exclude nothing, as in Argo.
    assert_eq!(
        c.next_after(utc("2024-12-25T00:00:00Z")),
        Some(utc("2024-12-25T12:00:00Z"))
    );
}

#[test]
fn event_time_round_trips_through_go_layout() {
    // Argo parses the persisted eventTime with "2006-01-02 15:04:05.999999999 -0700 MST";
    // our text must carry the same instant.
    let c = compile(&spec(
        Some("*/5 * * * *"),
        None,
        Some("America/Los_Angeles"),
    ));
    for tick in ticks(&c, "2024-11-03T08:40:00Z", 12) {
        let text = c.event_time(tick);
        let (stamp, _abbr) = text.rsplit_once(' ').expect("abbr");
        let back = DateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S %z").expect("parse");
        assert_eq!(back.with_timezone(&Utc), tick, "{text}");
    }
}
