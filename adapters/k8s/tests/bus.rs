#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tripline::bus::{Bus, BusConfig, BusError, Record, MAX_PAYLOAD_BYTES};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn config(dir: &Path) -> BusConfig {
    BusConfig::new(dir)
}

fn small_segments(dir: &Path, segment_bytes: u64) -> BusConfig {
    BusConfig {
        segment_bytes,
        ..BusConfig::new(dir)
    }
}

/// Segment files on disk, ascending by base offset.
fn segment_files(dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut out: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            let name = path.file_name()?.to_str()?.to_string();
            let base = name.strip_suffix(".log")?.parse().ok()?;
            Some((base, path))
        })
        .collect();
    out.sort();
    out
}

fn read_all(bus: &Bus, from: u64) -> Vec<Record> {
    let mut reader = bus.reader(from);
    let mut out = Vec::new();
    while let Some(rec) = reader.try_next().unwrap() {
        out.push(rec);
    }
    out
}

fn payload(i: u64, len: usize) -> Vec<u8> {
    let mut p = format!("record-{i}-").into_bytes();
    p.resize(len.max(p.len()), b'a' + (i % 26) as u8);
    p
}

#[tokio::test]
async fn append_and_read_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    let before = now_ms();
    assert_eq!(bus.append(b"first".to_vec()).await.unwrap(), 0);
    assert_eq!(bus.append(Vec::new()).await.unwrap(), 1);
    let range = bus
        .append_batch(vec![b"b0".to_vec(), b"b1".to_vec(), b"b2".to_vec()])
        .await
        .unwrap();
    assert_eq!(range, 2..5);
    assert_eq!(bus.append_batch(Vec::new()).await.unwrap(), 5..5);
    assert_eq!((bus.first_offset(), bus.next_offset()), (0, 5));

    let expected: Vec<&[u8]> = vec![b"first", b"", b"b0", b"b1", b"b2"];
    let recs = read_all(&bus, 0);
    assert_eq!(recs.len(), 5);
    for (i, rec) in recs.iter().enumerate() {
        assert_eq!(rec.offset, i as u64);
        assert_eq!(rec.payload, expected[i]);
        assert!(rec.timestamp_ms >= before && rec.timestamp_ms <= now_ms());
    }
    assert!(recs
        .windows(2)
        .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms));
    // Reading from the middle.
    assert_eq!(read_all(&bus, 3)[0].payload, b"b1");
    bus.close().await;

    let bus = Bus::open(config(dir.path())).unwrap();
    assert_eq!(read_all(&bus, 0), recs);
    assert_eq!(bus.append(b"after".to_vec()).await.unwrap(), 5);
    bus.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_get_dense_offsets_across_segment_rolls() {
    let dir = tempfile::tempdir().unwrap();
    // Small segments so that batches straddle segment boundaries.
    let bus = Bus::open(small_segments(dir.path(), 16 * 1024)).unwrap();
    const TASKS: u64 = 64;
    const PER_TASK: u64 = 60;
    let total = TASKS * PER_TASK;

    // A live reader follows the writer through every roll.
    let mut follower = bus.reader(0);
    let follow = tokio::spawn(async move {
        let mut seen = Vec::new();
        while (seen.len() as u64) < total {
            seen.push(follower.next().await.unwrap());
        }
        seen
    });

    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let bus = bus.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..PER_TASK {
                let p = payload(t * 1000 + i, 100 + (i as usize * 7) % 300);
                acked.push((bus.append(p.clone()).await.unwrap(), p));
            }
            acked
        }));
    }
    let mut by_offset = BTreeMap::new();
    for task in tasks {
        let acked = task.await.unwrap();
        // Each task's appends are sequential, so its offsets must increase.
        assert!(acked.windows(2).all(|w| w[0].0 < w[1].0));
        for (off, p) in acked {
            assert!(
                by_offset.insert(off, p).is_none(),
                "offset {off} handed out twice"
            );
        }
    }
    assert_eq!(
        by_offset.keys().copied().collect::<Vec<_>>(),
        (0..total).collect::<Vec<_>>()
    );
    assert!(
        segment_files(dir.path()).len() > 5,
        "segments should have rolled"
    );

    let followed = follow.await.unwrap();
    let stored = read_all(&bus, 0);
    assert_eq!(followed, stored);
    for rec in &stored {
        assert_eq!(&rec.payload, &by_offset[&rec.offset]);
    }
    bus.close().await;
}

