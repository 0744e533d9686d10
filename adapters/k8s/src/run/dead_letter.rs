//! The local dead-letter file: firings that failed every attempt and had no dead-letter
//! trigger (or whose dead-letter trigger failed too). Nothing is dropped silently; each line
//! holds the whole firing, so it can be inspected and replayed.

use serde_json::json;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tripline_core::sensor::Firing;
use tripline_core::trigger::FireReport;

#[derive(Clone)]
pub struct DeadLetters {
    path: PathBuf,
    lock: Arc<Mutex<()>>,
}

impl DeadLetters {
    pub fn new(path: PathBuf) -> DeadLetters {
        DeadLetters {
            path,
            lock: Arc::new(Mutex::new(())),
        }
    }

    pub fn write(&self, sensor: &str, firing: &Firing, r: &FireReport) -> std::io::Result<()> {
        let line = json!({
            "time": chrono::Utc::now().to_rfc3339(),
            "sensor": sensor,
            "trigger": r.trigger,
            "error": r.result.as_ref().err().map(|e| e.message.clone()),
            "dlqError": r.dlq.as_ref().and_then(|d| d.result.as_ref().err().map(|e| e.message.clone())),
            "attempts": r.attempts,
            "firing": firing,
        });
        let _guard = self
            .lock
            .lock()
            .map_err(|_| std::io::Error::other("dead-letter lock poisoned"))?;
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        f.write_all(format!("{line}\n").as_bytes())?;
        f.sync_data()
    }
}
