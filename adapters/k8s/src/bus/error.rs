use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in the bus.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("bus I/O error while {context} ({path}): {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A write or fsync failed earlier. After a failed fsync the page cache state is unknown
    /// (see "fsyncgate"), so the writer refuses further appends until the bus is reopened.
    #[error("bus writer stopped after an earlier I/O failure: {0}")]
    WriterFailed(String),
    #[error("bus is closed")]
    Closed,
    #[error("payload of {len} bytes exceeds the record limit of {max} bytes")]
    PayloadTooLarge { len: usize, max: u32 },
    #[error("corrupt data in {path} at byte {position}: {reason}")]
    Corrupt {
        path: PathBuf,
        position: u64,
        reason: String,
    },
    #[error("invalid bus config: {0}")]
    Config(String),
    #[error("invalid consumer name {0:?}: must be 1..=200 bytes")]
    InvalidConsumer(String),
    #[error("cursor {next} for consumer {consumer:?} is past the end of the log ({end})")]
    CursorOutOfRange {
        consumer: String,
        next: u64,
        end: u64,
    },
}

impl BusError {
    pub(crate) fn io(context: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        BusError::Io {
            context,
            path: path.into(),
            source,
        }
    }
}
