//! Per-consumer cursor files, each replaced atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bus::error::BusError;
use crate::bus::shared::sync_dir;

pub(crate) const CURSOR_DIR: &str = "cursors";
const SUFFIX: &str = ".cursor";
const TMP_SUFFIX: &str = ".cursor.tmp";
const MAX_CONSUMER_BYTES: usize = 1024;
/// Keeps file names well under the usual 255-byte limit.
const MAX_ENCODED: usize = 200;

#[derive(Serialize, Deserialize)]
struct CursorFile {
    consumer: String,
    next: u64,
}

pub(crate) fn validate(consumer: &str) -> Result<(), BusError> {
    if consumer.is_empty() || consumer.len() > MAX_CONSUMER_BYTES {
        return Err(BusError::InvalidConsumer(consumer.to_string()));
    }
    Ok(())
}

/// File-name-safe form of a consumer name: unreserved bytes kept, others `%XX`; long names are
/// cut and given a hash suffix. The full name is stored inside the file and checked on load.
fn file_stem(consumer: &str) -> String {
    let mut out = String::with_capacity(consumer.len());
    for b in consumer.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.len() > MAX_ENCODED {
        // FNV-1a: stable across builds, unlike std's hasher.
        let hash = consumer.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        out.truncate(MAX_ENCODED - 17);
        out.push_str(&format!("~{hash:016x}"));
    }
    out
}

fn cursor_path(dir: &Path, consumer: &str) -> PathBuf {
    dir.join(CURSOR_DIR)
        .join(format!("{}{SUFFIX}", file_stem(consumer)))
}

pub(crate) fn load(dir: &Path, consumer: &str) -> Result<Option<u64>, BusError> {
    let path = cursor_path(dir, consumer);
    let raw = match fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(BusError::io("reading cursor", path, e)),
    };
    let parsed: CursorFile = serde_json::from_slice(&raw).map_err(|e| BusError::Corrupt {
        path: path.clone(),
        position: 0,
        reason: format!("invalid cursor file: {e}"),
    })?;
    if parsed.consumer != consumer {
        return Err(BusError::Corrupt {
            path,
            position: 0,
            reason: format!(
                "cursor file belongs to consumer {:?}, not {consumer:?}",
                parsed.consumer
            ),
        });
    }
    Ok(Some(parsed.next))
}

/// Write temp, fsync, rename over, fsync the directory: a crash leaves the old or the new
/// cursor, never a torn one.
pub(crate) fn store(dir: &Path, consumer: &str, next: u64, fsync: bool) -> Result<(), BusError> {
    let path = cursor_path(dir, consumer);
    let mut tmp = path.clone().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let body = serde_json::to_vec(&CursorFile {
        consumer: consumer.to_string(),
        next,
    })
    .map_err(|e| BusError::io("encoding cursor", &path, io::Error::other(e)))?;
    let write = |f: &mut File| -> io::Result<()> {
        f.write_all(&body)?;
        if fsync {
            f.sync_all()?;
        }
        Ok(())
    };
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .and_then(|mut f| write(&mut f))
        .map_err(|e| BusError::io("writing cursor", &tmp, e))?;
    fs::rename(&tmp, &path).map_err(|e| BusError::io("replacing cursor", &path, e))?;
    if fsync {
        sync_dir(&dir.join(CURSOR_DIR))?;
    }
    Ok(())
}

/// Removes temp files left by a crash mid-commit.
pub(crate) fn remove_stale_temps(dir: &Path) -> Result<(), BusError> {
    let cdir = dir.join(CURSOR_DIR);
    let entries = fs::read_dir(&cdir).map_err(|e| BusError::io("listing cursors", &cdir, e))?;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
            let path = entry.path();
            if let Err(e) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not remove stale cursor temp file");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_distinct() {
        assert_eq!(file_stem("sensor-a_1"), "sensor-a_1");
        assert_eq!(file_stem("ns/sensor.x"), "ns%2Fsensor%2Ex");
        assert_ne!(file_stem("a/b"), file_stem("a%2Fb"));
        let long_a = "x".repeat(500) + "a";
        let long_b = "x".repeat(500) + "b";
        assert!(file_stem(&long_a).len() <= MAX_ENCODED);
        assert_ne!(file_stem(&long_a), file_stem(&long_b));
    }
}
