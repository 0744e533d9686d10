//! The file driver: watches the directory with `notify` (inotify, or its polling watcher for
//! `polling: true`), maps notify's events to fsnotify's operations and hands matching ones to
//! a callback.

use crate::drivers::file::{CompiledFileSource, FileOp};
use notify::event::{EventKind, MetadataKind, ModifyKind, RenameMode};
use notify::{Config, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use std::fmt::Display;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;
use tripline_core::event::Event;

#[derive(Debug, thiserror::Error)]
pub enum FileDriverError {
    #[error("file source: cannot watch directory {directory:?}: {reason}")]
    Watch { directory: String, reason: String },
}

/// Argo's polling watcher scans every 100 ms.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// Attempts to deliver one file event before it is dropped (Argo drops at the first failure;
/// a file change cannot be asked for again, but a short bus hiccup should not lose it).
const DELIVERY_ATTEMPTS: u32 = 5;
const FIRST_RETRY: Duration = Duration::from_millis(100);
/// Events buffered between notify's thread and the driver; notify's thread waits when full.
const QUEUE: usize = 1024;

/// Runs one `file` event of an EventSource.
pub struct FileDriver {
    es_name: String,
    event_name: String,
    source: CompiledFileSource,
    poll_interval: Duration,
}

/// What fsnotify would report for one notify event: `(path, op)` pairs.
///
/// inotify through notify: IN_CREATE → Create, IN_MOVED_TO → Name(To), IN_MODIFY →
/// Data, IN_ATTRIB → Metadata(Any), IN_MOVED_FROM → Name(From), IN_DELETE → Remove. fsnotify
/// maps these to CREATE, CREATE, WRITE, CHMOD, RENAME, REMOVE. notify's polling watcher
/// reports a newer mtime as Metadata(WriteTime) and changed content as Data: both WRITE.
pub fn fsnotify_ops(event: &notify::Event) -> Vec<(&Path, FileOp)> {
    let op = match &event.kind {
        EventKind::Create(_) => Some(FileOp::Create),
        EventKind::Remove(_) => Some(FileOp::Remove),
        EventKind::Modify(ModifyKind::Data(_)) => Some(FileOp::Write),
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::WriteTime)) => Some(FileOp::Write),
        EventKind::Modify(ModifyKind::Metadata(_)) => Some(FileOp::Chmod),
        EventKind::Modify(ModifyKind::Name(RenameMode::From)) => Some(FileOp::Rename),
        EventKind::Modify(ModifyKind::Name(RenameMode::To)) => Some(FileOp::Create),
        // notify adds a `Both` event after a matched From/To pair: already reported.
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => None,
        EventKind::Modify(ModifyKind::Name(_)) => Some(FileOp::Rename),
        EventKind::Modify(_) => Some(FileOp::Write),
        // Opens, closes and unknown events: fsnotify reports none of them.
        EventKind::Access(_) | EventKind::Any | EventKind::Other => None,
    };
    match op {
        Some(op) => event.paths.iter().map(|p| (p.as_path(), op)).collect(),
        None => Vec::new(),
    }
}

enum AnyWatcher {
    Native(RecommendedWatcher),
    Poll(PollWatcher),
}

impl FileDriver {
    pub fn new(
        es_name: impl Into<String>,
        event_name: impl Into<String>,
        source: CompiledFileSource,
    ) -> FileDriver {
        FileDriver {
            es_name: es_name.into(),
            event_name: event_name.into(),
            source,
            poll_interval: DEFAULT_POLL_INTERVAL,
        }
    }

    pub fn with_poll_interval(mut self, interval: Duration) -> FileDriver {
        self.poll_interval = interval;
        self
    }

    fn start_watcher(
        &self,
        root: &Path,
        tx: mpsc::Sender<notify::Result<notify::Event>>,
    ) -> Result<AnyWatcher, FileDriverError> {
        // notify calls this on its own thread, outside the runtime: blocking is allowed and
        // gives back-pressure instead of an unbounded queue.
        let handler = move |res: notify::Result<notify::Event>| {
            let _ = tx.blocking_send(res);
        };
        let err = |e: notify::Error| FileDriverError::Watch {
            directory: self.source.directory().to_string(),
            reason: e.to_string(),
        };
        let mut w = if self.source.polling() {
            let config = Config::default().with_poll_interval(self.poll_interval);
            AnyWatcher::Poll(PollWatcher::new(handler, config).map_err(err)?)
        } else {
            AnyWatcher::Native(RecommendedWatcher::new(handler, Config::default()).map_err(err)?)
        };
        match &mut w {
            AnyWatcher::Native(n) => n.watch(root, RecursiveMode::NonRecursive),
            AnyWatcher::Poll(p) => p.watch(root, RecursiveMode::NonRecursive),
        }
        .map_err(err)?;
        Ok(w)
    }

