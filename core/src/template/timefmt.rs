//! Go `time` semantics needed by Sprig: reference-layout formatting and
//! parsing (`2006-01-02T15:04:05Z07:00`), `Time.String`, `Duration.String`
//! and `time.ParseDuration`.
//!
//! The engine never reads the clock or the host time zone: Go's `Local` is
//! taken to be UTC (what Argo's containers run with by default).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone, Timelike, Utc};
use chrono_tz::OffsetName;

/// A Go `time.Time`: an instant, its offset and the zone abbreviation Go would
/// print for `MST` (empty for a fabricated fixed zone, printed as `-0700`).
#[derive(Debug, Clone)]
pub(crate) struct GoTime {
    pub(crate) dt: DateTime<FixedOffset>,
    pub(crate) zone: String,
}

impl GoTime {
    pub(crate) fn utc(dt: DateTime<Utc>) -> GoTime {
        GoTime {
            dt: dt.fixed_offset(),
            zone: "UTC".to_string(),
        }
    }

    /// Go's zero `time.Time{}` (0001-01-01 00:00:00 UTC).
    pub(crate) fn zero() -> GoTime {
        let dt = NaiveDate::from_ymd_opt(1, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|n| n.and_utc())
            .unwrap_or_default();
        GoTime::utc(dt)
    }

    /// `time.Unix(secs, 0)` in Go's `Local` (UTC here).
    pub(crate) fn from_unix(secs: i64) -> Option<GoTime> {
        DateTime::from_timestamp(secs, 0).map(GoTime::utc)
    }

    /// `t.In(loc)` for an IANA zone name; unknown names fall back to UTC as
    /// Sprig's `dateInZone` does.
    pub(crate) fn in_zone(&self, zone: &str) -> GoTime {
        let utc = self.dt.with_timezone(&Utc);
        if zone.is_empty() || zone == "UTC" || zone == "Local" {
            return GoTime::utc(utc);
        }
        match zone.parse::<chrono_tz::Tz>() {
            Ok(tz) => {
                let local = utc.with_timezone(&tz);
                let off = local.offset();
                let name = off.abbreviation().unwrap_or("").to_string();
                GoTime {
                    dt: local.with_timezone(&off.fix()),
                    zone: name,
                }
            }
            Err(_) => GoTime::utc(utc),
        }
    }

    pub(crate) fn unix(&self) -> i64 {
        self.dt.timestamp()
    }

    pub(crate) fn unix_nano(&self) -> i128 {
        i128::from(self.dt.timestamp()) * 1_000_000_000
            + i128::from(self.dt.timestamp_subsec_nanos())
    }

    pub(crate) fn same_as(&self, other: &GoTime) -> bool {
        self.dt == other.dt && self.dt.offset() == other.dt.offset() && self.zone == other.zone
    }

    /// `t.Add(d)`.
    pub(crate) fn add_nanos(&self, nanos: i64) -> Option<GoTime> {
        let dt = self
            .dt
            .checked_add_signed(chrono::Duration::nanoseconds(nanos))?;
        Some(GoTime {
            dt,
            zone: self.zone.clone(),
        })
    }

