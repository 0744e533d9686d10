//! The public handle: open/recover, append, read, cursors, retention.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{mpsc, oneshot, watch};

use crate::bus::chunk::ChunkReader;
use crate::bus::config::BusConfig;
use crate::bus::cursor;
use crate::bus::error::BusError;
use crate::bus::reader::Reader;
use crate::bus::retention::{self, RetentionReport};
use crate::bus::segment::{list_segments, scan, segment_path, SegmentMeta};
use crate::bus::shared::{sync_dir, Shared};
use crate::bus::writer::{Payloads, Request, Writer};

/// Appends queued beyond this wait in `append` (backpressure).
const QUEUE_DEPTH: usize = 16 * 1024;

/// Writer counters; `records / commits` is the average group-commit size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BusStats {
    /// Write + fdatasync rounds.
    pub commits: u64,
    /// Records made durable.
    pub records: u64,
}

/// Handle to an open bus. Cheap to clone; the writer stops when every handle is dropped or
/// [`Bus::close`] is called.
#[derive(Clone)]
pub struct Bus {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Bus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bus")
            .field("dir", &self.shared.cfg.dir)
            .field("first_offset", &self.first_offset())
            .field("next_offset", &self.next_offset())
            .finish()
    }
}

impl Bus {
    /// Opens (or creates) the log in `cfg.dir`, verifying every record. A torn or corrupt
    /// tail of the newest segment is truncated; every complete record before it is kept.
    ///
    /// Only one `Bus` may have a directory open at a time (not enforced yet).
    pub fn open(cfg: BusConfig) -> Result<Bus, BusError> {
        cfg.validate()?;
        let dir = cfg.dir.clone();
        fs::create_dir_all(dir.join(cursor::CURSOR_DIR))
            .map_err(|e| BusError::io("creating bus directory", &dir, e))?;
        cursor::remove_stale_temps(&dir)?;
        let mut segments = recover(&dir)?;
        if segments.is_empty() {
            let path = segment_path(&dir, 0);
            File::create(&path).map_err(|e| BusError::io("creating segment", &path, e))?;
            sync_dir(&dir)?;
            segments.push(SegmentMeta::empty(0));
        }
        let first = segments.first().map_or(0, |s| s.base);
        let active = segments
            .last()
            .cloned()
            .unwrap_or_else(|| SegmentMeta::empty(0));
        let last_ts = segments.iter().filter_map(|s| s.last_ts).max().unwrap_or(0);
        let (end_tx, end_rx) = watch::channel(active.end);
        let shared = Arc::new(Shared {
            cfg,
            segments: RwLock::new(segments),
            durable_end: AtomicU64::new(active.end),
            first_offset: AtomicU64::new(first),
            end_rx,
            commits: AtomicU64::new(0),
            committed_records: AtomicU64::new(0),
            cursors: Mutex::new(Default::default()),
        });
        let writer = Writer::new(shared.clone(), end_tx, &active, last_ts)?;
        let (tx, rx) = mpsc::channel(QUEUE_DEPTH);
        std::thread::Builder::new()
            .name("tripline-bus-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| BusError::io("starting writer thread", &dir, e))?;
        tracing::info!(dir = %dir.display(), first_offset = first, next_offset = active.end, "bus opened");
        Ok(Bus { shared, tx })
    }

    /// Appends one record and returns its offset once it is durable.
    pub async fn append(&self, payload: Vec<u8>) -> Result<u64, BusError> {
        self.submit(Payloads::One(payload)).await
    }

    /// Appends records with consecutive offsets, durable together; returns their offsets.
    pub async fn append_batch(&self, payloads: Vec<Vec<u8>>) -> Result<Range<u64>, BusError> {
        let n = payloads.len() as u64;
        if n == 0 {
            let end = self.next_offset();
            return Ok(end..end);
        }
        let first = self.submit(Payloads::Many(payloads)).await?;
        Ok(first..first + n)
    }

    async fn submit(&self, payloads: Payloads) -> Result<u64, BusError> {
        let (done, wait) = oneshot::channel();
        self.tx
            .send(Request::Append { payloads, done })
            .await
            .map_err(|_| BusError::Closed)?;
        wait.await.map_err(|_| BusError::Closed)?
    }

    /// A reader starting at offset `from`.
    pub fn reader(&self, from: u64) -> Reader {
        Reader::new(self.shared.clone(), from)
    }

    /// First offset whose timestamp is ≥ `timestamp_ms`, or [`Bus::next_offset`] if none.
    /// Replay of a time window `[a, b)` reads from `find(a)` up to (excluding) `find(b)`.
    pub fn find_offset_at_or_after(&self, timestamp_ms: u64) -> Result<u64, BusError> {
        loop {
            let target = {
                let segs = self.shared.read_segments();
                segs.iter()
                    .find(|s| s.last_ts.is_some_and(|t| t >= timestamp_ms))
                    .map(|s| (s.base, s.end, s.len, s.hint_for_time(timestamp_ms)))
            };
            let Some((base, end, len, (offset, pos))) = target else {
                return Ok(self.next_offset());
            };
            let path = self.shared.segment_path(base);
            let file = match File::open(&path) {
                Ok(f) => f,
                // Deleted by retention meanwhile: search the remaining segments.
                Err(e)
                    if e.kind() == io::ErrorKind::NotFound
                        && !self.shared.read_segments().iter().any(|s| s.base == base) =>
                {
                    continue
                }
                Err(e) => return Err(BusError::io("opening segment", path, e)),
            };
            return ChunkReader::new(path, file, len).seek_time(pos, offset, end, timestamp_ms);
        }
    }

    /// The committed cursor of `consumer`: the next offset it should read.
    pub fn cursor(&self, consumer: &str) -> Result<Option<u64>, BusError> {
        cursor::validate(consumer)?;
        let mut cache = self.shared.lock_cursors();
        if let Some(next) = cache.get(consumer) {
            return Ok(Some(*next));
        }
        let loaded = cursor::load(&self.shared.cfg.dir, consumer)?;
        if let Some(next) = loaded {
            cache.insert(consumer.to_string(), next);
        }
        Ok(loaded)
    }

    /// Durably records that `consumer` has handled everything before `next`.
    /// Blocks on fsync: from async code call it via `spawn_blocking` or batch commits.
    pub fn commit_cursor(&self, consumer: &str, next: u64) -> Result<(), BusError> {
        cursor::validate(consumer)?;
        let end = self.next_offset();
        if next > end {
            return Err(BusError::CursorOutOfRange {
                consumer: consumer.to_string(),
                next,
                end,
            });
        }
        let mut cache = self.shared.lock_cursors();
        cursor::store(&self.shared.cfg.dir, consumer, next, self.shared.cfg.fsync)?;
        cache.insert(consumer.to_string(), next);
        Ok(())
    }

    /// Oldest offset still on disk.
    pub fn first_offset(&self) -> u64 {
        self.shared.first_offset.load(Ordering::Acquire)
    }

    /// One past the newest durable offset (the offset the next append gets, if no other
    /// append is in flight).
    pub fn next_offset(&self) -> u64 {
        self.shared.durable_end.load(Ordering::Acquire)
    }

    /// Deletes sealed segments that are older than `max_age` relative to `now_ms`, then the
    /// oldest ones while the log exceeds `max_bytes`. Call it periodically.
    pub fn enforce_retention(&self, now_ms: u64) -> Result<RetentionReport, BusError> {
        retention::enforce(&self.shared, now_ms)
    }

    /// Counters since open, e.g. to watch the group-commit batch size.
    pub fn stats(&self) -> BusStats {
        BusStats {
            commits: self.shared.commits.load(Ordering::Relaxed),
            records: self.shared.committed_records.load(Ordering::Relaxed),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.shared.cfg.dir
    }

    /// Finishes every append queued so far, then stops the writer. Appends made afterwards
    /// through other handles fail with [`BusError::Closed`]; readers drain what is durable,
    /// then get [`BusError::Closed`].
    pub async fn close(self) {
        let (ack, done) = oneshot::channel();
        if self.tx.send(Request::Shutdown(ack)).await.is_ok() {
            let _ = done.await;
        }
    }
}

/// Scans every segment; truncates a bad tail of the newest one.
fn recover(dir: &Path) -> Result<Vec<SegmentMeta>, BusError> {
    let bases = list_segments(dir)?;
    let mut segments: Vec<SegmentMeta> = Vec::with_capacity(bases.len());
    for (i, &base) in bases.iter().enumerate() {
        let path = segment_path(dir, base);
        if let Some(prev) = segments.last() {
            if base < prev.end {
                return Err(BusError::Corrupt {
                    path,
                    position: 0,
                    reason: format!(
                        "segment starts at offset {base} but the previous one holds up to {}",
                        prev.end
                    ),
                });
            }
        }
        let found = scan(&path, base)?;
        if let Some(problem) = &found.problem {
            let good = found.meta.len;
            if i + 1 == bases.len() {
                tracing::warn!(
                    path = %path.display(),
                    problem,
                    kept_records = found.meta.end - base,
                    truncated_bytes = found.file_len - good,
                    "bus recovery: truncating torn or corrupt tail"
                );
                OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .and_then(|f| {
                        f.set_len(good)?;
                        f.sync_all()
                    })
                    .map_err(|e| BusError::io("truncating segment", &path, e))?;
            } else {
                // Left on disk for inspection; readers skip the unreadable rest.
                tracing::error!(
                    path = %path.display(),
                    problem,
                    readable_until = found.meta.end,
                    "bus recovery: sealed segment is corrupt; records after this point are skipped"
                );
            }
        }
        segments.push(found.meta);
    }
    Ok(segments)
}
