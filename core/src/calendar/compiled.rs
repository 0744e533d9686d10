//! A compiled `calendar` event source: when it ticks, which ticks a restart missed, and the
//! event each tick produces — Argo's `calendar/start.go` without its clock and its loop.

use super::error::CalendarError;
use super::exclusion;
use super::gotime::go_time_string;
use super::schedule::Schedule;
use crate::event::{Event, EventContext};
use crate::gojson;
use crate::spec::CalendarEventSource;
use crate::validate::{parse_cron, parse_go_duration, parse_timezone};
use chrono::{DateTime, Duration as TimeDelta, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The CloudEvent `type` Argo gives calendar events.
pub const EVENT_TYPE: &str = "calendar";

/// `persistence.catchup` once read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Catchup {
    /// `maxDuration`: how far back a restart fires missed ticks; `None` is unbounded.
    pub max_duration: Option<TimeDelta>,
}

/// A calendar spec ready to run: pure, all times are arguments.
#[derive(Debug, Clone)]
pub struct CompiledCalendar {
    schedule: Schedule,
    /// `timezone`: the zone ticks are computed in (unless the cron has `CRON_TZ=`), exclusion
    /// dates are matched in, and `eventTime` is written in. UTC when unset, like Argo's
    /// container-local zone.
    tz: Tz,
    excluded: BTreeSet<NaiveDate>,
    metadata: Vec<(String, String)>,
    catchup: Option<Catchup>,
    warnings: Vec<String>,
}

fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

impl CompiledCalendar {
    /// Reads the spec as Argo does: `schedule` wins over `interval`; an empty string counts as
    /// unset. Errors name the field at fault.
    pub fn compile(spec: &CalendarEventSource) -> Result<Self, CalendarError> {
        let mut warnings = Vec::new();
        let schedule = match (text(&spec.schedule), text(&spec.interval)) {
            (Some(cron), interval) => {
                if interval.is_some() {
                    warnings.push(
                        "interval is ignored: Argo uses schedule when both are set".to_string(),
                    );
                }
                Schedule::cron(parse_cron(cron).map_err(CalendarError::Schedule)?)
            }
            (None, Some(interval)) => Schedule::Interval(compile_interval(interval)?),
            (None, None) => return Err(CalendarError::NoSchedule),
        };
        let tz = match text(&spec.timezone) {
            Some(z) => parse_timezone(z).map_err(CalendarError::Timezone)?,
            None => Tz::UTC,
        };
        let ex = exclusion::parse(&spec.exclusion_dates)
            .map_err(|(index, reason)| CalendarError::ExclusionDate { index, reason })?;
        warnings.extend(ex.warnings);
        let catchup = match spec.persistence.as_ref().and_then(|p| p.catchup.as_ref()) {
            Some(c) => {
                let max_duration = match text(&c.max_duration) {
                    Some(m) => Some(to_delta(
                        parse_go_duration(m).map_err(CalendarError::MaxDuration)?,
                        CalendarError::MaxDuration,
                    )?),
                    None => None,
                };
                // Argo also needs `persistence.configMap` for catch-up; locally the runtime's
                // data dir is the store, so `enabled` alone decides.
                (c.enabled == Some(true)).then_some(Catchup { max_duration })
            }
            None => None,
        };
        let mut metadata: Vec<(String, String)> = spec
            .metadata
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        // Go marshals a map with its keys sorted.
        metadata.sort();
        Ok(CompiledCalendar {
            schedule,
            tz,
            excluded: ex.dates,
            metadata,
            catchup,
            warnings,
        })
    }

    /// What the spec says that has no effect (ignored `exclusionDates` entries, an `interval`
    /// shadowed by `schedule`); for the runtime to log.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The calendar's zone (`timezone`, UTC when unset).
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// `persistence.catchup` when it is enabled.
    pub fn catchup(&self) -> Option<Catchup> {
        self.catchup
    }