    /// Go's `Time.String()`.
    pub(crate) fn go_string(&self) -> String {
        format(self, "2006-01-02 15:04:05.999999999 -0700 MST")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    Iso8601TZ,
    Iso8601SecondsTZ,
    Iso8601ShortTZ,
    Iso8601ColonTZ,
    Iso8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// Fractional seconds: digits, trailing-zero trimming (`9`), separator.
    Frac(usize, bool, u8),
}

const LONG_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const LONG_DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn starts_lower(s: &str) -> bool {
    s.as_bytes().first().is_some_and(|b| b.is_ascii_lowercase())
}

fn is_digit_at(s: &str, i: usize) -> bool {
    s.as_bytes().get(i).is_some_and(|b| b.is_ascii_digit())
}

/// Go's `nextStdChunk`: split the layout at the first layout element.
fn next_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let b = layout.as_bytes();
    let has = |i: usize, s: &str| layout.get(i..).is_some_and(|r| r.starts_with(s));
    let mut i = 0;
    while i < b.len() {
        let found: Option<(usize, Std, usize)> = match b[i] {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    Some((i, Std::LongMonth, i + 7))
                } else if !starts_lower(&layout[i + 3..]) {
                    Some((i, Std::Month, i + 3))
                } else {
                    None
                }
            }
            b'M' if has(i, "Mon") => {
                if has(i, "Monday") {
                    Some((i, Std::LongWeekDay, i + 6))
                } else if !starts_lower(&layout[i + 3..]) {
                    Some((i, Std::WeekDay, i + 3))
                } else {
                    None
                }
            }
            b'M' if has(i, "MST") => Some((i, Std::TZ, i + 3)),
            b'0' if b.get(i + 1).is_some_and(|c| (b'1'..=b'6').contains(c)) => {
                let std = match b[i + 1] {
                    b'1' => Std::ZeroMonth,
                    b'2' => Std::ZeroDay,
                    b'3' => Std::ZeroHour12,
                    b'4' => Std::ZeroMinute,
                    b'5' => Std::ZeroSecond,
                    _ => Std::Year,
                };
                Some((i, std, i + 2))
            }
            b'0' if has(i, "002") => Some((i, Std::ZeroYearDay, i + 3)),
            b'1' => {
                if b.get(i + 1) == Some(&b'5') {
                    Some((i, Std::Hour, i + 2))
                } else {
                    Some((i, Std::NumMonth, i + 1))
                }
            }
            b'2' => {
                if has(i, "2006") {
                    Some((i, Std::LongYear, i + 4))
                } else {
                    Some((i, Std::Day, i + 1))
                }
            }
            b'_' if b.get(i + 1) == Some(&b'2') => {
                if has(i + 1, "2006") {
                    // `_2006` is a literal underscore followed by the year.
                    Some((i + 1, Std::LongYear, i + 5))
                } else {
                    Some((i, Std::UnderDay, i + 2))
                }
            }
            b'_' if has(i, "__2") => Some((i, Std::UnderYearDay, i + 3)),
            b'3' => Some((i, Std::Hour12, i + 1)),
            b'4' => Some((i, Std::Minute, i + 1)),
            b'5' => Some((i, Std::Second, i + 1)),
            b'P' if b.get(i + 1) == Some(&b'M') => Some((i, Std::PM, i + 2)),
            b'p' if b.get(i + 1) == Some(&b'm') => Some((i, Std::Pm, i + 2)),
            b'-' => {
                if has(i, "-070000") {
                    Some((i, Std::NumSecondsTz, i + 7))
                } else if has(i, "-07:00:00") {
                    Some((i, Std::NumColonSecondsTZ, i + 9))
                } else if has(i, "-0700") {
                    Some((i, Std::NumTZ, i + 5))
                } else if has(i, "-07:00") {
                    Some((i, Std::NumColonTZ, i + 6))
                } else if has(i, "-07") {
                    Some((i, Std::NumShortTZ, i + 3))
                } else {
                    None
                }
            }
            b'Z' => {
                if has(i, "Z070000") {
                    Some((i, Std::Iso8601SecondsTZ, i + 7))
                } else if has(i, "Z07:00:00") {
                    Some((i, Std::Iso8601ColonSecondsTZ, i + 9))
                } else if has(i, "Z0700") {
                    Some((i, Std::Iso8601TZ, i + 5))
                } else if has(i, "Z07:00") {
                    Some((i, Std::Iso8601ColonTZ, i + 6))
                } else if has(i, "Z07") {
                    Some((i, Std::Iso8601ShortTZ, i + 3))
                } else {
                    None
                }
            }
            c @ (b'.' | b',') if matches!(b.get(i + 1), Some(b'0') | Some(b'9')) => {
                let ch = b[i + 1];
                let mut j = i + 1;
                while b.get(j) == Some(&ch) {
                    j += 1;
                }
                // Only a fractional second if the digit run ends here.
                if !is_digit_at(layout, j) {
                    Some((i, Std::Frac(j - (i + 1), ch == b'9', c), j))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((start, std, end)) = found {
            return (&layout[..start], Some(std), &layout[end..]);
        }
        i += 1;
    }
    (layout, None, "")
}

fn append_int(out: &mut String, x: i64, width: usize) {
    if x < 0 {
        out.push('-');
    }
    let s = x.unsigned_abs().to_string();
    for _ in s.len()..width {
        out.push('0');
    }
    out.push_str(&s);
}

/// Go's `Time.Format(layout)`.
pub(crate) fn format(t: &GoTime, layout: &str) -> String {
    let dt = &t.dt;
    let mut out = String::with_capacity(layout.len() + 10);
    let mut rest = layout;
    let offset = dt.offset().local_minus_utc();
    loop {
        let (prefix, std, suffix) = next_chunk(rest);
        out.push_str(prefix);
        let Some(std) = std else { break };
        rest = suffix;
        let year = i64::from(dt.year());
        let hour = i64::from(dt.hour());
        match std {
            Std::Year => append_int(&mut out, year.rem_euclid(100), 2),
            Std::LongYear => append_int(&mut out, year, 4),
            Std::Month => out.push_str(&LONG_MONTHS[dt.month0() as usize][..3]),
            Std::LongMonth => out.push_str(LONG_MONTHS[dt.month0() as usize]),
            Std::NumMonth => append_int(&mut out, i64::from(dt.month()), 0),
            Std::ZeroMonth => append_int(&mut out, i64::from(dt.month()), 2),
            Std::WeekDay => {
                out.push_str(&LONG_DAYS[dt.weekday().num_days_from_sunday() as usize][..3])
            }
            Std::LongWeekDay => {
                out.push_str(LONG_DAYS[dt.weekday().num_days_from_sunday() as usize])
            }
            Std::Day => append_int(&mut out, i64::from(dt.day()), 0),
            Std::UnderDay => {
                if dt.day() < 10 {
                    out.push(' ');
                }
                append_int(&mut out, i64::from(dt.day()), 0)
            }
            Std::ZeroDay => append_int(&mut out, i64::from(dt.day()), 2),
            Std::UnderYearDay => {
                let yd = dt.ordinal();
                if yd < 100 {
                    out.push(' ');
                    if yd < 10 {
                        out.push(' ');
                    }
                }
                append_int(&mut out, i64::from(yd), 0)
            }
            Std::ZeroYearDay => append_int(&mut out, i64::from(dt.ordinal()), 3),
            Std::Hour => append_int(&mut out, hour, 2),
            Std::Hour12 | Std::ZeroHour12 => {
                let mut hr = hour % 12;
                if hr == 0 {
                    hr = 12;
                }
                append_int(&mut out, hr, if std == Std::Hour12 { 0 } else { 2 })
            }
            Std::Minute => append_int(&mut out, i64::from(dt.minute()), 0),
            Std::ZeroMinute => append_int(&mut out, i64::from(dt.minute()), 2),
            Std::Second => append_int(&mut out, i64::from(dt.second()), 0),
            Std::ZeroSecond => append_int(&mut out, i64::from(dt.second()), 2),
            Std::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
            Std::Iso8601TZ
            | Std::Iso8601SecondsTZ
            | Std::Iso8601ShortTZ
            | Std::Iso8601ColonTZ
            | Std::Iso8601ColonSecondsTZ
            | Std::NumTZ
            | Std::NumSecondsTz
            | Std::NumShortTZ
            | Std::NumColonTZ
            | Std::NumColonSecondsTZ => {
                let iso = matches!(
                    std,
                    Std::Iso8601TZ
                        | Std::Iso8601SecondsTZ
                        | Std::Iso8601ShortTZ
                        | Std::Iso8601ColonTZ
                        | Std::Iso8601ColonSecondsTZ
                );
                if offset == 0 && iso {
                    out.push('Z');
                    continue;
                }
                let mut zone = i64::from(offset / 60);
                let mut abs = i64::from(offset);
                if zone < 0 {
                    out.push('-');
                    zone = -zone;
                    abs = -abs;
                } else {
                    out.push('+');
                }
                append_int(&mut out, zone / 60, 2);
                let colon = matches!(
                    std,
                    Std::Iso8601ColonTZ
                        | Std::NumColonTZ
                        | Std::Iso8601ColonSecondsTZ
                        | Std::NumColonSecondsTZ
                );
                if colon {
                    out.push(':');
                }
                if !matches!(std, Std::NumShortTZ | Std::Iso8601ShortTZ) {
                    append_int(&mut out, zone % 60, 2);
                }
                if matches!(
                    std,
                    Std::Iso8601SecondsTZ
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTZ
                        | Std::Iso8601ColonSecondsTZ
                ) {
                    if matches!(std, Std::NumColonSecondsTZ | Std::Iso8601ColonSecondsTZ) {
                        out.push(':');
                    }
                    append_int(&mut out, abs % 60, 2);
                }
            }
            Std::TZ => {
                if !t.zone.is_empty() {
                    out.push_str(&t.zone);
                    continue;
                }
                let mut zone = i64::from(offset / 60);
                if zone < 0 {
                    out.push('-');
                    zone = -zone;
                } else {
                    out.push('+');
                }
                append_int(&mut out, zone / 60, 2);
                append_int(&mut out, zone % 60, 2);
            }
            Std::Frac(n, trim, sep) => {
                let nanos = dt.nanosecond() % 1_000_000_000;
                if trim && (n == 0 || nanos == 0) {
                    continue;
                }
                let digits = format!("{nanos:09}");
                let mut frac = &digits[..n.min(9)];
                if trim {
                    frac = frac.trim_end_matches('0');
                }
                if !frac.is_empty() || !trim {
                    out.push(char::from(sep));
                    out.push_str(frac);
                }
            }
        }
    }
    out
}

fn getnum(s: &str, fixed: bool) -> Option<(i64, &str)> {
    if !is_digit_at(s, 0) {
        return None;
    }
    let b = s.as_bytes();
    if !is_digit_at(s, 1) {
        if fixed {
            return None;
        }
        return Some((i64::from(b[0] - b'0'), &s[1..]));
    }
    Some((
        i64::from(b[0] - b'0') * 10 + i64::from(b[1] - b'0'),
        &s[2..],
    ))
}

fn getnum3(s: &str, fixed: bool) -> Option<(i64, &str)> {
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && is_digit_at(s, i) {
        n = n * 10 + i64::from(s.as_bytes()[i] - b'0');
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return None;
    }
    Some((n, &s[i..]))
}

/// Case-insensitive prefix lookup in a name table (Go's `lookup`).
fn lookup<'v>(names: &[&str], val: &'v str, short: bool) -> Option<(usize, &'v str)> {
    for (i, name) in names.iter().enumerate() {
        let name = if short { &name[..3] } else { name };
        if val.len() >= name.len()
            && val.is_char_boundary(name.len())
            && val[..name.len()].eq_ignore_ascii_case(name)
        {
            return Some((i, &val[name.len()..]));
        }
    }
    None
}

