//! Embedded durable bus for the local `tripline run` runtime.
//!
//! An append-only log of segment files in one directory. Appends are acknowledged only after
//! they are written and `fdatasync`ed; one writer thread commits everything queued meanwhile
//! with a single write and a single sync (group commit). Consumers read with [`Reader`]s and
//! keep their position in per-consumer cursor files. Old sealed segments are removed by
//! [`Bus::enforce_retention`] by age and total size.
//!
//! Segment files are named by their first offset (`00000000000000000042.log`); each record is
//! framed with its length, a CRC32, its offset and a millisecond timestamp so that recovery can
//! find and cut a torn tail.

mod chunk;
mod config;
mod cursor;
mod error;
mod frame;
mod handle;
mod reader;
mod retention;
mod segment;
mod shared;
mod writer;

pub use config::{BusConfig, MIN_SEGMENT_BYTES};
pub use error::BusError;
pub use frame::MAX_PAYLOAD_BYTES;
pub use handle::{Bus, BusStats};
pub use reader::{Reader, Record};
pub use retention::RetentionReport;
