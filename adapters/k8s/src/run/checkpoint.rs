//! A sensor's checkpoint: how far it has read the bus, its held dependency state, and the
//! firings it has started but not yet settled. Written atomically once per batch, so a restart
//! neither loses held events nor fires a settled firing again; an unsettled one is fired again
//! with the same idempotency key.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use tripline_core::sensor::{Firing, SensorState};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The next bus offset to read.
    pub next: u64,
    pub state: SensorState,
    pub pending: Vec<Firing>,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("checkpoint {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

/// The checkpoint file of one sensor.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    path: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl CheckpointFile {
    pub fn new(dir: &Path, sensor: &str) -> CheckpointFile {
        let safe: String = sensor
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        CheckpointFile {
            path: dir.join(format!("{safe}.json")),
        }
    }

    pub fn load(&self) -> Result<Option<Checkpoint>, CheckpointError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| CheckpointError::Corrupt {
                        path: self.path.clone(),
                        reason: e.to_string(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&self.path)(e)),
        }
    }

    /// Replaces the checkpoint durably: temp file, fsync, rename, fsync of the folder.
    pub fn store(&self, cp: &Checkpoint) -> Result<(), CheckpointError> {
        let bytes = serde_json::to_vec(cp).map_err(|e| CheckpointError::Corrupt {
            path: self.path.clone(),
            reason: e.to_string(),
        })?;
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&bytes).map_err(io(&tmp))?;
        f.sync_data().map_err(io(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(io(&self.path))?;
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io(dir))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_absent() {
        let dir = tempfile::tempdir().unwrap();
        let f = CheckpointFile::new(dir.path(), "a/b sensor");
        assert!(f.load().unwrap().is_none());
        f.store(&Checkpoint {
            next: 42,
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.load().unwrap().unwrap().next, 42);
        assert!(f.path.file_name().unwrap().to_str().unwrap() == "a_b_sensor.json");
    }

    #[test]
    fn corrupt_file_is_an_error_not_a_reset() {
        let dir = tempfile::tempdir().unwrap();
        let f = CheckpointFile::new(dir.path(), "s");
        std::fs::write(&f.path, b"{not json").unwrap();
        assert!(matches!(f.load(), Err(CheckpointError::Corrupt { .. })));
    }
}
