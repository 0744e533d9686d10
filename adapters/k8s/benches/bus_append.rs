//! Append throughput and latency with fsync on, at 1, 16 and 128 concurrent appenders of
//! 1 KiB payloads. `cargo bench --bench append`; `BUS_BENCH_SECS` sets the run time per case
//! (default 3), `BUS_BENCH_DIR` the parent directory (default `bench-tmp/` in this crate).
#![allow(clippy::unwrap_used)]

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tripline::bus::{Bus, BusConfig};

const PAYLOAD: usize = 1024;

fn percentile(sorted: &[u64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

fn bench_dir() -> PathBuf {
    let dir = std::env::var_os("BUS_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench-tmp"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Baseline: what one 1 KiB write + fdatasync costs on this disk.
fn raw_fsync(parent: &std::path::Path) {
    let dir = tempfile::tempdir_in(parent).unwrap();
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.path().join("raw"))
        .unwrap();
    let buf = vec![7u8; PAYLOAD];
    let mut lat = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        f.write_all(&buf).unwrap();
        f.sync_data().unwrap();
        lat.push(t.elapsed().as_micros() as u64);
    }
    lat.sort_unstable();
    println!(
        "raw write+fdatasync (1 KiB): p50 {:.3} ms  p99 {:.3} ms  => {:.0} syncs/s serial",
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        1000.0 / percentile(&lat, 0.5)
    );
}

fn run_case(rt: &tokio::runtime::Runtime, parent: &std::path::Path, appenders: usize, secs: f64) {
    let dir = tempfile::tempdir_in(parent).unwrap();
    let bus = Bus::open(BusConfig::new(dir.path())).unwrap();
    let run_for = Duration::from_secs_f64(secs);
    let (count, mut lat, elapsed) = rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..appenders {
            let bus = bus.clone();
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                while start.elapsed() < run_for {
                    let payload = vec![0x5Au8; PAYLOAD];
                    let t = Instant::now();
                    bus.append(payload).await.unwrap();
                    lat.push(t.elapsed().as_micros() as u64);
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        let elapsed = start.elapsed();
        (all.len(), all, elapsed)
    });
    let stats = bus.stats();
    rt.block_on(bus.close());
    lat.sort_unstable();
    println!(
        "appenders {appenders:>3}: {:>8.0} appends/s  ({count} in {:.2} s)  p50 {:.3} ms  p99 {:.3} ms  max {:.3} ms  avg batch {:.1}",
        count as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        percentile(&lat, 1.0),
        stats.records as f64 / stats.commits.max(1) as f64,
    );
}

fn main() {
    // `cargo test --benches` runs this with `--bench`-less args; keep it quick there.
    let quick = !std::env::args().any(|a| a == "--bench");
    let secs: f64 = std::env::var("BUS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if quick { 0.2 } else { 3.0 });
    let parent = bench_dir();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    println!(
        "bus append benchmark: fsync on, {PAYLOAD} B payloads, dir {}",
        parent.display()
    );
    raw_fsync(&parent);
    for appenders in [1, 16, 128] {
        run_case(&rt, &parent, appenders, secs);
    }
}