/// Go's `skip`: match a literal layout prefix, where a space matches a run of spaces.
fn skip<'v>(mut value: &'v str, mut prefix: &str) -> Option<&'v str> {
    while !prefix.is_empty() {
        if prefix.starts_with(' ') {
            if !value.is_empty() && !value.starts_with(' ') {
                return None;
            }
            prefix = prefix.trim_start_matches(' ');
            value = value.trim_start_matches(' ');
            continue;
        }
        let c = prefix.chars().next()?;
        if !value.starts_with(c) {
            return None;
        }
        prefix = &prefix[c.len_utf8()..];
        value = &value[c.len_utf8()..];
    }
    Some(value)
}

fn parse_nanos(value: &str, nbytes: usize) -> Option<i64> {
    if !matches!(value.as_bytes().first(), Some(b'.') | Some(b',')) {
        return None;
    }
    let nbytes = nbytes.min(10);
    let digits = value.get(1..nbytes)?;
    let mut ns: i64 = digits.parse().ok()?;
    for _ in 0..(10 - nbytes) {
        ns *= 10;
    }
    Some(ns)
}

/// Length of a time zone abbreviation at the start of `value` (Go's `parseTimeZone`, simplified).
fn zone_len(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if value.starts_with("ChST") || value.starts_with("MeST") {
        return Some(4);
    }
    if let Some(rest) = value.strip_prefix("GMT") {
        // GMT, GMT+h, GMT-h.
        let rb = rest.as_bytes();
        if matches!(rb.first(), Some(b'+') | Some(b'-')) {
            let n = rb[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 0 {
                return Some(3 + 1 + n);
            }
        }
        return Some(3);
    }
    if matches!(b[0], b'+' | b'-') {
        let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        return (n == 2 || n == 4).then_some(1 + n);
    }
    let n = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    match n {
        3 => Some(3),
        4 if b[3] == b'T' || value.starts_with("WITA") => Some(4),
        5 if b[4] == b'T' => Some(5),
        _ => None,
    }
}

/// Go's `time.ParseInLocation(layout, value, time.Local)` with Local = UTC.
pub(crate) fn parse(layout: &str, value: &str) -> Result<GoTime, String> {
    let bad = || format!("parsing time {value:?} as {layout:?}: cannot parse");
    let mut lay = layout;
    let mut val = value;
    let (mut year, mut month, mut day, mut yday) = (0i64, -1i64, -1i64, -1i64);
    let (mut hour, mut min, mut sec, mut nsec) = (0i64, 0i64, 0i64, 0i64);
    let (mut am, mut pm) = (false, false);
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();
    loop {
        let (prefix, std, suffix) = next_chunk(lay);
        val = skip(val, prefix).ok_or_else(bad)?;
        let Some(std) = std else {
            if !val.is_empty() {
                return Err(format!("parsing time {value:?}: extra text: {val:?}"));
            }
            break;
        };
        lay = suffix;
        let range_err = |what: &str| format!("parsing time {value:?}: {what} out of range");
        match std {
            Std::Year => {
                let p = val.get(..2).ok_or_else(bad)?;
                year = p.parse().map_err(|_| bad())?;
                year += if year >= 69 { 1900 } else { 2000 };
                val = &val[2..];
            }
            Std::LongYear => {
                if !is_digit_at(val, 0) {
                    return Err(bad());
                }
                let p = val.get(..4).ok_or_else(bad)?;
                year = p.parse().map_err(|_| bad())?;
                val = &val[4..];
            }
            Std::Month | Std::LongMonth => {
                let (m, r) = lookup(&LONG_MONTHS, val, std == Std::Month).ok_or_else(bad)?;
                month = m as i64 + 1;
                val = r;
            }
            Std::NumMonth | Std::ZeroMonth => {
                let (m, r) = getnum(val, std == Std::ZeroMonth).ok_or_else(bad)?;
                if !(1..=12).contains(&m) {
                    return Err(range_err("month"));
                }
                month = m;
                val = r;
            }
            Std::WeekDay | Std::LongWeekDay => {
                let (_, r) = lookup(&LONG_DAYS, val, std == Std::WeekDay).ok_or_else(bad)?;
                val = r;
            }
            Std::Day | Std::UnderDay | Std::ZeroDay => {
                if std == Std::UnderDay {
                    val = val.strip_prefix(' ').unwrap_or(val);
                }
                let (d, r) = getnum(val, std == Std::ZeroDay).ok_or_else(bad)?;
                day = d;
                val = r;
            }
            Std::UnderYearDay | Std::ZeroYearDay => {
                for _ in 0..2 {
                    if std == Std::UnderYearDay {
                        val = val.strip_prefix(' ').unwrap_or(val);
                    }
                }
                let (d, r) = getnum3(val, std == Std::ZeroYearDay).ok_or_else(bad)?;
                yday = d;
                val = r;
            }
            Std::Hour => {
                let (h, r) = getnum(val, false).ok_or_else(bad)?;
                if !(0..24).contains(&h) {
                    return Err(range_err("hour"));
                }
                hour = h;
                val = r;
            }
            Std::Hour12 | Std::ZeroHour12 => {
                let (h, r) = getnum(val, std == Std::ZeroHour12).ok_or_else(bad)?;
                if !(0..=12).contains(&h) {
                    return Err(range_err("hour"));
                }
                hour = h;
                val = r;
            }
            Std::Minute | Std::ZeroMinute => {
                let (m, r) = getnum(val, std == Std::ZeroMinute).ok_or_else(bad)?;
                if !(0..60).contains(&m) {
                    return Err(range_err("minute"));
                }
                min = m;
                val = r;
            }
            Std::Second | Std::ZeroSecond => {
                let (s, r) = getnum(val, std == Std::ZeroSecond).ok_or_else(bad)?;
                if !(0..60).contains(&s) {
                    return Err(range_err("second"));
                }
                sec = s;
                val = r;
                // A fractional second in the value but not in the layout is accepted.
                let vb = val.as_bytes();
                if vb.len() >= 2 && matches!(vb[0], b'.' | b',') && vb[1].is_ascii_digit() {
                    let (_, next, _) = next_chunk(lay);
                    if !matches!(next, Some(Std::Frac(..))) {
                        let mut n = 2;
                        while is_digit_at(val, n) {
                            n += 1;
                        }
                        nsec = parse_nanos(val, n).ok_or_else(bad)?;
                        val = &val[n..];
                    }
                }
            }
            Std::PM | Std::Pm => {
                let p = val.get(..2).ok_or_else(bad)?;
                let (pm_s, am_s) = if std == Std::PM {
                    ("PM", "AM")
                } else {
                    ("pm", "am")
                };
                if p == pm_s {
                    pm = true;
                } else if p == am_s {
                    am = true;
                } else {
                    return Err(bad());
                }
                val = &val[2..];
            }
            Std::Iso8601TZ
            | Std::Iso8601SecondsTZ
            | Std::Iso8601ShortTZ
            | Std::Iso8601ColonTZ
            | Std::Iso8601ColonSecondsTZ
            | Std::NumTZ
            | Std::NumSecondsTz
            | Std::NumShortTZ
            | Std::NumColonTZ
            | Std::NumColonSecondsTZ => {
                let iso = matches!(
                    std,
                    Std::Iso8601TZ
                        | Std::Iso8601SecondsTZ
                        | Std::Iso8601ShortTZ
                        | Std::Iso8601ColonTZ
                        | Std::Iso8601ColonSecondsTZ
                );
                if iso && val.starts_with('Z') {
                    val = &val[1..];
                    utc = true;
                    continue;
                }
                let vb = val.as_bytes();
                // Checked slicing: the value may hold multi-byte characters here.
                let part = |r: std::ops::Range<usize>| val.get(r).ok_or_else(bad);
                let (sign, h, m, s, used): (u8, &str, &str, &str, usize) = match std {
                    Std::Iso8601ColonTZ | Std::NumColonTZ => {
                        if vb.len() < 6 || vb[3] != b':' {
                            return Err(bad());
                        }
                        (vb[0], part(1..3)?, part(4..6)?, "00", 6)
                    }
                    Std::NumShortTZ | Std::Iso8601ShortTZ => {
                        if vb.len() < 3 {
                            return Err(bad());
                        }
                        (vb[0], part(1..3)?, "00", "00", 3)
                    }
                    Std::Iso8601ColonSecondsTZ | Std::NumColonSecondsTZ => {
                        if vb.len() < 9 || vb[3] != b':' || vb[6] != b':' {
                            return Err(bad());
                        }
                        (vb[0], part(1..3)?, part(4..6)?, part(7..9)?, 9)
                    }
                    Std::Iso8601SecondsTZ | Std::NumSecondsTz => {
                        if vb.len() < 7 {
                            return Err(bad());
                        }
                        (vb[0], part(1..3)?, part(3..5)?, part(5..7)?, 7)
                    }
                    _ => {
                        if vb.len() < 5 {
                            return Err(bad());
                        }
                        (vb[0], part(1..3)?, part(3..5)?, "00", 5)
                    }
                };
                let hr = getnum(h, true).ok_or_else(bad)?.0;
                let mm = getnum(m, true).ok_or_else(bad)?.0;
                let ss = getnum(s, true).ok_or_else(bad)?.0;
                if hr > 24 || mm > 60 || ss > 60 {
                    return Err(range_err("time zone offset"));
                }
                let off = (hr * 60 + mm) * 60 + ss;
                zone_offset = Some(match sign {
                    b'+' => off,
                    b'-' => -off,
                    _ => return Err(bad()),
                });
                val = val.get(used..).ok_or_else(bad)?;
            }
            Std::TZ => {
                if let Some(r) = val.strip_prefix("UTC") {
                    utc = true;
                    val = r;
                    continue;
                }
                let n = zone_len(val).ok_or_else(bad)?;
                zone_name = val.get(..n).ok_or_else(bad)?.to_string();
                val = &val[n..];
            }
            Std::Frac(n, trim, _) => {
                if !trim {
                    let nd = 1 + n;
                    if val.len() < nd {
                        return Err(bad());
                    }
                    nsec = parse_nanos(val, nd).ok_or_else(bad)?;
                    val = val.get(nd..).ok_or_else(bad)?;
                } else {
                    let vb = val.as_bytes();
                    if vb.len() < 2 || !matches!(vb[0], b'.' | b',') || !vb[1].is_ascii_digit() {
                        continue;
                    }
                    let mut i = 0;
                    while is_digit_at(val, i + 1) {
                        i += 1;
                    }
                    nsec = parse_nanos(val, 1 + i).ok_or_else(bad)?;
                    val = &val[1 + i..];
                }
            }
        }
    }
    if pm && hour < 12 {
        hour += 12;
    } else if am && hour == 12 {
        hour = 0;
    }
    let date = if yday >= 0 {
        let d = NaiveDate::from_yo_opt(
            i32::try_from(year).map_err(|_| bad())?,
            u32::try_from(yday).map_err(|_| bad())?,
        )
        .ok_or_else(|| format!("parsing time {value:?}: day-of-year out of range"))?;
        if (month >= 0 && i64::from(d.month()) != month) || (day >= 0 && i64::from(d.day()) != day)
        {
            return Err(format!(
                "parsing time {value:?}: day-of-year does not match month"
            ));
        }
        d
    } else {
        let m = if month < 0 { 1 } else { month };
        let d = if day < 0 { 1 } else { day };
        NaiveDate::from_ymd_opt(
            i32::try_from(year).map_err(|_| bad())?,
            u32::try_from(m).map_err(|_| bad())?,
            u32::try_from(d).map_err(|_| bad())?,
        )
        .ok_or_else(|| format!("parsing time {value:?}: day out of range"))?
    };
    let naive = date
        .and_hms_nano_opt(hour as u32, min as u32, sec as u32, nsec as u32)
        .ok_or_else(bad)?;
    if utc {
        return Ok(GoTime::utc(naive.and_utc()));
    }
    if let Some(off) = zone_offset {
        let fixed =
            FixedOffset::east_opt(i32::try_from(off).map_err(|_| bad())?).ok_or_else(bad)?;
        let dt = fixed.from_local_datetime(&naive).single().ok_or_else(bad)?;
        // An offset equal to Local's (UTC) is reported in Local.
        if off == 0 && (zone_name.is_empty() || zone_name == "UTC") {
            return Ok(GoTime::utc(dt.with_timezone(&Utc)));
        }
        return Ok(GoTime {
            dt,
            zone: zone_name,
        });
    }
    if !zone_name.is_empty() {
        // Unknown abbreviation: fabricated zone with that name and zero offset
        // (GMT+h carries its offset).
        let mut off = 0i32;
        if let Some(h) = zone_name.strip_prefix("GMT") {
            off = h.parse::<i32>().unwrap_or(0).saturating_mul(3600);
        }
        let fixed = FixedOffset::east_opt(off).ok_or_else(bad)?;
        let dt = fixed.from_local_datetime(&naive).single().ok_or_else(bad)?;
        return Ok(GoTime {
            dt,
            zone: zone_name,
        });
    }
    Ok(GoTime::utc(naive.and_utc()))
}

/// Go's `Duration.String()`.
pub(crate) fn duration_string(d: i64) -> String {
    let neg = d < 0;
    let mut u = d.unsigned_abs();
    let mut out = String::new();
    if u < 1_000_000_000 {
        if u == 0 {
            return "0s".to_string();
        }
        let (prec, unit) = if u < 1_000 {
            (0, "ns")
        } else if u < 1_000_000 {
            (3, "µs")
        } else {
            (6, "ms")
        };
        let (frac, int) = fmt_frac(u, prec);
        out.push_str(&int.to_string());
        out.push_str(&frac);
        out.push_str(unit);
    } else {
        let (frac, secs) = fmt_frac(u, 9);
        u = secs;
        let s = u % 60;
        u /= 60;
        let mut tail = format!("{s}{frac}s");
        if u > 0 {
            let m = u % 60;
            u /= 60;
            tail = format!("{m}m{tail}");
            if u > 0 {
                tail = format!("{u}h{tail}");
            }
        }
        out.push_str(&tail);
    }
    if neg {
        out.insert(0, '-');
    }
    out
}

/// Fraction of `v / 10^prec` without trailing zeros (".5"), and the integer part.
fn fmt_frac(v: u64, prec: u32) -> (String, u64) {
    let pow = 10u64.pow(prec);
    let frac = v % pow;
    let int = v / pow;
    if frac == 0 {
        return (String::new(), int);
    }
    let s = format!("{frac:0width$}", width = prec as usize);
    (format!(".{}", s.trim_end_matches('0')), int)
}

/// Go's `time.ParseDuration`.
pub(crate) fn parse_duration(s: &str) -> Result<i64, String> {
    let orig = s;
    let err = || format!("time: invalid duration {orig:?}");
    let mut s = s;
    let mut neg = false;
    if let Some(r) = s.strip_prefix('-') {
        neg = true;
        s = r;
    } else if let Some(r) = s.strip_prefix('+') {
        s = r;
    }
    if s == "0" {
        return Ok(0);
    }
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u128 = 0;
    while !s.is_empty() {
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &s[..int_len];
        s = &s[int_len..];
        let mut frac_part = "";
        if let Some(r) = s.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            s = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(err());
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        let unit = &s[..unit_len];
        s = &s[unit_len..];
        let scale: u128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "" => return Err(format!("time: missing unit in duration {orig:?}")),
            _ => return Err(format!("time: unknown unit {unit:?} in duration {orig:?}")),
        };
        let iv: u128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse().map_err(|_| err())?
        };
        let mut v = iv.checked_mul(scale).ok_or_else(err)?;
        if !frac_part.is_empty() {
            // Exact up to the nanosecond, like Go's scaled fraction.
            let mut f: u128 = 0;
            let mut div: u128 = 1;
            for b in frac_part.bytes().take(20) {
                f = f * 10 + u128::from(b - b'0');
                div *= 10;
            }
            v += f * scale / div;
        }
        total = total.checked_add(v).ok_or_else(err)?;
        if total > i64::MAX as u128 + u128::from(neg) {
            return Err(err());
        }
    }
    if neg {
        Ok((total as i128).wrapping_neg() as i64)
    } else {
        Ok(total as i64)
    }
}
