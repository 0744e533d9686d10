//! Crash test: a child process appends from many tasks and prints every acknowledged record;
//! it is SIGKILLed mid-run, and every acknowledged record must be there after reopening.
//!
//! The child is this same test binary re-run with `crash_child` selected and an environment
//! variable naming the directory, so no separate helper binary is needed.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tripline::bus::{Bus, BusConfig};

const CHILD_DIR_ENV: &str = "TRIPLINE_BUS_CRASH_CHILD_DIR";
const SEGMENT_BYTES: u64 = 256 * 1024;

fn child_config(dir: &str) -> BusConfig {
    BusConfig {
        segment_bytes: SEGMENT_BYTES,
        ..BusConfig::new(dir)
    }
}

/// Only does something when started by `acknowledged_records_survive_sigkill`.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async move {
        let bus = Bus::open(child_config(&dir)).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30); // in case nobody kills us
        let mut tasks = Vec::new();
        for t in 0..32u64 {
            let bus = bus.clone();
            tasks.push(tokio::spawn(async move {
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let mut p = format!("t{t}-i{i}-").into_bytes();
                    p.resize(
                        p.len() + ((t * 31 + i * 7) % 700) as usize,
                        b'a' + (i % 26) as u8,
                    );
                    let off = bus.append(p.clone()).await.unwrap();
                    let line = format!("ACK {off} {}\n", String::from_utf8(p).unwrap());
                    std::io::stdout().lock().write_all(line.as_bytes()).unwrap();
                    i += 1;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
}

#[test]
fn acknowledged_records_survive_sigkill() {
    if std::env::var(CHILD_DIR_ENV).is_ok() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for round in 0..5u64 {
        let dir = tempfile::tempdir().unwrap();
        let dir_str = dir.path().to_str().unwrap().to_string();
        // Kill at a different point each round, including early (before the first roll).
        let kill_after = [300u64, 5_000, 1_500, 12_000, 8_000][round as usize];
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_ENV, &dir_str)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acked = BTreeMap::new();
        let mut killed = false;
        for line in lines.by_ref() {
            let line = line.unwrap();
            let Some(rest) = line.strip_prefix("ACK ") else {
                continue;
            };
            let (off, payload) = rest.split_once(' ').unwrap();
            acked.insert(off.parse::<u64>().unwrap(), payload.to_string());
            if !killed && acked.len() as u64 >= kill_after {
                child.kill().unwrap(); // SIGKILL on Unix
                killed = true;
            }
        }
        // Lines already in the pipe when the child died were acknowledged too; they are read
        // above until EOF.
        let status = child.wait().unwrap();
        assert!(
            killed && !status.success(),
            "child ended on its own: {status:?}"
        );

        let bus = Bus::open(child_config(&dir_str)).unwrap();
        let mut reader = bus.reader(0);
        let mut stored = BTreeMap::new();
        while let Some(rec) = reader.try_next().unwrap() {
            stored.insert(rec.offset, String::from_utf8(rec.payload).unwrap());
        }
        assert_eq!(reader.lost(), 0);
        // The log is dense from 0 and holds every acknowledged record unchanged.
        assert_eq!(stored.len() as u64, bus.next_offset());
        for (off, payload) in &acked {
            assert_eq!(
                stored.get(off),
                Some(payload),
                "round {round}: acked offset {off} lost or changed"
            );
        }
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        // The recovered log accepts appends at the next offset.
        let next = rt.block_on(bus.append(b"after-crash".to_vec())).unwrap();
        assert_eq!(next, stored.len() as u64);
        eprintln!(
            "round {round}: {} acknowledged, {} stored, {} segments",
            acked.len(),
            stored.len(),
            std::fs::read_dir(dir.path())
                .unwrap()
                .filter(|e| e
                    .as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "log"))
                .count()
        );
        rt.block_on(bus.close());
    }
}
