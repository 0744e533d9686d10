//! Deleting old sealed segments by age and total size.

use std::fs;
use std::io;
use std::sync::atomic::Ordering;

use crate::bus::error::BusError;
use crate::bus::shared::{sync_dir, Shared};

/// What one retention pass removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub segments_deleted: usize,
    pub records_deleted: u64,
    pub bytes_freed: u64,
    /// Oldest offset still kept.
    pub first_offset: u64,
}

pub(crate) fn enforce(shared: &Shared, now_ms: u64) -> Result<RetentionReport, BusError> {
    let max_age_ms = shared
        .cfg
        .max_age
        .map(|a| u64::try_from(a.as_millis()).unwrap_or(u64::MAX));
    let max_bytes = shared.cfg.max_bytes;
    let (removed, first_offset) = {
        let mut segs = shared.write_segments();
        let mut remaining: u64 = segs.iter().map(|s| s.len).sum();
        let mut k = 0;
        // Only from the front, and never the last (active) segment, so the kept offsets stay
        // one contiguous range and the writer's file is never touched.
        while k + 1 < segs.len() {
            let seg = &segs[k];
            let too_old = max_age_ms.is_some_and(|age| {
                seg.last_ts
                    .is_none_or(|newest| now_ms.saturating_sub(newest) > age)
            });
            let too_big = max_bytes.is_some_and(|max| remaining > max);
            if !(too_old || too_big) {
                break;
            }
            remaining -= seg.len;
            k += 1;
        }
        let removed: Vec<_> = segs.drain(..k).collect();
        let first = segs.first().map_or(0, |s| s.base);
        shared.first_offset.store(first, Ordering::Release);
        (removed, first)
    };
    let mut report = RetentionReport {
        first_offset,
        ..RetentionReport::default()
    };
    for seg in &removed {
        let path = shared.segment_path(seg.base);
        // Open readers keep their handle and may finish the file; new lookups skip it.
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(BusError::io("deleting segment", path, e)),
        }
        report.segments_deleted += 1;
        report.records_deleted += seg.end - seg.base;
        report.bytes_freed += seg.len;
    }
    if !removed.is_empty() {
        if shared.cfg.fsync {
            sync_dir(&shared.cfg.dir)?;
        }
        tracing::info!(
            segments = report.segments_deleted,
            records = report.records_deleted,
            bytes = report.bytes_freed,
            first_offset,
            "bus retention deleted old segments"
        );
    }
    Ok(report)
}
