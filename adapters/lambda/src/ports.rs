//! The trigger ports on Lambda: HTTP through reqwest (rustls), the `sqs` trigger through
//! `aws-sdk-sqs`, `awsLambda` through `aws-sdk-lambda`, `log` as JSON lines on stdout (which
//! Lambda ships to CloudWatch Logs), time from tokio, secrets from the environment and Secrets
//! Manager. The trigger logic itself is the core's.

use crate::aws::Clients;
use crate::secrets::Secrets;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::MessageAttributeValue;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tripline_core::secret::{SecretError, SecretPort};
use tripline_core::trigger::ports::{
    ClockPort, HttpPort, HttpRequest, HttpResponse as PortHttpResponse, InvokePort, InvokeRequest,
    InvokeResponse, LogPort, LogRecord, PortError, QueueMessage, QueuePort, TlsMaterial,
};

/// Where `log` trigger lines go.
pub type LogSink = Box<dyn Write + Send>;

/// The ports of the sensor function.
pub struct AwsPorts {
    clients: Clients,
    secrets: Secrets,
    started: Instant,
    /// reqwest clients by TLS settings, built on first use (certificate loading is not free and
    /// most sensors never send HTTP).
    http: Mutex<HashMap<Option<TlsMaterial>, reqwest::Client>>,
    log: Mutex<LogSink>,
}

impl std::fmt::Debug for AwsPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsPorts").finish_non_exhaustive()
    }
}

impl AwsPorts {
    pub fn new(clients: Clients, secrets: Secrets) -> AwsPorts {
        Self::with_log(clients, secrets, Box::new(std::io::stdout()))
    }

    /// Ports whose `log` trigger writes to `sink` (benchmarks, tests).
    pub fn with_log(clients: Clients, secrets: Secrets, sink: LogSink) -> AwsPorts {
        AwsPorts {
            clients,
            secrets,
            started: Instant::now(),
            http: Mutex::new(HashMap::new()),
            log: Mutex::new(sink),
        }
    }

    fn http_client(&self, tls: &Option<TlsMaterial>) -> Result<reqwest::Client, PortError> {
        let mut cache = self
            .http
            .lock()
            .map_err(|_| PortError::Transient("HTTP client cache poisoned".into()))?;
        if let Some(c) = cache.get(tls) {
            return Ok(c.clone());
        }
        let client = build_http_client(tls.as_ref())?;
        cache.insert(tls.clone(), client.clone());
        Ok(client)
    }
}

fn build_http_client(tls: Option<&TlsMaterial>) -> Result<reqwest::Client, PortError> {
    let mut b = reqwest::Client::builder().use_rustls_tls();
    if let Some(t) = tls {
        if let Some(ca) = &t.ca_cert {
            let cert = reqwest::Certificate::from_pem(ca.as_bytes())
                .map_err(|e| PortError::Permanent(format!("tls.caCertSecret: {e}")))?;
            b = b.add_root_certificate(cert);
        }
        match (&t.client_cert, &t.client_key) {
            (Some(cert), Some(key)) => {
                let pem = format!("{cert}\n{key}");
                let id = reqwest::Identity::from_pem(pem.as_bytes())
                    .map_err(|e| PortError::Permanent(format!("tls client certificate: {e}")))?;
                b = b.identity(id);
            }
            (None, None) => {}
            _ => {
                return Err(PortError::Permanent(
                    "tls needs both clientCertSecret and clientKeySecret".into(),
                ))
            }
        }
        if t.insecure_skip_verify {
            b = b.danger_accept_invalid_certs(true);
        }
    }
    b.build()
        .map_err(|e| PortError::Permanent(format!("cannot build the HTTP client: {e}")))
}

impl HttpPort for AwsPorts {
    async fn send(&self, req: HttpRequest) -> Result<PortHttpResponse, PortError> {
        let client = self.http_client(&req.tls)?;
        let method = reqwest::Method::from_bytes(req.method.as_bytes())
            .map_err(|_| PortError::Permanent(format!("invalid HTTP method {:?}", req.method)))?;
        let mut rb = client.request(method, &req.url).timeout(req.timeout);
        for (n, v) in &req.headers {
            rb = rb.header(n, v);
        }
        let resp = rb.body(req.body).send().await.map_err(classify_reqwest)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(classify_reqwest)?.to_vec();
        Ok(PortHttpResponse { status, body })
    }
}