    /// The first tick strictly after `t`, skipping ticks whose date (in the calendar's zone)
    /// is excluded. `None` when the schedule never fires again (e.g. `0 0 30 2 *`; like robfig
    /// the search gives up after five years).
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut tick = self.schedule.next_after(t, self.tz)?;
        while self.is_excluded(tick) {
            let from = self.schedule.skip_day(tick, self.tz);
            tick = self.schedule.next_after(from, self.tz)?;
        }
        Some(tick)
    }

    /// Whether `tick` falls on an excluded date (its year, month and day in the calendar's zone).
    pub fn is_excluded(&self, tick: DateTime<Utc>) -> bool {
        !self.excluded.is_empty()
            && self
                .excluded
                .contains(&tick.with_timezone(&self.tz).date_naive())
    }

    /// The instant after which ticks are due when the source starts at `now`, given the last
    /// tick recorded as done. Argo: with catch-up, from the last persisted tick, but no further
    /// back than `maxDuration`; without, from `now`. A recorded tick is never due again, even
    /// if the clock stepped back.
    pub fn resume_point(&self, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> DateTime<Utc> {
        let from = match (self.catchup, last) {
            (Some(c), Some(last)) => match c.max_duration.and_then(|m| now.checked_sub_signed(m)) {
                Some(floor) => last.max(floor),
                None => last,
            },
            _ => now,
        };
        match last {
            Some(l) if l > from => l,
            _ => from,
        }
    }

    /// Lazily, the ticks a restart at `now` owes since `last` (the last tick recorded as done):
    /// those after [`resume_point`](Self::resume_point) and not after `now`, oldest first.
    /// Empty when catch-up is off.
    pub fn missed_iter(
        &self,
        last: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let start = self.catchup.map(|_| self.resume_point(Some(last), now));
        let mut cursor = start;
        std::iter::from_fn(move || {
            let tick = self.next_after(cursor?)?;
            if tick > now {
                cursor = None;
                return None;
            }
            cursor = Some(tick);
            Some(tick)
        })
    }

    /// Catch-up: the ticks missed between the last persisted tick and now, as Argo's
    /// persistence does (bounded by `catchup.maxDuration`); empty when catch-up is off.
    /// An unbounded catch-up of a frequent schedule can be long: prefer
    /// [`missed_iter`](Self::missed_iter) to stream it.
    pub fn missed(&self, last: DateTime<Utc>, now: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        self.missed_iter(last, now).collect()
    }

    /// The `eventTime` text of a tick: Go's `time.Time.String()` in the calendar's zone, the
    /// form Argo writes (and parses back for catch-up).
    pub fn event_time(&self, tick: DateTime<Utc>) -> String {
        go_time_string(&tick.with_timezone(&self.tz))
    }

    /// The event data Argo's `CalendarEventData` marshals to:
    /// `{"eventTime":"<Go time>","metadata":{…}}`, `metadata` left out when empty.
    pub fn event_data(&self, tick: DateTime<Utc>) -> String {
        let mut m = Map::new();
        m.insert("eventTime".into(), Value::String(self.event_time(tick)));
        if !self.metadata.is_empty() {
            let meta: Map<String, Value> = self
                .metadata
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            m.insert("metadata".into(), Value::Object(meta));
        }
        // Field order and Go's HTML-safe string escaping, whatever serde_json's map flavour.
        let mut v = Value::Object(m);
        gojson::sort_keys(&mut v);
        gojson::to_string(&v)
    }

    /// The CloudEvent for a tick: `source` the EventSource name, `subject` the event name,
    /// `type` `calendar`, `time` the tick (Argo stamps the dispatch time; the tick keeps this
    /// pure and replays identical).
    pub fn event(&self, es_name: &str, event_name: &str, tick: DateTime<Utc>, id: String) -> Event {
        let context = EventContext {
            id,
            source: es_name.to_string(),
            specversion: "1.0".to_string(),
            r#type: EVENT_TYPE.to_string(),
            datacontenttype: "application/json".to_string(),
            subject: event_name.to_string(),
            time: tick,
        };
        Event::new(context, self.event_data(tick).into_bytes())
    }
}

fn compile_interval(text: &str) -> Result<TimeDelta, CalendarError> {
    let d = parse_go_duration(text).map_err(CalendarError::Interval)?;
    // robfig's ConstantDelaySchedule rounds to whole seconds: below one second Argo's loop
    // computes a tick that is already past and fires without pause.
    if d < std::time::Duration::from_secs(1) {
        return Err(CalendarError::Interval(format!(
            "{text:?} is shorter than 1s; Argo's interval schedule works in whole seconds and fires continuously below that"
        )));
    }
    to_delta(d, CalendarError::Interval)
}

fn to_delta(
    d: std::time::Duration,
    err: fn(String) -> CalendarError,
) -> Result<TimeDelta, CalendarError> {
    TimeDelta::from_std(d).map_err(|_| err(format!("{d:?} is too long")))
}
