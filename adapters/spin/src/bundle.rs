//! The manifests bundled into the component at build time (validated by `build.rs`), compiled
//! once per instance — or once for good, when the component is pre-initialized with Wizer.

use crate::sensors::{DeployError, Deployed};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use tripline_core::secret::SecretPort;
use tripline_core::source::{self, CompiledEndpoint, Endpoint};
use tripline_core::spec::{EventSource, Sensor};
use tripline_core::trigger::ExecOptions;

/// The bundled manifests, as `build.rs` wrote them (a JSON array, validated).
pub const BUNDLED: &str = include_str!(concat!(env!("OUT_DIR"), "/bundle.json"));

/// Why the bundle cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("bundled manifests are unreadable: {0}")]
    Unreadable(String),
    #[error("EventSource {event_source}: {message}")]
    Source {
        event_source: String,
        message: String,
    },
    #[error(transparent)]
    Sensor(#[from] DeployError),
    #[error(
        "path {path} is served by both {first} and {second}: a Spin component serves every \
         endpoint on one address, so paths must differ (ports are ignored)"
    )]
    SamePath {
        path: String,
        first: String,
        second: String,
    },
}

/// Where a request path goes.
#[derive(Debug)]
pub struct RouteTo {
    /// Index into [`Bundle::sources`].
    pub source: usize,
    pub endpoint: Endpoint,
}

/// Everything a request needs that does not depend on it.
#[derive(Debug)]
pub struct Bundle {
    pub sources: Vec<EventSource>,
    /// Request path → endpoint.
    pub routes: HashMap<String, RouteTo>,
    pub sensors: Vec<Deployed>,
}

