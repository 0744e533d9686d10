//! govaluate's date literals.
//!
//! govaluate turns any string *literal* that parses as a date, in one of 14 Go
//! layouts, into a number: the date's Unix time in seconds (`float64(t.Unix())`).
//! This module reproduces Go's `time.Parse` for exactly those layouts, so that
//! `created > '2024-01-01'` compares against the same number as in Argo.
//!
//! govaluate parses in `time.Local`; Argo's sensor pods run in UTC, so a date
//! without a zone is taken as UTC here.

/// One element of a Go layout.
#[derive(Clone, Copy)]
enum El {
    Lit(&'static str),
    /// `2006`
    Year4,
    /// `01`
    Month2,
    /// `Jan`
    MonthName,
    /// `02`
    Day2,
    /// `_2`
    DayUnder,
    /// `15`
    Hour,
    /// `3`
    Hour12,
    /// `04`
    Min2,
    /// `05`
    Sec2,
    /// `.999999999`
    Frac9,
    /// `Mon`
    WeekdayName,
    /// `PM`
    Pm,
    /// `MST`
    TzAbbrev,
    /// `-0700`
    NumTz,
    /// `-07:00`
    NumColonTz,
    /// `Z0700`
    IsoTz,
    /// `Z07:00`
    IsoColonTz,
}

use El::*;

/// govaluate's `tryParseTime` layouts, in its order.
const LAYOUTS: &[&[El]] = &[
    // time.ANSIC "Mon Jan _2 15:04:05 2006"
    &[
        WeekdayName,
        Lit(" "),
        MonthName,
        Lit(" "),
        DayUnder,
        Lit(" "),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        Lit(" "),
        Year4,
    ],
    // time.UnixDate "Mon Jan _2 15:04:05 MST 2006"
    &[
        WeekdayName,
        Lit(" "),
        MonthName,
        Lit(" "),
        DayUnder,
        Lit(" "),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        Lit(" "),
        TzAbbrev,
        Lit(" "),
        Year4,
    ],
    // time.RubyDate "Mon Jan 02 15:04:05 -0700 2006"
    &[
        WeekdayName,
        Lit(" "),
        MonthName,
        Lit(" "),
        Day2,
        Lit(" "),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        Lit(" "),
        NumTz,
        Lit(" "),
        Year4,
    ],
    // time.Kitchen "3:04PM"
    &[Hour12, Lit(":"), Min2, Pm],
    // time.RFC3339 "2006-01-02T15:04:05Z07:00"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit("T"),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        IsoColonTz,
    ],
    // time.RFC3339Nano "2006-01-02T15:04:05.999999999Z07:00"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit("T"),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        Frac9,
        IsoColonTz,
    ],
    // "2006-01-02"
    &[Year4, Lit("-"), Month2, Lit("-"), Day2],
    // "2006-01-02 15:04"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit(" "),
        Hour,
        Lit(":"),
        Min2,
    ],
    // "2006-01-02 15:04:05"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit(" "),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
    ],
    // "2006-01-02 15:04:05-07:00"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit(" "),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        NumColonTz,
    ],
    // "2006-01-02T15Z0700"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit("T"),
        Hour,
        IsoTz,
    ],
    // "2006-01-02T15:04Z0700"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit("T"),
        Hour,
        Lit(":"),
        Min2,
        IsoTz,
    ],
    // "2006-01-02T15:04:05Z0700"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit("T"),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        IsoTz,
    ],
    // "2006-01-02T15:04:05.999999999Z0700"
    &[
        Year4,
        Lit("-"),
        Month2,
        Lit("-"),
        Day2,
        Lit("T"),
        Hour,
        Lit(":"),
        Min2,
        Lit(":"),
        Sec2,
        Frac9,
        IsoTz,
    ],
];

const SHORT_DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The Unix time, in seconds, of `s` if govaluate would read it as a date.
pub(super) fn try_parse_time(s: &str) -> Option<i64> {
    LAYOUTS.iter().find_map(|layout| parse_layout(layout, s))
}

struct Parsed {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    min: i64,
    sec: i64,
    /// Seconds east of UTC.
    offset: i64,
    pm: Option<bool>,
}

