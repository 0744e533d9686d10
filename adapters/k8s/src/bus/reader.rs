//! Sequential readers over durable records.

use std::fs::File;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::watch;

use crate::bus::chunk::ChunkReader;
use crate::bus::error::BusError;
use crate::bus::segment::{locate, Locate};
use crate::bus::shared::Shared;

/// One durable record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub offset: u64,
    /// Milliseconds since the Unix epoch, assigned by the writer (never decreasing).
    pub timestamp_ms: u64,
    pub payload: Vec<u8>,
}

struct OpenSegment {
    base: u64,
    /// One past the last record known durable in this segment.
    end: u64,
    /// Byte position of the reader's next record.
    pos: u64,
    chunk: ChunkReader,
}

/// Reads records in offset order, only ever seeing durable ones.
///
/// If the records it is about to read have been deleted by retention, it jumps to the oldest
/// record still kept and adds the number skipped to [`Reader::lost`].
///
/// Reads are small blocking file reads (mostly served from the page cache); `next` only awaits
/// while waiting for new data and is cancel-safe.
pub struct Reader {
    shared: Arc<Shared>,
    end_rx: watch::Receiver<u64>,
    next: u64,
    lost: u64,
    /// Invariant: when set, `pos` is where record `next` starts.
    seg: Option<OpenSegment>,
}

impl Reader {
    pub(crate) fn new(shared: Arc<Shared>, from: u64) -> Self {
        let end_rx = shared.end_rx.clone();
        Reader {
            shared,
            end_rx,
            next: from,
            lost: 0,
            seg: None,
        }
    }

    /// Offset of the record the next read returns.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// Records skipped so far because they were no longer on disk.
    pub fn lost(&self) -> u64 {
        self.lost
    }

    /// Returns and resets the lost count (for a "lagged by N" log line or metric).
    pub fn take_lost(&mut self) -> u64 {
        std::mem::take(&mut self.lost)
    }

    /// Moves to `offset`, e.g. to step past a record reported as corrupt.
    pub fn seek(&mut self, offset: u64) {
        self.next = offset;
        self.seg = None;
    }

    /// Waits until a record at or after the position is durable and returns it.
    /// Fails with [`BusError::Closed`] once the bus is closed and everything has been read.
    pub async fn next(&mut self) -> Result<Record, BusError> {
        loop {
            if let Some(rec) = self.try_next()? {
                return Ok(rec);
            }
            loop {
                if *self.end_rx.borrow_and_update() > self.next {
                    break;
                }
                if self.end_rx.changed().await.is_err() {
                    if *self.end_rx.borrow() > self.next {
                        break;
                    }
                    return Err(BusError::Closed);
                }
            }
        }
    }

    /// Returns the next durable record, or `None` if the reader is caught up.
    pub fn try_next(&mut self) -> Result<Option<Record>, BusError> {
        loop {
            if self.next >= self.shared.durable_end.load(Ordering::Acquire) {
                return Ok(None);
            }
            if let Some(seg) = self.seg.as_mut().filter(|s| self.next < s.end) {
                let (header, payload) = seg.chunk.record(seg.pos, self.next)?;
                seg.pos += header.record_len();
                let rec = Record {
                    offset: self.next,
                    timestamp_ms: header.timestamp_ms,
                    payload,
                };
                self.next += 1;
                return Ok(Some(rec));
            }
            if !self.reposition()? {
                return Ok(None);
            }
        }
    }

    /// Finds the segment holding `next` (refreshing the active segment's bounds).
    /// Returns false if there is nothing to read.
    fn reposition(&mut self) -> Result<bool, BusError> {
        let found = locate(&self.shared.read_segments(), self.next);
        match found {
            Locate::AtEnd => Ok(false),
            Locate::Skip(to) => {
                let skipped = to.saturating_sub(self.next);
                tracing::warn!(
                    from = self.next,
                    to,
                    skipped,
                    "bus reader skipped records no longer on disk"
                );
                self.lost += skipped;
                self.next = to;
                self.seg = None;
                Ok(true)
            }
            Locate::Found {
                base,
                end,
                len,
                hint,
            } => {
                if let Some(seg) = self.seg.as_mut().filter(|s| s.base == base) {
                    seg.end = end;
                    seg.chunk.limit = len;
                    return Ok(true);
                }
                let path = self.shared.segment_path(base);
                let file = match File::open(&path) {
                    Ok(f) => f,
                    // Deleted by retention since `locate`: look again, it will skip.
                    Err(e)
                        if e.kind() == io::ErrorKind::NotFound
                            && !self.shared.read_segments().iter().any(|s| s.base == base) =>
                    {
                        return Ok(true);
                    }
                    Err(e) => return Err(BusError::io("opening segment", &path, e)),
                };
                let mut chunk = ChunkReader::new(path, file, len);
                let pos = chunk.seek_offset(hint.1, hint.0, self.next)?;
                self.seg = Some(OpenSegment {
                    base,
                    end,
                    pos,
                    chunk,
                });
                Ok(true)
            }
        }
    }
}