fn classify_reqwest(e: reqwest::Error) -> PortError {
    let msg = format!("{e}");
    if e.is_builder() || e.is_redirect() {
        PortError::Permanent(msg)
    } else {
        // Connect errors, timeouts and broken bodies may pass on another attempt.
        PortError::Transient(msg)
    }
}

impl ClockPort for AwsPorts {
    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

impl LogPort for AwsPorts {
    fn emit(&self, record: &LogRecord) {
        let events: Vec<serde_json::Value> = record
            .events
            .iter()
            .map(|(dep, ctx, data)| {
                let ctx: serde_json::Value =
                    serde_json::from_str(ctx).unwrap_or(serde_json::Value::Null);
                serde_json::json!({ "dependency": dep, "context": ctx, "data": data })
            })
            .collect();
        let line = serde_json::json!({
            "level": "INFO",
            "msg": "log trigger",
            "sensor": record.sensor,
            "trigger": record.trigger,
            "events": events,
        });
        if let Ok(mut out) = self.log.lock() {
            // One write per line so CloudWatch gets whole records.
            let mut text = line.to_string();
            text.push('\n');
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }
}

/// Classifies an SDK error: throttling, server errors and transport failures may pass later;
/// a rejected request (missing queue, bad parameter, access denied) will not.
pub fn classify_sdk<E>(e: SdkError<E, HttpResponse>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &e {
        SdkError::ServiceError(ctx) => {
            let status = ctx.raw().status().as_u16();
            let code = ctx.err().code().unwrap_or("unknown error");
            let transient = status == 429
                || status >= 500
                || code.contains("Throttl")
                || code == "TooManyRequestsException"
                || code == "RequestThrottled";
            // The service's code and message say it all; the raw response would bury them.
            let msg = match ctx.err().message() {
                Some(m) => format!("{code} (HTTP {status}): {m}"),
                None => format!("{code} (HTTP {status})"),
            };
            if transient {
                PortError::Transient(msg)
            } else {
                PortError::Permanent(msg)
            }
        }
        SdkError::ConstructionFailure(_) => {
            PortError::Permanent(format!("{}", DisplayErrorContext(&e)))
        }
        _ => PortError::Transient(format!("{}", DisplayErrorContext(&e))),
    }
}

impl QueuePort for AwsPorts {
    async fn send_message(&self, msg: QueueMessage) -> Result<(), PortError> {
        let mut req = self
            .clients
            .sqs()
            .send_message()
            .queue_url(&msg.queue_url)
            .message_body(msg.body)
            .set_message_group_id(msg.message_group_id)
            .set_message_deduplication_id(msg.deduplication_id);
        if let Some(d) = msg.delay_seconds {
            req = req.delay_seconds(d.min(900) as i32);
        }
        for (name, value) in msg.attributes {
            let v = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| PortError::Permanent(e.to_string()))?;
            req = req.message_attributes(name, v);
        }
        req.send().await.map_err(classify_sdk)?;
        Ok(())
    }
}

impl InvokePort for AwsPorts {
    async fn invoke(&self, req: InvokeRequest) -> Result<InvokeResponse, PortError> {
        use aws_sdk_lambda::types::InvocationType;
        let kind = match req.invocation_type.as_str() {
            "RequestResponse" => InvocationType::RequestResponse,
            "Event" => InvocationType::Event,
            "DryRun" => InvocationType::DryRun,
            other => {
                return Err(PortError::Permanent(format!(
                    "invocationType {other:?} is not RequestResponse, Event or DryRun"
                )))
            }
        };
        let mut call = self
            .clients
            .lambda()
            .invoke()
            .function_name(&req.function_name)
            .invocation_type(kind)
            .payload(aws_sdk_lambda::primitives::Blob::new(req.payload))
            .customize();
        if let Some(region) = req.region {
            call = call.config_override(
                aws_sdk_lambda::config::Builder::default()
                    .region(aws_sdk_lambda::config::Region::new(region)),
            );
        }
        let out = call.send().await.map_err(classify_sdk)?;
        Ok(InvokeResponse {
            status: u16::try_from(out.status_code()).unwrap_or(0),
            function_error: out.function_error().map(str::to_string),
            payload: out
                .payload()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
        })
    }
}

impl SecretPort for AwsPorts {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        self.secrets.secret(name, key)
    }
}
