//! Starting the event sources of the loaded EventSources: webhook-family HTTP servers, calendar
//! schedules and file watchers. Every event goes to the bus before it is acknowledged.

use super::metrics::Metrics;
use super::ports::NativeSecrets;
use super::webhook;
use crate::bus::Bus;
use anyhow::{Context as _, Result};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tripline::drivers::{
    CalendarDriver, CompiledFileSource, FileDriver, JsonFileStore, SystemClock,
};
use tripline_core::calendar::CompiledCalendar;
use tripline_core::event::Event;
use tripline_core::source::filter::Filter;
use tripline_core::source::{self, CompiledEndpoint};
use tripline_core::spec::EventSource;

pub struct Context {
    pub bus: Bus,
    pub metrics: Arc<Metrics>,
    pub secrets: NativeSecrets,
    pub bind: IpAddr,
    pub data_dir: PathBuf,
}

/// Compiles and starts every source; on any error nothing is left running.
pub async fn start(
    event_sources: &[EventSource],
    ctx: &Context,
    stop: watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>> {
    let mut endpoints: Vec<CompiledEndpoint> = Vec::new();
    for es in event_sources {
        refuse_server_tls(es)?;
        let name = es
            .metadata
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_default();
        endpoints.extend(
            CompiledEndpoint::compile_all(es, &ctx.secrets)
                .with_context(|| format!("EventSource {name}"))?,
        );
    }
    let mut tasks = Vec::new();
    for es in event_sources {
        tasks.extend(start_timers_and_watchers(es, ctx, &stop)?);
    }
    if !endpoints.is_empty() {
        let router = Arc::new(source::Router::new(endpoints).context("webhook routes")?);
        // Bind every port first, so a busy port fails the start before anything listens.
        let mut listeners = Vec::new();
        for port in router.ports() {
            let addr = SocketAddr::new(ctx.bind, port);
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding event source port {addr}"))?;
            listeners.push((port, l));
        }
        for (port, listener) in listeners {
            let app = webhook::app(Arc::new(webhook::PortState {
                port,
                router: router.clone(),
                bus: ctx.bus.clone(),
                metrics: ctx.metrics.clone(),
            }));
            let mut stop = stop.clone();
            tracing::info!(port, "webhook server listening");
            tasks.push(tokio::spawn(async move {
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.changed().await;
                    })
                    .await;
                if let Err(e) = served {
                    tracing::error!(port, error = %e, "webhook server failed");
                }
            }));
        }
    }
    Ok(tasks)
}

/// Appends a driver's event to the bus (after the EventSource filter); `Ok` only once durable.
#[derive(Clone)]
struct Emitter {
    bus: Bus,
    metrics: Arc<Metrics>,
    filter: Option<Arc<Filter>>,
    es: String,
    name: String,
}

impl Emitter {
    async fn emit(&self, event: Event) -> Result<(), String> {
        let labels = super::metrics::source(&self.es, &self.name);
        self.metrics.received.get_or_create(&labels).inc();
        if let Some(f) = &self.filter {
            if let Err(reason) = f.check(event.json_data().unwrap_or("null")) {
                self.metrics.filtered.get_or_create(&labels).inc();
                tracing::debug!(event_source = %self.es, event_name = %self.name, %reason, "event filtered out");
                return Ok(());
            }
        }
        let bytes = super::record::encode_event(&event).map_err(|e| e.to_string())?;
        self.bus.append(bytes).await.map_err(|e| e.to_string())?;
        self.metrics.accepted.get_or_create(&labels).inc();
        self.metrics.bus_appended.inc();
        Ok(())
    }
}

fn compile_filter(
    f: Option<&tripline_core::spec::EventSourceFilter>,
    path: &str,
) -> Result<Option<Arc<Filter>>> {
    match f
        .and_then(|f| f.expression.as_deref())
        .filter(|e| !e.trim().is_empty())
    {
        // Calendar and file data have fixed top-level keys.
        Some(expr) => Ok(Some(Arc::new(Filter::compile(
            expr,
            None,
            &format!("{path}.filter.expression"),
        )?))),
        None => Ok(None),
    }
}

