//! `tripline run`: event sources, the embedded durable bus and sensors in one process.

mod admin;
mod checkpoint;
mod dead_letter;
mod metrics;
pub mod ports;
pub mod record;
mod sensor_task;
mod sources;
mod webhook;

use crate::bus::{Bus, BusConfig};
use crate::files;
use anyhow::{bail, Context, Result};
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tripline_core::check::{check, Runtime};
use tripline_core::sensor::CompiledSensor;
use tripline_core::spec::{self, EventSource, Manifest, Sensor, SpecError};
use tripline_core::trigger::{ExecOptions, SensorRunners};

pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub data_dir: PathBuf,
    pub admin: SocketAddr,
    /// Address the event sources' ports listen on.
    pub bind: IpAddr,
    pub secrets_dir: Option<PathBuf>,
    pub retention_age: Option<Duration>,
    pub retention_bytes: Option<u64>,
    pub fsync: bool,
    pub slack_api_url: String,
}

/// The manifests to run, validated.
pub struct Manifests {
    pub event_sources: Vec<EventSource>,
    pub sensors: Vec<Sensor>,
}

/// Loads and validates every manifest under `paths` for the local runtime. Every problem is
/// printed; any error (including features this runtime cannot run) refuses the start.
pub fn load(paths: &[PathBuf]) -> Result<Manifests> {
    let mut out = Manifests {
        event_sources: Vec::new(),
        sensors: Vec::new(),
    };
    let mut problems = Vec::new();
    for file in files::expand(paths)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        for doc in spec::load_all(&text) {
            let loaded = match doc {
                Ok(l) => l,
                Err(SpecError::NotArgo { .. }) => continue,
                Err(e) => {
                    problems.push(format!("{}: {}: {}", file.display(), e.path(), e.reason()));
                    continue;
                }
            };
            let report = check(&loaded, Runtime::Local);
            let what = format!(
                "{}: {} {}",
                file.display(),
                loaded.manifest.kind(),
                loaded.manifest.name().unwrap_or("(unnamed)")
            );
            for w in &report.warnings {
                // What this runtime cannot run is an error here: running half a manifest
                // would silently drop events.
                if w.message.contains("not supported yet") {
                    problems.push(format!("{what}: {}: {}", w.path, w.message));
                } else {
                    tracing::warn!("{what}: {}: {}", w.path, w.message);
                }
            }
            for e in &report.errors {
                problems.push(format!("{what}: {}: {}", e.path, e.message));
            }
            match loaded.manifest {
                Manifest::EventSource(es) => out.event_sources.push(es),
                Manifest::Sensor(s) => out.sensors.push(s),
                Manifest::EventBus(_) => {}
            }
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        bail!(
            "{} problem(s) in the manifests; nothing started",
            problems.len()
        );
    }
    if out.event_sources.is_empty() && out.sensors.is_empty() {
        bail!("no EventSource or Sensor manifest found under the given paths");
    }
    Ok(out)
}

struct CompiledSet {
    sensors: Vec<(Arc<CompiledSensor>, Arc<SensorRunners>)>,
}

