//! State shared by the handle, the writer thread and readers.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::bus::config::BusConfig;
use crate::bus::error::BusError;
use crate::bus::segment::{segment_path, SegmentMeta};

pub(crate) struct Shared {
    pub cfg: BusConfig,
    /// Segments in offset order; the last one is the writer's active segment.
    pub segments: RwLock<Vec<SegmentMeta>>,
    /// One past the last durable record. Updated after `segments`, so a reader that sees an
    /// offset below it always finds the record's segment metadata.
    pub durable_end: AtomicU64,
    pub first_offset: AtomicU64,
    /// Template receiver for readers; the writer thread owns the sender, so readers see the
    /// channel close when the writer stops.
    pub end_rx: watch::Receiver<u64>,
    /// Group commits done (write + sync) and records they carried, for metrics.
    pub commits: AtomicU64,
    pub committed_records: AtomicU64,
    /// Committed cursors; the lock also serialises cursor file writes.
    pub cursors: Mutex<HashMap<String, u64>>,
}

impl Shared {
    pub fn segment_path(&self, base: u64) -> PathBuf {
        segment_path(&self.cfg.dir, base)
    }

    // A panic while holding these locks cannot leave the metadata half-updated in a way that
    // matters more than stopping would, so poisoning is ignored.
    pub fn read_segments(&self) -> RwLockReadGuard<'_, Vec<SegmentMeta>> {
        self.segments.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn write_segments(&self) -> RwLockWriteGuard<'_, Vec<SegmentMeta>> {
        self.segments
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lock_cursors(&self) -> MutexGuard<'_, HashMap<String, u64>> {
        self.cursors.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Makes a create, rename or unlink in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), BusError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| BusError::io("syncing directory", dir, e))
}