fn shutdown(
    stop: &watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let mut stop = stop.clone();
    async move {
        let _ = stop.changed().await;
    }
}

/// Starts the calendar timers and file watchers of one EventSource.
fn start_timers_and_watchers(
    es: &EventSource,
    ctx: &Context,
    stop: &watch::Receiver<bool>,
) -> Result<Vec<JoinHandle<()>>> {
    let es_name = es
        .metadata
        .as_ref()
        .and_then(|m| m.name.clone())
        .unwrap_or_default();
    let Some(spec) = &es.spec else {
        return Ok(Vec::new());
    };
    let mut tasks = Vec::new();
    let emitter = |name: &str, filter| Emitter {
        bus: ctx.bus.clone(),
        metrics: ctx.metrics.clone(),
        filter,
        es: es_name.clone(),
        name: name.to_string(),
    };
    for (name, cal) in &spec.calendar {
        let path = format!("EventSource {es_name}: spec.calendar.{name}");
        let compiled = CompiledCalendar::compile(cal)
            .map_err(|e| anyhow::anyhow!("{path}.{}: {e}", e.field()))?;
        let store_path = ctx
            .data_dir
            .join("calendar")
            .join(format!("{es_name}.{name}.json"));
        if let Some(dir) = store_path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let store = JsonFileStore::open(&store_path).with_context(|| path.clone())?;
        let driver = CalendarDriver::new(&es_name, name, compiled, SystemClock, store);
        let em = emitter(name, compile_filter(cal.filter.as_ref(), &path)?);
        let down = shutdown(stop);
        let label = format!("{es_name}.{name}");
        tracing::info!(calendar = %label, "calendar started");
        tasks.push(tokio::spawn(async move {
            let run = driver.run(
                move |ev| {
                    let em = em.clone();
                    async move { em.emit(ev).await }
                },
                down,
            );
            if let Err(e) = run.await {
                tracing::error!(calendar = %label, error = %e, "calendar stopped");
            }
        }));
    }
    for (name, file) in &spec.file {
        let path = format!("EventSource {es_name}: spec.file.{name}");
        let compiled =
            CompiledFileSource::compile(file).map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
        let watching = FileDriver::new(&es_name, name, compiled)
            .start()
            .map_err(|e| anyhow::anyhow!("{path}: {e}"))?;
        let em = emitter(name, compile_filter(file.filter.as_ref(), &path)?);
        let down = shutdown(stop);
        let label = format!("{es_name}.{name}");
        tracing::info!(watch = %label, "file watcher started");
        tasks.push(tokio::spawn(async move {
            let run = watching.run(
                move |ev| {
                    let em = em.clone();
                    async move { em.emit(ev).await }
                },
                down,
            );
            if let Err(e) = run.await {
                tracing::error!(watch = %label, error = %e, "file watcher stopped");
            }
        }));
    }
    Ok(tasks)
}

/// HTTPS on event source ports is not served yet: refuse rather than silently serve plain HTTP.
fn refuse_server_tls(es: &EventSource) -> Result<()> {
    fn find(v: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    if (k == "serverCertSecret" || k == "serverKeySecret") && !x.is_null() {
                        out.push(p);
                    } else {
                        find(x, &p, out);
                    }
                }
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    find(x, &format!("{path}[{i}]"), out);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    find(
        &serde_json::to_value(&es.spec).unwrap_or_default(),
        "spec",
        &mut found,
    );
    match found.first() {
        None => Ok(()),
        Some(p) => anyhow::bail!(
            "EventSource {}: {p}: TLS on event source ports is not supported by the local runtime yet; terminate TLS in front of tripline (a reverse proxy) and remove the field",
            es.metadata.as_ref().and_then(|m| m.name.as_deref()).unwrap_or("")
        ),
    }
}