/// Writes `n` records, closes, then damages the newest segment with `damage`.
async fn damaged_log(n: u64, damage: impl FnOnce(&Path, u64)) -> (tempfile::TempDir, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(small_segments(dir.path(), 8 * 1024)).unwrap();
    let mut payloads = Vec::new();
    for i in 0..n {
        let p = payload(i, 200);
        bus.append(p.clone()).await.unwrap();
        payloads.push(p);
    }
    bus.close().await;
    let (base, last) = segment_files(dir.path()).pop().unwrap();
    damage(&last, base);
    (dir, payloads)
}

fn assert_recovered(dir: &Path, payloads: &[Vec<u8>], kept: usize) -> Bus {
    let bus = Bus::open(small_segments(dir, 8 * 1024)).unwrap();
    assert_eq!(bus.next_offset(), kept as u64);
    let recs = read_all(&bus, 0);
    assert_eq!(recs.len(), kept);
    for rec in &recs {
        assert_eq!(rec.payload, payloads[rec.offset as usize]);
    }
    bus
}

#[tokio::test]
async fn recovery_truncates_torn_tail_and_keeps_complete_records() {
    // Cut the last record in half, then add garbage after it.
    let (dir, payloads) = damaged_log(100, |path, _| {
        let len = fs::metadata(path).unwrap().len();
        let f = OpenOptions::new().write(true).open(path).unwrap();
        f.set_len(len - 100).unwrap();
        drop(f);
        let mut f = OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(&[0xAB; 37]).unwrap();
    })
    .await;
    let bus = assert_recovered(dir.path(), &payloads, 99);
    // The tail is gone from disk and new appends continue densely.
    assert_eq!(bus.append(b"next".to_vec()).await.unwrap(), 99);
    bus.close().await;
    let bus = assert_recovered(
        dir.path(),
        &[&payloads[..99], &[b"next".to_vec()]].concat(),
        100,
    );
    bus.close().await;
}

#[tokio::test]
async fn recovery_drops_garbage_after_complete_records() {
    let (dir, payloads) = damaged_log(50, |path, _| {
        let mut f = OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(&[0u8; 4096]).unwrap(); // zero-filled tail, as after a crash on some filesystems
    })
    .await;
    let bus = assert_recovered(dir.path(), &payloads, 50);
    bus.close().await;
}

#[tokio::test]
async fn recovery_drops_record_with_bad_checksum() {
    let (dir, payloads) = damaged_log(30, |path, _| {
        let mut bytes = fs::read(path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xFF;
        fs::write(path, bytes).unwrap();
    })
    .await;
    let bus = assert_recovered(dir.path(), &payloads, 29);
    bus.close().await;
}

#[tokio::test]
async fn corrupt_sealed_segment_is_skipped_and_reported_as_lost() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(small_segments(dir.path(), 4096)).unwrap();
    for i in 0..40 {
        bus.append(payload(i, 500)).await.unwrap();
    }
    bus.close().await;
    let files = segment_files(dir.path());
    assert!(files.len() >= 3);
    // Corrupt the 3rd record of the first segment (records are 524 bytes framed).
    let (_, first) = &files[0];
    let mut bytes = fs::read(first).unwrap();
    bytes[2 * 524 + 30] ^= 0x01;
    fs::write(first, bytes).unwrap();

    let bus = Bus::open(small_segments(dir.path(), 4096)).unwrap();
    let mut reader = bus.reader(0);
    let mut got = Vec::new();
    while let Some(rec) = reader.try_next().unwrap() {
        got.push(rec.offset);
    }
    let second_base = files[1].0;
    let expected: Vec<u64> = (0..2).chain(second_base..40).collect();
    assert_eq!(got, expected);
    assert_eq!(reader.lost(), second_base - 2);
    bus.close().await;
}

#[tokio::test]
async fn cursors_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    bus.append_batch((0..10).map(|i| payload(i, 10)).collect())
        .await
        .unwrap();
    assert_eq!(bus.cursor("sensor-a").unwrap(), None);
    bus.commit_cursor("sensor-a", 4).unwrap();
    bus.commit_cursor("sensor-a", 7).unwrap();
    bus.commit_cursor("ns/sensor.b", 10).unwrap();
    assert!(matches!(
        bus.commit_cursor("sensor-a", 11),
        Err(BusError::CursorOutOfRange {
            next: 11,
            end: 10,
            ..
        })
    ));
    assert!(matches!(
        bus.commit_cursor("", 1),
        Err(BusError::InvalidConsumer(_))
    ));
    let long = "x".repeat(900);
    bus.commit_cursor(&long, 3).unwrap();
    bus.close().await;

    let bus = Bus::open(config(dir.path())).unwrap();
    assert_eq!(bus.cursor("sensor-a").unwrap(), Some(7));
    assert_eq!(bus.cursor("ns/sensor.b").unwrap(), Some(10));
    assert_eq!(bus.cursor(&long).unwrap(), Some(3));
    assert_eq!(bus.cursor("sensor-c").unwrap(), None);
    // Resuming a consumer from its cursor.
    let next = bus.cursor("sensor-a").unwrap().unwrap();
    assert_eq!(read_all(&bus, next).first().unwrap().offset, 7);
    // No temp files are left behind.
    let leftovers: Vec<_> = fs::read_dir(dir.path().join("cursors"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    bus.close().await;
}

#[tokio::test]
async fn corrupt_cursor_file_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    bus.commit_cursor("s", 0).unwrap();
    bus.close().await;
    fs::write(dir.path().join("cursors/s.cursor"), b"{not json").unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    assert!(matches!(bus.cursor("s"), Err(BusError::Corrupt { .. })));
    bus.close().await;
}

