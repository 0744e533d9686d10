//! On-disk record framing.
//!
//! ```text
//! | len: u32 LE | crc32: u32 LE | offset: u64 LE | timestamp_ms: u64 LE | payload (len bytes) |
//! ```
//! The CRC covers offset, timestamp, len and payload, so a torn write, a zero-filled tail and a
//! record that landed at the wrong place are all detected.

/// Bytes before the payload.
pub(crate) const HEADER_LEN: u64 = 24;

/// Largest payload accepted; also bounds how much a corrupt length field can make us read.
pub const MAX_PAYLOAD_BYTES: u32 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Header {
    pub len: u32,
    pub crc: u32,
    pub offset: u64,
    pub timestamp_ms: u64,
}

impl Header {
    pub fn parse(b: &[u8]) -> Option<Header> {
        let b: &[u8; 24] = b.get(..24)?.try_into().ok()?;
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(w)
        };
        Some(Header {
            len: u32_at(0),
            crc: u32_at(4),
            offset: u64_at(8),
            timestamp_ms: u64_at(16),
        })
    }

    /// Total framed size of this record.
    pub fn record_len(&self) -> u64 {
        HEADER_LEN + u64::from(self.len)
    }
}

pub(crate) fn checksum(offset: u64, timestamp_ms: u64, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(&offset.to_le_bytes());
    h.update(&timestamp_ms.to_le_bytes());
    // Payload length fits in u32: callers reject anything above MAX_PAYLOAD_BYTES.
    h.update(&(payload.len() as u32).to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// Appends one framed record to `buf`. `payload.len()` must be ≤ `MAX_PAYLOAD_BYTES`.
pub(crate) fn encode(buf: &mut Vec<u8>, offset: u64, timestamp_ms: u64, payload: &[u8]) {
    let len = payload.len() as u32;
    buf.extend_from_slice(&len.to_le_bytes());
    buf.extend_from_slice(&checksum(offset, timestamp_ms, payload).to_le_bytes());
    buf.extend_from_slice(&offset.to_le_bytes());
    buf.extend_from_slice(&timestamp_ms.to_le_bytes());
    buf.extend_from_slice(payload);
}

pub(crate) fn framed_len(payload_len: usize) -> u64 {
    HEADER_LEN + payload_len as u64
}