impl Bundle {
    /// Reads and compiles bundled manifests (a JSON array of Argo manifests). `keeps_state`
    /// says whether this build has a store for held dependency state; without one, sensors
    /// that need it are refused here, before any request.
    pub fn load(json: &str, keeps_state: bool) -> Result<Bundle, Vec<BundleError>> {
        let docs: Vec<serde_json::Value> =
            serde_json::from_str(json).map_err(|e| vec![BundleError::Unreadable(e.to_string())])?;
        let mut errors = Vec::new();
        let mut sources = Vec::new();
        let mut routes: HashMap<String, RouteTo> = HashMap::new();
        let mut sensors = Vec::new();
        let opts = ExecOptions::default();
        for doc in docs {
            // build.rs validated the bundle with the core's loader; here a plain decode keeps
            // that loader (paths, unknown-field tracking, YAML) out of the component.
            match doc.get("kind").and_then(|k| k.as_str()) {
                Some("EventSource") => {
                    let es: EventSource = match serde_json::from_value(doc) {
                        Ok(es) => es,
                        Err(e) => {
                            errors.push(BundleError::Unreadable(format!("EventSource: {e}")));
                            continue;
                        }
                    };
                    let name = loaded_name(es.metadata.as_ref().and_then(|m| m.name.as_deref()));
                    match source::endpoints(&es) {
                        Ok(eps) => {
                            for ep in eps {
                                if let Some(prev) = routes.get(&ep.path) {
                                    errors.push(BundleError::SamePath {
                                        path: ep.path.clone(),
                                        first: describe(&prev.endpoint),
                                        second: describe(&ep),
                                    });
                                    continue;
                                }
                                routes.insert(
                                    ep.path.clone(),
                                    RouteTo {
                                        source: sources.len(),
                                        endpoint: ep,
                                    },
                                );
                            }
                        }
                        Err(e) => errors.push(BundleError::Source {
                            event_source: name,
                            message: e.to_string(),
                        }),
                    }
                    sources.push(es);
                }
                Some("Sensor") => {
                    let s: Sensor = match serde_json::from_value(doc) {
                        Ok(s) => s,
                        Err(e) => {
                            errors.push(BundleError::Unreadable(format!("Sensor: {e}")));
                            continue;
                        }
                    };
                    match Deployed::compile(&s, &opts) {
                        Ok(d) => match d.check_store(keeps_state) {
                            Ok(()) => sensors.push(d),
                            Err(e) => errors.push(e.into()),
                        },
                        Err(es) => errors.extend(es.into_iter().map(BundleError::from)),
                    }
                }
                // Each runtime brings its own bus.
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(Bundle {
                sources,
                routes,
                sensors,
            })
        } else {
            Err(errors)
        }
    }

    /// The compiled endpoint serving `path`: compiled on first use in this instance, since
    /// its secrets are only readable while a request runs (not at pre-initialization).
    pub fn endpoint(
        &self,
        path: &str,
        secrets: &dyn SecretPort,
    ) -> Option<Result<Rc<CompiledEndpoint>, String>> {
        let route = self.routes.get(path)?;
        if let Some(hit) = ENDPOINTS.with(|c| c.borrow().get(path).cloned()) {
            return Some(Ok(hit));
        }
        Some(self.compile_endpoint(path, route, secrets))
    }

    fn compile_endpoint(
        &self,
        path: &str,
        route: &RouteTo,
        secrets: &dyn SecretPort,
    ) -> Result<Rc<CompiledEndpoint>, String> {
        let es = self
            .sources
            .get(route.source)
            .ok_or_else(|| format!("no EventSource for {path}"))?;
        let compiled = CompiledEndpoint::compile(es, &route.endpoint.event_name, secrets)
            .map(Rc::new)
            .map_err(|e| format!("{}: {e}", describe(&route.endpoint)))?;
        ENDPOINTS.with(|c| c.borrow_mut().insert(path.to_string(), compiled.clone()));
        Ok(compiled)
    }
}

fn loaded_name(name: Option<&str>) -> String {
    name.unwrap_or("(unnamed)").to_string()
}

fn describe(ep: &Endpoint) -> String {
    format!(
        "{}.{} of EventSource {}",
        ep.kind, ep.event_name, ep.event_source
    )
}

thread_local! {
    /// The compiled bundle; set once per instance (or baked in by pre-initialization).
    static BUNDLE: Cell<Option<&'static Result<Bundle, String>>> = const { Cell::new(None) };
    /// Endpoints compiled with this instance's secrets.
    static ENDPOINTS: RefCell<HashMap<String, Rc<CompiledEndpoint>>> = RefCell::new(HashMap::new());
}

/// The bundle, compiled on first use. Leaked on purpose: it lives as long as the instance and
/// requests borrow it across `await` points.
pub fn get() -> &'static Result<Bundle, String> {
    if let Some(b) = BUNDLE.with(Cell::get) {
        return b;
    }
    load()
}

/// Compiles the bundle and keeps it for this instance.
fn load() -> &'static Result<Bundle, String> {
    let loaded = Bundle::load(BUNDLED, crate::store::KEEPS_STATE).map_err(|errs| {
        errs.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    });
    let leaked: &'static Result<Bundle, String> = Box::leak(Box::new(loaded));
    BUNDLE.with(|c| c.set(Some(leaked)));
    leaked
}

/// Secrets are not readable during pre-initialization (and must not be baked into the
/// snapshot): endpoints that need one are compiled on their first request instead.
struct NoSecretsYet;

impl SecretPort for NoSecretsYet {
    fn secret(&self, name: &str, key: &str) -> Result<String, tripline_core::secret::SecretError> {
        Err(tripline_core::secret::SecretError::NotFound {
            name: name.into(),
            key: key.into(),
            looked: "nothing: secrets are read per request, not at pre-initialization".into(),
        })
    }
}

/// Compiles the bundle and every endpoint that needs no secret: what pre-initialization
/// snapshots. Idempotent.
pub fn init() -> Result<(), String> {
    let bundle = get().as_ref().map_err(Clone::clone)?;
    for (path, route) in &bundle.routes {
        if ENDPOINTS.with(|c| c.borrow().contains_key(path)) {
            continue;
        }
        // Endpoints with secrets fail here and are compiled on first use.
        let _ = bundle.compile_endpoint(path, route, &NoSecretsYet);
    }
    Ok(())
}