#[tokio::test]
async fn retention_by_size_deletes_oldest_sealed_segments_only() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BusConfig {
        max_bytes: Some(10_000),
        ..small_segments(dir.path(), 4096)
    };
    let bus = Bus::open(cfg).unwrap();
    for i in 0..100 {
        bus.append(payload(i, 500)).await.unwrap();
    }
    let before = segment_files(dir.path());
    let report = bus.enforce_retention(now_ms()).unwrap();
    let after = segment_files(dir.path());

    assert!(report.segments_deleted > 0);
    assert_eq!(after.len(), before.len() - report.segments_deleted);
    // The oldest were removed, the newest (active) kept.
    assert_eq!(after[..], before[report.segments_deleted..]);
    let kept_bytes: u64 = after
        .iter()
        .map(|(_, p)| fs::metadata(p).unwrap().len())
        .sum();
    assert!(kept_bytes <= 10_000, "kept {kept_bytes} bytes");
    // Deleting one segment fewer would have stayed above the limit.
    let last_deleted = &before[report.segments_deleted - 1];
    let last_deleted_len = 524 * (after[0].0 - last_deleted.0);
    assert!(kept_bytes + last_deleted_len > 10_000);
    assert_eq!(report.first_offset, after[0].0);
    assert_eq!(bus.first_offset(), after[0].0);
    assert_eq!(report.records_deleted, after[0].0);

    // A reader from 0 skips what is gone and reports it.
    let mut reader = bus.reader(0);
    let rec = reader.try_next().unwrap().unwrap();
    assert_eq!(rec.offset, bus.first_offset());
    assert_eq!(reader.take_lost(), bus.first_offset());
    assert_eq!(rec.payload, payload(rec.offset, 500));

    // Nothing more to delete on a second pass.
    assert_eq!(bus.enforce_retention(now_ms()).unwrap().segments_deleted, 0);
    bus.close().await;
}

#[tokio::test]
async fn retention_never_deletes_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BusConfig {
        max_bytes: Some(0),
        max_age: Some(Duration::from_secs(1)),
        ..small_segments(dir.path(), 4096)
    };
    let bus = Bus::open(cfg).unwrap();
    for i in 0..20 {
        bus.append(payload(i, 500)).await.unwrap();
    }
    let report = bus.enforce_retention(now_ms() + 3_600_000).unwrap();
    let after = segment_files(dir.path());
    assert_eq!(after.len(), 1);
    assert_eq!(report.first_offset, after[0].0);
    let recs = read_all(&bus, 0);
    assert_eq!(recs.first().unwrap().offset, after[0].0);
    assert_eq!(recs.last().unwrap().offset, 19);
    // The writer keeps going in the surviving segment.
    assert_eq!(bus.append(b"x".to_vec()).await.unwrap(), 20);
    bus.close().await;
}

#[tokio::test]
async fn retention_by_age_deletes_only_expired_segments() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BusConfig {
        max_age: Some(Duration::from_secs(3600)),
        ..small_segments(dir.path(), 4096)
    };
    let bus = Bus::open(cfg).unwrap();
    for i in 0..30 {
        bus.append(payload(i, 500)).await.unwrap();
    }
    let before = segment_files(dir.path());
    assert!(before.len() >= 4);
    // Nothing is an hour old yet.
    assert_eq!(bus.enforce_retention(now_ms()).unwrap().segments_deleted, 0);
    assert_eq!(segment_files(dir.path()), before);
    // Two hours later everything sealed is expired; the active segment stays.
    let report = bus.enforce_retention(now_ms() + 2 * 3_600_000).unwrap();
    assert_eq!(report.segments_deleted, before.len() - 1);
    assert_eq!(segment_files(dir.path()), before[before.len() - 1..]);
    bus.close().await;
}

