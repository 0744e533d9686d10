//! The native ports of the shared triggers: reqwest for HTTP, tokio for time, tracing for the
//! `log` trigger, environment variables and files for secrets.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tripline_core::secret::{self, SecretError, SecretPort};
use tripline_core::trigger::ports::{
    ClockPort, HttpPort, HttpRequest, HttpResponse, InvokePort, LogPort, LogRecord, PortError,
    QueuePort, TlsMaterial,
};

/// Secrets from `TRIPLINE_SECRET_<NAME>_<KEY>`, else the file `<dir>/<name>/<key>` (the layout
/// of a Kubernetes secret volume, so a mounted Secret works unchanged).
#[derive(Debug, Clone)]
pub struct NativeSecrets {
    pub dir: Option<PathBuf>,
}

impl NativeSecrets {
    fn lookup(&self, var: String, name: &str, key: &str) -> Result<String, SecretError> {
        if let Ok(v) = std::env::var(&var) {
            return Ok(v);
        }
        let mut looked = format!("${var}");
        if let Some(dir) = &self.dir {
            let file = dir.join(name).join(key);
            match std::fs::read_to_string(&file) {
                // A trailing newline from `echo > file` is never part of a token.
                Ok(v) => return Ok(v.trim_end_matches(['\n', '\r']).to_string()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    looked.push_str(&format!(" and {}", file.display()));
                }
                Err(e) => {
                    return Err(SecretError::Unreadable {
                        name: name.into(),
                        key: key.into(),
                        reason: format!("{}: {e}", file.display()),
                    })
                }
            }
        }
        Err(SecretError::NotFound {
            name: name.into(),
            key: key.into(),
            looked,
        })
    }
}

impl SecretPort for NativeSecrets {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        self.lookup(secret::env_var_name(name, key), name, key)
    }

    fn config_value(&self, name: &str, key: &str) -> Result<String, SecretError> {
        self.lookup(secret::config_env_var_name(name, key), name, key)
    }
}

/// Every port of the local runtime. Cheap to clone.
#[derive(Clone)]
pub struct NativePorts {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    /// Clients with custom TLS material, built on first use.
    tls_clients: Mutex<HashMap<TlsMaterial, reqwest::Client>>,
    secrets: NativeSecrets,
    start: Instant,
}

fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
        .user_agent(concat!("tripline/", env!("CARGO_PKG_VERSION")))
}

impl NativePorts {
    pub fn new(secrets: NativeSecrets) -> anyhow::Result<NativePorts> {
        Ok(NativePorts {
            inner: Arc::new(Inner {
                client: client_builder().build()?,
                tls_clients: Mutex::new(HashMap::new()),
                secrets,
                start: Instant::now(),
            }),
        })
    }

    fn client_for(&self, tls: &Option<TlsMaterial>) -> Result<reqwest::Client, PortError> {
        let Some(tls) = tls else {
            return Ok(self.inner.client.clone());
        };
        let mut cache = self
            .inner
            .tls_clients
            .lock()
            .map_err(|_| PortError::Permanent("TLS client cache poisoned".into()))?;
        if let Some(c) = cache.get(tls) {
            return Ok(c.clone());
        }
        let bad = |what: &str, e: reqwest::Error| PortError::Permanent(format!("{what}: {e}"));
        let mut b = client_builder().danger_accept_invalid_certs(tls.insecure_skip_verify);
        if let Some(ca) = &tls.ca_cert {
            b = b.add_root_certificate(
                reqwest::Certificate::from_pem(ca.as_bytes())
                    .map_err(|e| bad("tls.caCertSecret", e))?,
            );
        }
        if let (Some(cert), Some(key)) = (&tls.client_cert, &tls.client_key) {
            let pem = format!("{key}\n{cert}");
            b = b.identity(
                reqwest::Identity::from_pem(pem.as_bytes())
                    .map_err(|e| bad("tls.clientCertSecret/clientKeySecret", e))?,
            );
        }
        let c = b.build().map_err(|e| bad("tls", e))?;
        cache.insert(tls.clone(), c.clone());
        Ok(c)
    }
}

impl HttpPort for NativePorts {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, PortError> {
        let client = self.client_for(&req.tls)?;
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| PortError::Permanent(format!("invalid HTTP method {:?}", req.method)))?;
        let mut rb = client.request(method, &req.url).timeout(req.timeout);
        for (n, v) in &req.headers {
            rb = rb.header(n, v);
        }
        let resp = rb.body(req.body).send().await.map_err(|e| {
            if e.is_builder() {
                PortError::Permanent(format!("invalid request to {}: {e}", req.url))
            } else {
                PortError::Transient(format!("{}: {e}", req.url))
            }
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| PortError::Transient(format!("reading the answer of {}: {e}", req.url)))?;
        Ok(HttpResponse {
            status,
            body: body.to_vec(),
        })
    }
}

impl ClockPort for NativePorts {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.inner.start.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}

impl LogPort for NativePorts {
    fn emit(&self, r: &LogRecord) {
        for (dep, context, data) in &r.events {
            tracing::info!(
                target: "tripline::trigger::log",
                sensor = %r.sensor,
                trigger = %r.trigger,
                dependency = %dep,
                context = %context,
                data = %data,
                "event"
            );
        }
    }
}

impl QueuePort for NativePorts {}
impl InvokePort for NativePorts {}

impl SecretPort for NativePorts {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        self.inner.secrets.secret(name, key)
    }

    fn config_value(&self, name: &str, key: &str) -> Result<String, SecretError> {
        self.inner.secrets.config_value(name, key)
    }
}