    /// Starts watching now (so changes made after this returns are seen), failing when the
    /// directory cannot be watched (it must exist, as in Argo).
    pub fn start(self) -> Result<WatchingFileDriver, FileDriverError> {
        let root: PathBuf =
            std::fs::canonicalize(self.source.directory()).map_err(|e| FileDriverError::Watch {
                directory: self.source.directory().to_string(),
                reason: e.to_string(),
            })?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let watcher = self.start_watcher(&root, tx)?;
        tracing::info!(
            file = %format!("{}.{}", self.es_name, self.event_name),
            directory = %root.display(),
            polling = self.source.polling(),
            "watching"
        );
        Ok(WatchingFileDriver {
            driver: self,
            root,
            rx,
            _watcher: watcher,
        })
    }

    /// [`start`](Self::start) then [`WatchingFileDriver::run`].
    pub async fn run<F, Fut, E>(
        self,
        emit: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), FileDriverError>
    where
        F: FnMut(Event) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        self.start()?.run(emit, shutdown).await
    }
}

/// A file driver whose watch is in place.
pub struct WatchingFileDriver {
    driver: FileDriver,
    root: PathBuf,
    rx: mpsc::Receiver<notify::Result<notify::Event>>,
    /// Dropping it stops the watcher's thread.
    _watcher: AnyWatcher,
}

impl WatchingFileDriver {
    /// Delivers matching events until `shutdown` resolves: one at a time, in order; a failed
    /// delivery is retried a few times with backoff, then dropped with an error log.
    pub async fn run<F, Fut, E>(
        mut self,
        mut emit: F,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), FileDriverError>
    where
        F: FnMut(Event) -> Fut,
        Fut: Future<Output = Result<(), E>>,
        E: Display,
    {
        tokio::pin!(shutdown);
        let d = &self.driver;
        let key = format!("{}.{}", d.es_name, d.event_name);
        loop {
            let res = tokio::select! {
                r = self.rx.recv() => r,
                _ = &mut shutdown => return Ok(()),
            };
            let Some(res) = res else {
                return Err(FileDriverError::Watch {
                    directory: d.source.directory().to_string(),
                    reason: "the watcher stopped".into(),
                });
            };
            let event = match res {
                Ok(ev) => ev,
                Err(e) => {
                    tracing::warn!(file = %key, error = %e, "file watcher error");
                    continue;
                }
            };
            if event.need_rescan() {
                tracing::warn!(file = %key, "file watcher overflowed; some changes were not seen");
            }
            for (path, op) in fsnotify_ops(&event) {
                // Only entries directly in the directory; not the directory itself.
                if path.parent() != Some(self.root.as_path()) {
                    continue;
                }
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if !d.source.matches(name, op) {
                    continue;
                }
                let id = uuid::Uuid::new_v4().simple().to_string();
                let ev =
                    d.source
                        .event(&d.es_name, &d.event_name, name, op, id, chrono::Utc::now());
                tracing::debug!(file = %key, name, op = op.name(), "file event");
                if !deliver(&key, &mut emit, ev, &mut shutdown).await {
                    return Ok(());
                }
            }
        }
    }
}

/// Delivers with a few retries; gives up (with an error log) rather than stall the watcher.
/// `false` when shutdown came first.
async fn deliver<F, Fut, E>(
    key: &str,
    emit: &mut F,
    ev: Event,
    shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>,
) -> bool
where
    F: FnMut(Event) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Display,
{
    let mut wait = FIRST_RETRY;
    for attempt in 1..=DELIVERY_ATTEMPTS {
        match emit(ev.clone()).await {
            Ok(()) => return true,
            Err(e) if attempt == DELIVERY_ATTEMPTS => {
                tracing::error!(file = %key, id = %ev.context.id, error = %e, "file event dropped after {DELIVERY_ATTEMPTS} attempts");
            }
            Err(e) => {
                tracing::warn!(file = %key, error = %e, retry_in = ?wait, "file event not delivered; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = shutdown.as_mut() => return false,
                }
                wait *= 2;
            }
        }
    }
    true
}