#[tokio::test]
async fn active_segment_rolls_by_age_so_quiet_logs_expire() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = BusConfig {
        max_age: Some(Duration::from_millis(150)),
        ..config(dir.path())
    };
    let bus = Bus::open(cfg).unwrap();
    bus.append(b"old".to_vec()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    bus.append(b"new".to_vec()).await.unwrap();
    assert_eq!(segment_files(dir.path()).len(), 2);
    let report = bus.enforce_retention(now_ms()).unwrap();
    assert_eq!(report.segments_deleted, 1);
    assert_eq!(report.records_deleted, 1);
    assert_eq!(
        read_all(&bus, 0)
            .iter()
            .map(|r| r.payload.clone())
            .collect::<Vec<_>>(),
        vec![b"new".to_vec()]
    );
    bus.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_waits_for_new_data_and_sees_close() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    let mut reader = bus.reader(0);
    let waiting = tokio::spawn(async move {
        let first = reader.next().await.unwrap();
        let second = reader.next().await.unwrap();
        let end = reader.next().await;
        (first, second, end)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "reader returned before any data");
    bus.append(b"one".to_vec()).await.unwrap();
    bus.append(b"two".to_vec()).await.unwrap();
    bus.close().await;
    let (first, second, end) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.offset, first.payload), (0, b"one".to_vec()));
    assert_eq!((second.offset, second.payload), (1, b"two".to_vec()));
    assert!(matches!(end, Err(BusError::Closed)));
}

#[tokio::test]
async fn appends_after_close_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    let other = bus.clone();
    bus.close().await;
    assert!(matches!(
        other.append(b"x".to_vec()).await,
        Err(BusError::Closed)
    ));
}

#[tokio::test]
async fn find_offset_by_time_window() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(small_segments(dir.path(), 4096)).unwrap();
    let mut batch_ts = Vec::new();
    for b in 0..4u64 {
        let range = bus
            .append_batch((0..15).map(|i| payload(b * 100 + i, 300)).collect())
            .await
            .unwrap();
        let ts = read_all(&bus, range.start)[0].timestamp_ms;
        batch_ts.push((range, ts));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(bus.find_offset_at_or_after(0).unwrap(), 0);
    for (range, ts) in &batch_ts {
        assert_eq!(bus.find_offset_at_or_after(*ts).unwrap(), range.start);
        // A time just before the batch (after the previous one) lands on it too.
        assert_eq!(bus.find_offset_at_or_after(ts - 1).unwrap(), range.start);
    }
    let (_, last_ts) = batch_ts.last().unwrap();
    assert_eq!(
        bus.find_offset_at_or_after(last_ts + 1).unwrap(),
        bus.next_offset()
    );
    // Window [ts of batch 1, ts of batch 3) is exactly batches 1 and 2.
    let from = bus.find_offset_at_or_after(batch_ts[1].1).unwrap();
    let to = bus.find_offset_at_or_after(batch_ts[3].1).unwrap();
    assert_eq!(from..to, batch_ts[1].0.start..batch_ts[2].0.end);
    bus.close().await;
}

#[tokio::test]
async fn oversized_payload_is_rejected_without_stopping_the_bus() {
    let dir = tempfile::tempdir().unwrap();
    let bus = Bus::open(config(dir.path())).unwrap();
    let big = vec![0u8; MAX_PAYLOAD_BYTES as usize + 1];
    assert!(matches!(
        bus.append(big).await,
        Err(BusError::PayloadTooLarge { .. })
    ));
    assert_eq!(bus.append(b"ok".to_vec()).await.unwrap(), 0);
    bus.close().await;
}

#[test]
fn bad_config_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let tiny = BusConfig {
        segment_bytes: 10,
        ..BusConfig::new(dir.path())
    };
    assert!(matches!(Bus::open(tiny), Err(BusError::Config(_))));
    let zero_age = BusConfig {
        max_age: Some(Duration::ZERO),
        ..BusConfig::new(dir.path())
    };
    assert!(matches!(Bus::open(zero_age), Err(BusError::Config(_))));
}

#[test]
fn overlapping_segments_are_reported_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let bus = Bus::open(small_segments(dir.path(), 4096)).unwrap();
        for i in 0..20 {
            bus.append(payload(i, 500)).await.unwrap();
        }
        bus.close().await;
    });
    // A stray copy of the first segment named as if it started at offset 1.
    let files = segment_files(dir.path());
    fs::copy(&files[0].1, dir.path().join(format!("{:020}.log", 1))).unwrap();
    match Bus::open(small_segments(dir.path(), 4096)) {
        Err(BusError::Corrupt { reason, .. }) => {
            assert!(reason.contains("segment starts at offset"))
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}