fn parse_layout(layout: &[El], input: &str) -> Option<i64> {
    let mut v = input.as_bytes();
    let mut p = Parsed {
        year: 0,
        month: -1,
        day: -1,
        hour: 0,
        min: 0,
        sec: 0,
        offset: 0,
        pm: None,
    };
    for (i, el) in layout.iter().enumerate() {
        match *el {
            Lit(lit) => v = skip(v, lit.as_bytes())?,
            Year4 => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return None;
                }
                p.year = digits(&v[..4]);
                v = &v[4..];
            }
            Month2 => {
                let (m, rest) = getnum(v, true)?;
                if !(1..=12).contains(&m) {
                    return None;
                }
                p.month = m;
                v = rest;
            }
            MonthName => {
                let idx = lookup(&SHORT_MONTHS, v)?;
                p.month = idx as i64 + 1;
                v = &v[3..];
            }
            Day2 | DayUnder => {
                if matches!(el, DayUnder) && v.first() == Some(&b' ') {
                    v = &v[1..];
                }
                let (d, rest) = getnum(v, matches!(el, Day2))?;
                p.day = d;
                v = rest;
            }
            Hour => {
                let (h, rest) = getnum(v, false)?;
                if !(0..24).contains(&h) {
                    return None;
                }
                p.hour = h;
                v = rest;
            }
            Hour12 => {
                let (h, rest) = getnum(v, false)?;
                if !(0..=12).contains(&h) {
                    return None;
                }
                p.hour = h;
                v = rest;
            }
            Min2 => {
                let (m, rest) = getnum(v, true)?;
                if !(0..60).contains(&m) {
                    return None;
                }
                p.min = m;
                v = rest;
            }
            Sec2 => {
                let (s, rest) = getnum(v, true)?;
                if !(0..60).contains(&s) {
                    return None;
                }
                p.sec = s;
                v = rest;
                // Go accepts a fractional second the layout doesn't mention.
                let next_is_frac = matches!(layout.get(i + 1), Some(Frac9));
                if !next_is_frac
                    && v.len() >= 2
                    && is_comma_or_period(v[0])
                    && v[1].is_ascii_digit()
                {
                    v = skip_fraction(v);
                }
            }
            Frac9 => {
                if v.len() >= 2 && is_comma_or_period(v[0]) && v[1].is_ascii_digit() {
                    v = skip_fraction(v);
                }
            }
            WeekdayName => {
                lookup(&SHORT_DAYS, v)?;
                v = &v[3..];
            }
            Pm => {
                if v.len() < 2 {
                    return None;
                }
                p.pm = match &v[..2] {
                    b"PM" => Some(true),
                    b"AM" => Some(false),
                    _ => return None,
                };
                v = &v[2..];
            }
            TzAbbrev => {
                let (n, offset) = parse_tz_abbrev(v)?;
                p.offset = offset;
                v = &v[n..];
            }
            NumTz => {
                let (off, rest) = parse_num_tz(v, false)?;
                p.offset = off;
                v = rest;
            }
            NumColonTz => {
                let (off, rest) = parse_num_tz(v, true)?;
                p.offset = off;
                v = rest;
            }
            IsoTz | IsoColonTz => {
                if v.first() == Some(&b'Z') {
                    p.offset = 0;
                    v = &v[1..];
                } else {
                    let (off, rest) = parse_num_tz(v, matches!(el, IsoColonTz))?;
                    p.offset = off;
                    v = rest;
                }
            }
        }
    }
    if !v.is_empty() {
        return None;
    }
    match p.pm {
        Some(true) if p.hour < 12 => p.hour += 12,
        Some(false) if p.hour == 12 => p.hour = 0,
        _ => {}
    }
    if p.month < 0 {
        p.month = 1;
    }
    if p.day < 0 {
        p.day = 1;
    }
    if p.day < 1 || p.day > days_in(p.month, p.year) {
        return None;
    }
    let days = days_from_civil(p.year, p.month, p.day);
    Some(days * 86_400 + p.hour * 3_600 + p.min * 60 + p.sec - p.offset)
}

fn digits(b: &[u8]) -> i64 {
    b.iter().fold(0, |acc, d| acc * 10 + i64::from(d - b'0'))
}

/// Go's `getnum`: one or two digits, exactly two if `fixed`.
fn getnum(v: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let first = *v.first().filter(|c| c.is_ascii_digit())?;
    match v.get(1).filter(|c| c.is_ascii_digit()) {
        Some(second) => Some((
            i64::from(first - b'0') * 10 + i64::from(second - b'0'),
            &v[2..],
        )),
        None if fixed => None,
        None => Some((i64::from(first - b'0'), &v[1..])),
    }
}

fn is_comma_or_period(c: u8) -> bool {
    c == b'.' || c == b','
}

fn skip_fraction(v: &[u8]) -> &[u8] {
    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    &v[n..]
}

/// Go's `skip`: a space in the layout matches any run of spaces.
fn skip<'a>(mut v: &'a [u8], mut lit: &[u8]) -> Option<&'a [u8]> {
    while let Some(&c) = lit.first() {
        if c == b' ' {
            if v.first().is_some_and(|&x| x != b' ') {
                return None;
            }
            while lit.first() == Some(&b' ') {
                lit = &lit[1..];
            }
            while v.first() == Some(&b' ') {
                v = &v[1..];
            }
            continue;
        }
        if v.first() != Some(&c) {
            return None;
        }
        lit = &lit[1..];
        v = &v[1..];
    }
    Some(v)
}

/// Go's `lookup`: a case-insensitive match of one of three-letter `names`.
fn lookup(names: &[&str], v: &[u8]) -> Option<usize> {
    if v.len() < 3 {
        return None;
    }
    names
        .iter()
        .position(|n| n.as_bytes().eq_ignore_ascii_case(&v[..3]))
}