fn compile_sensors(m: &Manifests, opts: &ExecOptions) -> Result<CompiledSet> {
    let mut sensors = Vec::new();
    let mut names = HashSet::new();
    let mut problems = Vec::new();
    for s in &m.sensors {
        let compiled = match CompiledSensor::compile(s) {
            Ok(c) => c,
            Err(errs) => {
                for e in errs {
                    problems.push(format!("sensor: {}: {}", e.path, e.message));
                }
                continue;
            }
        };
        if !names.insert(compiled.name.clone()) {
            problems.push(format!("sensor {:?} is defined twice", compiled.name));
        }
        let triggers = s
            .spec
            .as_ref()
            .map(|sp| sp.triggers.as_slice())
            .unwrap_or(&[]);
        match SensorRunners::compile(&compiled.name, triggers, opts) {
            Ok(r) => sensors.push((Arc::new(compiled), Arc::new(r))),
            Err(errs) => {
                for e in errs {
                    problems.push(format!("sensor {}: {e}", compiled.name));
                }
            }
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("error: {p}");
        }
        bail!(
            "{} problem(s) compiling sensors; nothing started",
            problems.len()
        );
    }
    Ok(CompiledSet { sensors })
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Runs until SIGINT/SIGTERM, then drains: sources stop accepting (requests in flight finish
/// their durable append), sensors finish the batch in flight and checkpoint, the bus closes.
pub async fn run(opts: RunOptions) -> Result<()> {
    let manifests = load(&opts.paths)?;
    let exec = ExecOptions {
        slack_api_url: opts.slack_api_url.clone(),
    };
    let compiled = compile_sensors(&manifests, &exec)?;
    let secrets = ports::NativeSecrets {
        dir: opts.secrets_dir.clone(),
    };
    let native = ports::NativePorts::new(secrets.clone())?;
    let metrics = Arc::new(metrics::Metrics::new());

    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("creating data dir {}", opts.data_dir.display()))?;
    let mut bus_cfg = BusConfig::new(opts.data_dir.join("bus"));
    bus_cfg.max_age = opts.retention_age;
    bus_cfg.max_bytes = opts.retention_bytes;
    bus_cfg.fsync = opts.fsync;
    let bus = Bus::open(bus_cfg).context("opening the bus")?;
    let cp_dir = opts.data_dir.join("sensors");
    std::fs::create_dir_all(&cp_dir)?;
    let dead_letters = dead_letter::DeadLetters::new(opts.data_dir.join("dead-letters.jsonl"));

    let (stop_tx, stop_rx) = watch::channel(false);
    let admin_state = Arc::new(admin::AdminState {
        metrics: metrics.clone(),
        ready: Default::default(),
        bus: bus.clone(),
        sensors: compiled
            .sensors
            .iter()
            .map(|(s, _)| s.name.clone())
            .collect(),
    });
    let admin_listener = tokio::net::TcpListener::bind(opts.admin)
        .await
        .with_context(|| format!("binding the admin port {}", opts.admin))?;
    let admin_task = {
        let mut stop = stop_rx.clone();
        let app = admin::app(admin_state.clone());
        tokio::spawn(async move {
            axum::serve(admin_listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.changed().await;
                })
                .await
        })
    };

    let mut sensor_tasks = Vec::new();
    for (compiled, runners) in &compiled.sensors {
        let task = sensor_task::SensorTask {
            compiled: compiled.clone(),
            runners: runners.clone(),
            bus: bus.clone(),
            ports: native.clone(),
            metrics: metrics.clone(),
            checkpoint: checkpoint::CheckpointFile::new(&cp_dir, &compiled.name),
            dead_letters: dead_letters.clone(),
        };
        let name = compiled.name.clone();
        let stop = stop_rx.clone();
        sensor_tasks.push(tokio::spawn(async move {
            if let Err(e) = task.run(stop).await {
                tracing::error!(sensor = %name, error = format!("{e:#}"), "sensor stopped with an error");
            }
        }));
    }

    let source_ctx = sources::Context {
        bus: bus.clone(),
        metrics: metrics.clone(),
        secrets,
        bind: opts.bind,
        data_dir: opts.data_dir.clone(),
    };
    let (sources_stop_tx, sources_stop_rx) = watch::channel(false);
    let source_tasks =
        sources::start(&manifests.event_sources, &source_ctx, sources_stop_rx).await?;

    let retention = {
        let bus = bus.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stop.changed() => break,
                }
                let now = chrono::Utc::now().timestamp_millis();
                match bus.enforce_retention(u64::try_from(now).unwrap_or(0)) {
                    Ok(r) if r.segments_deleted > 0 => tracing::info!(?r, "bus retention"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "bus retention failed"),
                }
            }
        })
    };

    admin_state.ready.store(true, Ordering::Release);
    tracing::info!(
        event_sources = manifests.event_sources.len(),
        sensors = compiled.sensors.len(),
        data_dir = %opts.data_dir.display(),
        admin = %opts.admin,
        "tripline is running"
    );
    shutdown_signal().await;
    tracing::info!("shutting down: draining sources, then sensors");
    admin_state.ready.store(false, Ordering::Release);
    let _ = sources_stop_tx.send(true);
    for t in source_tasks {
        let _ = t.await;
    }
    let _ = stop_tx.send(true);
    for t in sensor_tasks {
        let _ = t.await;
    }
    let _ = retention.await;
    let _ = admin_task.await;
    bus.close().await;
    tracing::info!("stopped");
    Ok(())
}
