//! Segment files: naming, in-memory metadata, and the recovery scan.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::bus::error::BusError;
use crate::bus::frame::{checksum, Header, HEADER_LEN, MAX_PAYLOAD_BYTES};

/// One sparse index entry is kept per this many bytes of segment, so that positioning a reader
/// scans at most a few KiB of headers.
pub(crate) const INDEX_EVERY: u64 = 4096;
const SUFFIX: &str = ".log";

#[derive(Debug, Clone, Copy)]
pub(crate) struct IndexEntry {
    pub offset: u64,
    pub pos: u64,
    pub timestamp_ms: u64,
}

/// What is known about one segment's durable contents.
#[derive(Debug, Clone)]
pub(crate) struct SegmentMeta {
    pub base: u64,
    /// One past the last durable record's offset (== base when empty).
    pub end: u64,
    /// Bytes holding durable records.
    pub len: u64,
    pub first_ts: Option<u64>,
    pub last_ts: Option<u64>,
    pub index: Vec<IndexEntry>,
}

impl SegmentMeta {
    pub fn empty(base: u64) -> Self {
        SegmentMeta {
            base,
            end: base,
            len: 0,
            first_ts: None,
            last_ts: None,
            index: Vec::new(),
        }
    }

    /// Whether a record starting at `pos` should get an index entry.
    pub fn wants_index(&self, pos: u64) -> bool {
        self.index
            .last()
            .is_none_or(|last| pos - last.pos >= INDEX_EVERY)
    }

    /// Records a durable record (in order).
    pub fn note_record(&mut self, offset: u64, pos: u64, timestamp_ms: u64, record_len: u64) {
        if self.wants_index(pos) {
            self.index.push(IndexEntry {
                offset,
                pos,
                timestamp_ms,
            });
        }
        self.first_ts.get_or_insert(timestamp_ms);
        self.last_ts = Some(timestamp_ms);
        self.end = offset + 1;
        self.len = pos + record_len;
    }

    /// Latest index entry at or before `target` (the segment start if none).
    pub fn hint_for_offset(&self, target: u64) -> (u64, u64) {
        let i = self.index.partition_point(|e| e.offset <= target);
        match i.checked_sub(1).and_then(|i| self.index.get(i)) {
            Some(e) => (e.offset, e.pos),
            None => (self.base, 0),
        }
    }

    /// An index entry from which scanning forward finds the first record with ts ≥ `ts`.
    pub fn hint_for_time(&self, ts: u64) -> (u64, u64) {
        let i = self.index.partition_point(|e| e.timestamp_ms < ts);
        match i.checked_sub(1).and_then(|i| self.index.get(i)) {
            Some(e) => (e.offset, e.pos),
            None => (self.base, 0),
        }
    }
}

pub(crate) fn segment_path(dir: &Path, base: u64) -> PathBuf {
    dir.join(format!("{base:020}{SUFFIX}"))
}

fn parse_segment_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SUFFIX)?;
    if digits.len() != 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Base offsets of the segment files in `dir`, ascending.
pub(crate) fn list_segments(dir: &Path) -> Result<Vec<u64>, BusError> {
    let entries = std::fs::read_dir(dir).map_err(|e| BusError::io("listing segments", dir, e))?;
    let mut bases = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| BusError::io("listing segments", dir, e))?;
        if let Some(base) = entry.file_name().to_str().and_then(parse_segment_name) {
            bases.push(base);
        }
    }
    bases.sort_unstable();
    Ok(bases)
}

/// Result of scanning a segment file from the start.
pub(crate) struct Scan {
    pub meta: SegmentMeta,
    /// Size of the file on disk.
    pub file_len: u64,
    /// Why scanning stopped before the end of the file, if it did.
    pub problem: Option<String>,
}

/// Reads every record, verifying framing, offsets and checksums, and stops at the first
/// record that is incomplete or invalid.
pub(crate) fn scan(path: &Path, base: u64) -> Result<Scan, BusError> {
    let file = File::open(path).map_err(|e| BusError::io("opening segment", path, e))?;
    let file_len = file
        .metadata()
        .map_err(|e| BusError::io("reading segment metadata", path, e))?
        .len();
    let mut rd = BufReader::with_capacity(1 << 20, file);
    let mut meta = SegmentMeta::empty(base);
    let mut header = [0u8; HEADER_LEN as usize];
    let mut payload = Vec::new();
    let problem = loop {
        let pos = meta.len;
        if pos == file_len {
            break None;
        }
        if file_len - pos < HEADER_LEN {
            break Some(format!("torn header: {} trailing bytes", file_len - pos));
        }
        rd.read_exact(&mut header)
            .map_err(|e| BusError::io("scanning segment", path, e))?;
        let Some(h) = Header::parse(&header) else {
            break Some("short header".into());
        };
        if h.len > MAX_PAYLOAD_BYTES {
            break Some(format!("record length {} too large", h.len));
        }
        if h.offset != meta.end {
            break Some(format!("expected offset {}, found {}", meta.end, h.offset));
        }
        if file_len - pos - HEADER_LEN < u64::from(h.len) {
            break Some(format!("torn record: payload of {} bytes cut short", h.len));
        }
        payload.resize(h.len as usize, 0);
        rd.read_exact(&mut payload)
            .map_err(|e| BusError::io("scanning segment", path, e))?;
        if checksum(h.offset, h.timestamp_ms, &payload) != h.crc {
            break Some(format!("checksum mismatch at offset {}", h.offset));
        }
        meta.note_record(h.offset, pos, h.timestamp_ms, h.record_len());
    };
    Ok(Scan {
        meta,
        file_len,
        problem,
    })
}

pub(crate) enum Locate {
    /// `next` lives in the segment with this metadata snapshot (index omitted).
    Found {
        base: u64,
        end: u64,
        len: u64,
        hint: (u64, u64),
    },
    /// `next` is gone (retention or a corrupt sealed segment); the next record is here.
    Skip(u64),
    /// Nothing at or after `next` yet.
    AtEnd,
}

pub(crate) fn locate(segments: &[SegmentMeta], next: u64) -> Locate {
    let i = segments.partition_point(|s| s.base <= next);
    let Some(seg) = i.checked_sub(1).and_then(|i| segments.get(i)) else {
        return match segments.first() {
            Some(first) => Locate::Skip(first.base),
            None => Locate::AtEnd,
        };
    };
    if next < seg.end {
        return Locate::Found {
            base: seg.base,
            end: seg.end,
            len: seg.len,
            hint: seg.hint_for_offset(next),
        };
    }
    match segments.get(i) {
        Some(following) => Locate::Skip(following.base),
        None => Locate::AtEnd,
    }
}