/// `±hhmm`, or `±hh:mm` if `colon`. Returns the offset in seconds east of UTC.
fn parse_num_tz(v: &[u8], colon: bool) -> Option<(i64, &[u8])> {
    let (hh, mm, len) = if colon {
        if v.len() < 6 || v[3] != b':' {
            return None;
        }
        (&v[1..3], &v[4..6], 6)
    } else {
        if v.len() < 5 {
            return None;
        }
        (&v[1..3], &v[3..5], 5)
    };
    let sign = match v[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, _) = getnum(hh, true)?;
    let (m, _) = getnum(mm, true)?;
    if h > 24 || m > 60 {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), &v[len..]))
}

/// Go's `stdTZ`: a zone abbreviation. Unknown abbreviations get offset 0, as in Go;
/// `GMT+h` gets its offset.
fn parse_tz_abbrev(v: &[u8]) -> Option<(usize, i64)> {
    if v.starts_with(b"UTC") {
        return Some((3, 0));
    }
    if v.len() < 3 {
        return None;
    }
    if v.starts_with(b"ChST") || v.starts_with(b"MeST") {
        return Some((4, 0));
    }
    if v.starts_with(b"GMT") {
        // parseGMT: GMT followed by an optional signed hour offset.
        let rest = &v[3..];
        if let Some(&sign @ (b'+' | b'-')) = rest.first() {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n > 0 && n <= 2 {
                let hours = digits(&rest[1..1 + n]);
                if hours <= 23 {
                    let s = if sign == b'-' { -1 } else { 1 };
                    return Some((4 + n, s * hours * 3600));
                }
            }
        }
        return Some((3, 0));
    }
    let upper = v
        .iter()
        .take(6)
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    match upper {
        3 => Some((3, 0)),
        4 if v[3] == b'T' || v.starts_with(b"WIT") => Some((4, 0)),
        5 if v[4] == b'T' => Some((5, 0)),
        _ => None,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::try_parse_time;

    #[test]
    fn iso_dates() {
        assert_eq!(try_parse_time("1970-01-01"), Some(0));
        assert_eq!(try_parse_time("2024-01-01"), Some(1_704_067_200));
        assert_eq!(try_parse_time("2024-02-29"), Some(1_709_164_800));
        assert_eq!(try_parse_time("2023-02-29"), None);
        assert_eq!(try_parse_time("2024-13-01"), None);
        assert_eq!(try_parse_time("2024-1-01"), None);
        assert_eq!(try_parse_time("2024-01-01 10:30"), Some(1_704_105_000));
        assert_eq!(try_parse_time("2024-01-01 10:30:15"), Some(1_704_105_015));
        assert_eq!(
            try_parse_time("2024-01-01 10:30:15.25"),
            Some(1_704_105_015)
        );
        assert_eq!(
            try_parse_time("2024-01-01 10:30:15+02:00"),
            Some(1_704_105_015 - 7200)
        );
        assert_eq!(try_parse_time("2024-01-01T10:30:15Z"), Some(1_704_105_015));
        assert_eq!(
            try_parse_time("2024-01-01T10:30:15.123456789-05:30"),
            Some(1_704_105_015 + 5 * 3600 + 1800)
        );
        assert_eq!(try_parse_time("2024-01-01T10Z"), Some(1_704_103_200));
        assert_eq!(
            try_parse_time("2024-01-01T10:30+0100"),
            Some(1_704_105_000 - 3600)
        );
        assert_eq!(try_parse_time("2024-01-01T10:30:15Z"), Some(1_704_105_015));
        assert_eq!(try_parse_time("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn go_named_layouts() {
        // ANSIC
        assert_eq!(
            try_parse_time("Mon Jan  1 10:30:15 2024"),
            Some(1_704_105_015)
        );
        assert_eq!(
            try_parse_time("mon jan 1 10:30:15 2024"),
            Some(1_704_105_015)
        );
        // UnixDate
        assert_eq!(
            try_parse_time("Mon Jan  1 10:30:15 UTC 2024"),
            Some(1_704_105_015)
        );
        assert_eq!(
            try_parse_time("Mon Jan  1 10:30:15 PST 2024"),
            Some(1_704_105_015)
        );
        // RubyDate
        assert_eq!(
            try_parse_time("Mon Jan 01 10:30:15 +0100 2024"),
            Some(1_704_105_015 - 3600)
        );
        // Kitchen: a time on January 1st of year 0.
        assert_eq!(
            try_parse_time("3:04PM"),
            Some(-62_167_219_200 + 15 * 3600 + 4 * 60)
        );
        assert_eq!(try_parse_time("12:00AM"), Some(-62_167_219_200));
    }

    #[test]
    fn plain_strings_are_not_dates() {
        for s in [
            "",
            "opened",
            "2024",
            "2024-01",
            "10:30",
            "3:04",
            "2024-01-01x",
            "Mon",
            "1:2PM",
            "2024-01-01 25:00",
            "b",
        ] {
            assert_eq!(try_parse_time(s), None, "{s}");
        }
    }
}
