//! The single writer thread: group commit of queued appends.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use crate::bus::error::BusError;
use crate::bus::frame::{encode, framed_len, MAX_PAYLOAD_BYTES};
use crate::bus::segment::{IndexEntry, SegmentMeta};
use crate::bus::shared::{now_ms, sync_dir, Shared};

/// Upper bound on payload bytes gathered into one group commit, to bound the write buffer
/// and keep the latency of the first waiter in a batch reasonable.
const MAX_BATCH_BYTES: usize = 8 * 1024 * 1024;
const MAX_BATCH_REQUESTS: usize = 4096;

pub(crate) enum Payloads {
    One(Vec<u8>),
    Many(Vec<Vec<u8>>),
}

impl Payloads {
    fn as_slice(&self) -> &[Vec<u8>] {
        match self {
            Payloads::One(p) => std::slice::from_ref(p),
            Payloads::Many(ps) => ps,
        }
    }
}

pub(crate) enum Request {
    /// Replies with the offset of the first payload; the rest follow densely.
    Append {
        payloads: Payloads,
        done: oneshot::Sender<Result<u64, BusError>>,
    },
    /// Finish everything queued before it, then stop.
    Shutdown(oneshot::Sender<()>),
}

/// The active segment plus records written to `buf` but not yet durable.
pub(crate) struct Writer {
    shared: Arc<Shared>,
    end_tx: watch::Sender<u64>,
    file: File,
    path: PathBuf,
    /// Durable bytes in the active segment.
    active_len: u64,
    active_first_ts: Option<u64>,
    last_index_pos: Option<u64>,
    next_offset: u64,
    last_ts: u64,
    buf: Vec<u8>,
    buf_records: u64,
    new_index: Vec<IndexEntry>,
    failed: Option<String>,
}

