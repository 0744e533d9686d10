use std::path::PathBuf;
use std::time::Duration;

use crate::bus::error::BusError;

/// Where the log lives and how much of it is kept.
#[derive(Debug, Clone)]
pub struct BusConfig {
    /// Directory holding the segment files and `cursors/`. Created if missing.
    pub dir: PathBuf,
    /// A segment is sealed and a new one started once it would grow past this size.
    pub segment_bytes: u64,
    /// Sealed segments whose newest record is older than this are deleted by retention.
    /// Also rolls the active segment once its oldest record is this old, so that a quiet
    /// log still ages out.
    pub max_age: Option<Duration>,
    /// Oldest sealed segments are deleted while the log is larger than this.
    pub max_bytes: Option<u64>,
    /// `fdatasync` each group commit before acknowledging. Turn off only for tests or
    /// throwaway data: without it an acknowledged event can be lost on power failure.
    pub fsync: bool,
}

/// Smallest accepted `segment_bytes`; tiny segments would mean a file per record.
pub const MIN_SEGMENT_BYTES: u64 = 1024;

impl BusConfig {
    /// Defaults: 64 MiB segments, no retention limits, fsync on.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        BusConfig {
            dir: dir.into(),
            segment_bytes: 64 * 1024 * 1024,
            max_age: None,
            max_bytes: None,
            fsync: true,
        }
    }

    pub(crate) fn validate(&self) -> Result<(), BusError> {
        if self.dir.as_os_str().is_empty() {
            return Err(BusError::Config("dir is empty".into()));
        }
        if self.segment_bytes < MIN_SEGMENT_BYTES {
            return Err(BusError::Config(format!(
                "segment_bytes {} is below the minimum {MIN_SEGMENT_BYTES}",
                self.segment_bytes
            )));
        }
        if self.max_age == Some(Duration::ZERO) {
            return Err(BusError::Config("max_age must be greater than zero".into()));
        }
        Ok(())
    }
}
