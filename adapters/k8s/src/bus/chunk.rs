//! Buffered positioned reads of one segment file, never past a known durable length.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use crate::bus::error::BusError;
use crate::bus::frame::{checksum, Header, HEADER_LEN, MAX_PAYLOAD_BYTES};

const CHUNK: usize = 64 * 1024;

pub(crate) struct ChunkReader {
    pub path: PathBuf,
    file: File,
    /// Bytes of the file known to hold complete, durable records. Reads never go past it, so
    /// bytes the writer has written but not yet synced are never observed.
    pub limit: u64,
    buf: Vec<u8>,
    buf_start: u64,
}

impl ChunkReader {
    pub fn new(path: PathBuf, file: File, limit: u64) -> Self {
        ChunkReader {
            path,
            file,
            limit,
            buf: Vec::new(),
            buf_start: 0,
        }
    }

    fn corrupt(&self, position: u64, reason: impl Into<String>) -> BusError {
        BusError::Corrupt {
            path: self.path.clone(),
            position,
            reason: reason.into(),
        }
    }

    /// Makes `[pos, pos + need)` available in the buffer and returns it.
    fn window(&mut self, pos: u64, need: u64) -> Result<&[u8], BusError> {
        let end = pos
            .checked_add(need)
            .filter(|e| *e <= self.limit)
            .ok_or_else(|| self.corrupt(pos, "record runs past the end of the segment"))?;
        let buf_end = self.buf_start + self.buf.len() as u64;
        if pos < self.buf_start || end > buf_end {
            let want = need.max(CHUNK as u64).min(self.limit - pos);
            self.buf.resize(want as usize, 0);
            self.buf_start = pos;
            self.file
                .seek(SeekFrom::Start(pos))
                .and_then(|_| self.file.read_exact(&mut self.buf))
                .map_err(|e| {
                    // Keep the buffer consistent with `buf_start` even after a failed read.
                    self.buf.clear();
                    BusError::io("reading segment", self.path.clone(), e)
                })?;
        }
        let from = (pos - self.buf_start) as usize;
        Ok(&self.buf[from..from + need as usize])
    }

    pub fn header(&mut self, pos: u64) -> Result<Header, BusError> {
        let raw = self.window(pos, HEADER_LEN)?;
        let header = Header::parse(raw).ok_or_else(|| self.corrupt(pos, "short header"))?;
        if header.len > MAX_PAYLOAD_BYTES {
            return Err(self.corrupt(pos, format!("record length {} too large", header.len)));
        }
        Ok(header)
    }

    /// Reads and verifies the record at `pos`, which must carry `expected_offset`.
    pub fn record(
        &mut self,
        pos: u64,
        expected_offset: u64,
    ) -> Result<(Header, Vec<u8>), BusError> {
        let header = self.header(pos)?;
        if header.offset != expected_offset {
            return Err(self.corrupt(
                pos,
                format!("expected offset {expected_offset}, found {}", header.offset),
            ));
        }
        let payload = self
            .window(pos + HEADER_LEN, u64::from(header.len))?
            .to_vec();
        if checksum(header.offset, header.timestamp_ms, &payload) != header.crc {
            return Err(self.corrupt(pos, "checksum mismatch"));
        }
        Ok((header, payload))
    }

    /// Walks headers from `pos` (holding `offset`) to the record holding `target`.
    pub fn seek_offset(
        &mut self,
        mut pos: u64,
        mut offset: u64,
        target: u64,
    ) -> Result<u64, BusError> {
        while offset < target {
            let h = self.header(pos)?;
            if h.offset != offset {
                return Err(
                    self.corrupt(pos, format!("expected offset {offset}, found {}", h.offset))
                );
            }
            pos += h.record_len();
            offset += 1;
        }
        Ok(pos)
    }

    /// Walks headers from `pos` (holding `offset`) up to `end_offset` and returns the first
    /// offset whose timestamp is ≥ `ts`, or `end_offset`.
    pub fn seek_time(
        &mut self,
        mut pos: u64,
        mut offset: u64,
        end_offset: u64,
        ts: u64,
    ) -> Result<u64, BusError> {
        while offset < end_offset {
            let h = self.header(pos)?;
            if h.timestamp_ms >= ts {
                return Ok(offset);
            }
            pos += h.record_len();
            offset += 1;
        }
        Ok(end_offset)
    }
}