impl Writer {
    pub fn new(
        shared: Arc<Shared>,
        end_tx: watch::Sender<u64>,
        active: &SegmentMeta,
        last_ts: u64,
    ) -> Result<Self, BusError> {
        let path = shared.segment_path(active.base);
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|e| BusError::io("opening active segment", &path, e))?;
        Ok(Writer {
            shared,
            end_tx,
            file,
            path,
            active_len: active.len,
            active_first_ts: active.first_ts,
            last_index_pos: active.index.last().map(|e| e.pos),
            next_offset: active.end,
            last_ts,
            buf: Vec::with_capacity(256 * 1024),
            buf_records: 0,
            new_index: Vec::new(),
            failed: None,
        })
    }

    pub fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        let mut batch = Vec::new();
        while let Some(first) = rx.blocking_recv() {
            let mut shutdown = None;
            let mut bytes = 0usize;
            let mut req = Some(first);
            // Everything queued while the previous fsync ran is committed together.
            while let Some(r) = req.take() {
                match r {
                    Request::Shutdown(ack) => {
                        shutdown = Some(ack);
                        break;
                    }
                    Request::Append { payloads, done } => {
                        bytes += payloads.as_slice().iter().map(Vec::len).sum::<usize>();
                        batch.push((payloads, done));
                    }
                }
                if bytes < MAX_BATCH_BYTES && batch.len() < MAX_BATCH_REQUESTS {
                    req = rx.try_recv().ok();
                }
            }
            self.commit(&mut batch);
            if let Some(ack) = shutdown {
                tracing::debug!(next_offset = self.next_offset, "bus writer stopping");
                // Drop the file and the watch sender before acknowledging, so readers see the
                // close and a reopen finds nothing held.
                drop(self);
                let _ = ack.send(());
                return;
            }
        }
    }

    fn commit(&mut self, batch: &mut Vec<(Payloads, oneshot::Sender<Result<u64, BusError>>)>) {
        if let Some(msg) = &self.failed {
            for (_, done) in batch.drain(..) {
                let _ = done.send(Err(BusError::WriterFailed(msg.clone())));
            }
            return;
        }
        // Timestamps never go backwards, so the log can be searched by time.
        let ts = now_ms().max(self.last_ts);
        let mut accepted = Vec::with_capacity(batch.len());
        let mut result = Ok(());
        for (payloads, done) in batch.drain(..) {
            if result.is_err() {
                accepted.push((done, 0));
                continue;
            }
            let payloads = payloads.as_slice();
            if let Some(big) = payloads
                .iter()
                .find(|p| p.len() > MAX_PAYLOAD_BYTES as usize)
            {
                let _ = done.send(Err(BusError::PayloadTooLarge {
                    len: big.len(),
                    max: MAX_PAYLOAD_BYTES,
                }));
                continue;
            }
            let first = self.next_offset;
            for p in payloads {
                if let Err(e) = self.push_record(p, ts) {
                    result = Err(e);
                    break;
                }
            }
            accepted.push((done, first));
        }
        if result.is_ok() {
            result = self.flush(ts);
        }
        match result {
            Ok(()) => {
                for (done, first) in accepted {
                    let _ = done.send(Ok(first));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "bus append failed; refusing further appends");
                self.failed = Some(e.to_string());
                for (done, _) in accepted {
                    let _ = done.send(Err(clone_error(&e)));
                }
            }
        }
    }

    fn push_record(&mut self, payload: &[u8], ts: u64) -> Result<(), BusError> {
        let rec_len = framed_len(payload.len());
        if self.should_roll(rec_len, ts) {
            self.roll(ts)?;
        }
        let pos = self.active_len + self.buf.len() as u64;
        if self
            .last_index_pos
            .is_none_or(|last| pos - last >= crate::bus::segment::INDEX_EVERY)
        {
            self.new_index.push(IndexEntry {
                offset: self.next_offset,
                pos,
                timestamp_ms: ts,
            });
            self.last_index_pos = Some(pos);
        }
        encode(&mut self.buf, self.next_offset, ts, payload);
        self.next_offset += 1;
        self.buf_records += 1;
        Ok(())
    }

    fn should_roll(&self, rec_len: u64, ts: u64) -> bool {
        let used = self.active_len + self.buf.len() as u64;
        if used == 0 {
            return false;
        }
        if used + rec_len > self.shared.cfg.segment_bytes {
            return true;
        }
        // Roll by age too, so a segment that fills slowly still becomes deletable.
        let max_age_ms = self
            .shared
            .cfg
            .max_age
            .map(|a| u64::try_from(a.as_millis()).unwrap_or(u64::MAX));
        match (max_age_ms, self.active_first_ts) {
            (Some(age), Some(first)) => ts.saturating_sub(first) >= age,
            _ => false,
        }
    }

    /// Writes and syncs the buffered records, then makes them visible to readers.
    fn flush(&mut self, ts: u64) -> Result<(), BusError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.file
            .write_all(&self.buf)
            .map_err(|e| BusError::io("appending to segment", &self.path, e))?;
        if self.shared.cfg.fsync {
            self.file
                .sync_data()
                .map_err(|e| BusError::io("syncing segment", &self.path, e))?;
        }
        self.active_len += self.buf.len() as u64;
        self.buf.clear();
        if self.buf_records > 0 {
            self.active_first_ts.get_or_insert(ts);
            self.last_ts = ts;
        }
        {
            let mut segs = self.shared.write_segments();
            if let Some(seg) = segs.last_mut() {
                seg.index.append(&mut self.new_index);
                seg.end = self.next_offset;
                seg.len = self.active_len;
                if self.buf_records > 0 {
                    seg.first_ts.get_or_insert(ts);
                    seg.last_ts = Some(ts);
                }
            }
        }
        self.shared.commits.fetch_add(1, Ordering::Relaxed);
        self.shared
            .committed_records
            .fetch_add(self.buf_records, Ordering::Relaxed);
        self.buf_records = 0;
        self.shared
            .durable_end
            .store(self.next_offset, Ordering::Release);
        self.end_tx.send_replace(self.next_offset);
        Ok(())
    }

    /// Seals the active segment and starts a new one at `next_offset`.
    fn roll(&mut self, ts: u64) -> Result<(), BusError> {
        self.flush(ts)?;
        let base = self.next_offset;
        let path = self.shared.segment_path(base);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| BusError::io("creating segment", &path, e))?;
        if self.shared.cfg.fsync {
            sync_dir(&self.shared.cfg.dir)?;
        }
        self.shared.write_segments().push(SegmentMeta::empty(base));
        tracing::debug!(base, "bus rolled to a new segment");
        self.file = file;
        self.path = path;
        self.active_len = 0;
        self.active_first_ts = None;
        self.last_index_pos = None;
        Ok(())
    }
}

/// Each waiter gets its own copy; `io::Error` is not `Clone`.
fn clone_error(e: &BusError) -> BusError {
    match e {
        BusError::Io {
            context,
            path,
            source,
        } => BusError::Io {
            context,
            path: path.clone(),
            source: io::Error::new(source.kind(), source.to_string()),
        },
        other => BusError::WriterFailed(other.to_string()),
    }
}
