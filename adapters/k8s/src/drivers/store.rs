//! Where the calendar driver records the last tick it delivered, for catch-up after a restart
//! (Argo keeps it in a ConfigMap under the key `<eventSource>.<event>`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("tick store {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("tick store {path} is not a valid tick file: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("tick store: {0}")]
    Other(String),
}

/// The last delivered tick per `<eventSource>.<event>` key.
pub trait TickStore: Send + Sync + 'static {
    fn load(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<DateTime<Utc>>, StoreError>> + Send;
    fn save(
        &self,
        key: &str,
        tick: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl<S: TickStore> TickStore for Arc<S> {
    fn load(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<DateTime<Utc>>, StoreError>> + Send {
        (**self).load(key)
    }
    fn save(
        &self,
        key: &str,
        tick: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).save(key, tick)
    }
}

/// In memory only: for tests, and for runs without a data dir.
#[derive(Debug, Default)]
pub struct MemoryStore {
    ticks: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// The recorded tick, synchronously (for assertions).
    pub fn get(&self, key: &str) -> Option<DateTime<Utc>> {
        self.ticks.lock().ok().and_then(|m| m.get(key).copied())
    }

    pub fn insert(&self, key: &str, tick: DateTime<Utc>) {
        if let Ok(mut m) = self.ticks.lock() {
            m.insert(key.to_string(), tick);
        }
    }
}

impl TickStore for MemoryStore {
    fn load(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<DateTime<Utc>>, StoreError>> + Send {
        let v = self.get(key);
        async move { Ok(v) }
    }
    fn save(
        &self,
        key: &str,
        tick: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.insert(key, tick);
        async { Ok(()) }
    }
}

/// On-disk shape: versioned so a later format can be told apart.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TickFile {
    version: u32,
    #[serde(rename = "lastTicks")]
    last_ticks: BTreeMap<String, DateTime<Utc>>,
}

const VERSION: u32 = 1;

/// All keys in one JSON file, rewritten whole on each save by write-to-temp, fsync, rename, so
/// a crash leaves either the old or the new file, never a torn one.
#[derive(Debug)]
pub struct JsonFileStore {
    path: PathBuf,
    /// The file's content; the lock also orders concurrent saves.
    ticks: tokio::sync::Mutex<BTreeMap<String, DateTime<Utc>>>,
}

impl JsonFileStore {
    /// Opens (or starts) the file at `path`; a missing file is an empty store.
    pub fn open(path: impl Into<PathBuf>) -> Result<JsonFileStore, StoreError> {
        let path = path.into();
        let ticks = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: TickFile =
                    serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
                        path: path.clone(),
                        reason: e.to_string(),
                    })?;
                if file.version != VERSION {
                    return Err(StoreError::Corrupt {
                        path,
                        reason: format!(
                            "version {} is not supported (expected {VERSION})",
                            file.version
                        ),
                    });
                }
                file.last_ticks
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(StoreError::Io { path, source }),
        };
        Ok(JsonFileStore {
            path,
            ticks: tokio::sync::Mutex::new(ticks),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TickStore for JsonFileStore {
    async fn load(&self, key: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.ticks.lock().await.get(key).copied())
    }

    async fn save(&self, key: &str, tick: DateTime<Utc>) -> Result<(), StoreError> {
        let mut ticks = self.ticks.lock().await;
        let mut next = ticks.clone();
        next.insert(key.to_string(), tick);
        let file = TickFile {
            version: VERSION,
            last_ticks: next,
        };
        let bytes =
            serde_json::to_vec_pretty(&file).map_err(|e| StoreError::Other(e.to_string()))?;
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || write_atomic(&path, &bytes))
            .await
            .map_err(|e| StoreError::Other(format!("writer task failed: {e}")))??;
        // Only a written file changes what `load` answers.
        *ticks = file.last_ticks;
        Ok(())
    }
}

/// Temp file beside the target, fsync, rename over it, fsync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| StoreError::Other(format!("{} has no file name", path.display())))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    // Makes the rename itself durable; not every platform can open a directory for this.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
