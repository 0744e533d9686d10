//! `exclusionDates`, read as Argo's `ParseExclusionDates` does: entries `EXDATE:` followed by
//! comma-separated `20060102T150405Z` date-times (RFC 5545 style, UTC). Only the UTC date part
//! counts: a tick is skipped when its date in the calendar's zone equals an excluded date.
//! Entries without the `EXDATE:` prefix are ignored by Argo; we keep that (unchanged manifests
//! must load) and report them as warnings.

use chrono::{NaiveDate, NaiveDateTime};
use std::collections::BTreeSet;

const PREFIX: &str = "EXDATE:";
const LAYOUT: &str = "%Y%m%dT%H%M%SZ";

/// Parsed exclusions plus what was ignored.
#[derive(Debug, Clone, Default)]
pub(crate) struct Exclusions {
    pub dates: BTreeSet<NaiveDate>,
    pub warnings: Vec<String>,
}

/// Parses every entry; `Err((index, reason))` for the first malformed date.
pub(crate) fn parse(entries: &[String]) -> Result<Exclusions, (usize, String)> {
    let mut out = Exclusions::default();
    for (index, entry) in entries.iter().enumerate() {
        let Some(list) = entry.strip_prefix(PREFIX) else {
            out.warnings.push(format!(
                "exclusionDates[{index}] {entry:?} is ignored: only entries of the form \"EXDATE:20060102T150405Z\" (several date-times separated by commas) exclude anything"
            ));
            continue;
        };
        for item in list.split(',') {
            out.dates.insert(parse_one(item).map_err(|e| (index, e))?);
        }
    }
    Ok(out)
}

/// Go's `time.Parse("20060102T150405Z", s)`: fixed-width digits, a literal `T` and `Z`.
fn parse_one(item: &str) -> Result<NaiveDate, String> {
    let b = item.as_bytes();
    let shape_ok = b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit);
    let bad = || {
        format!(
            "{item:?} is not a UTC date-time of the form 20060102T150405Z (e.g. \"EXDATE:20241225T000000Z\")"
        )
    };
    if !shape_ok {
        return Err(bad());
    }
    NaiveDateTime::parse_from_str(item, LAYOUT)
        .map(|dt| dt.date())
        .map_err(|e| format!("{}: {e}", bad()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn reads_exdate_lists_and_ignores_other_entries() {
        let ex = parse(&[
            "EXDATE:20241225T000000Z".into(),
            "EXDATE:20250101T235959Z,20250102T120000Z".into(),
            "2025-01-03".into(),
        ])
        .expect("parse");
        assert_eq!(
            ex.dates.iter().copied().collect::<Vec<_>>(),
            vec![d(2024, 12, 25), d(2025, 1, 1), d(2025, 1, 2)]
        );
        assert_eq!(ex.warnings.len(), 1);
        assert!(
            ex.warnings[0].contains("exclusionDates[2]"),
            "{:?}",
            ex.warnings
        );
    }

    #[test]
    fn rejects_malformed_dates_with_their_index() {
        for (entry, frag) in [
            ("EXDATE:2024-12-25", "20060102T150405Z"),
            ("EXDATE:20241225T000000", "20060102T150405Z"),
            (
                "EXDATE:20241225T000000Z, 20241226T000000Z",
                "\" 20241226T000000Z\"",
            ),
            ("EXDATE:20241332T000000Z", "out of range"),
            ("EXDATE:20240230T000000Z", "out of range"),
            ("EXDATE:20241225T250000Z", "out of range"),
            ("EXDATE:", "\"\""),
        ] {
            let err = parse(&["EXDATE:20240101T000000Z".into(), entry.into()]).expect_err(entry);
            assert_eq!(err.0, 1, "{entry}");
            assert!(err.1.contains(frag), "{entry}: {}", err.1);
        }
    }
}
