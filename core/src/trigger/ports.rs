//! The port traits through which shared trigger code reaches the world. Each runtime
//! implements them natively (reqwest + tokio locally, the AWS SDK on Lambda, `spin_sdk` at the
//! edge); the trigger logic above them is the same everywhere.
//!
//! The traits use `async fn` without a `Send` bound on purpose: the WebAssembly runtimes are
//! single-threaded and their futures are not `Send`. A native runtime that spawns the futures
//! onto a multi-threaded executor uses a concrete port type, whose futures are `Send` when its
//! implementation is.
#![allow(async_fn_in_trait)]

use crate::secret::SecretPort;
use std::time::Duration;

/// Why a port call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortError {
    /// The call may succeed if tried again (connection refused, timeout, throttled).
    #[error("{0}")]
    Transient(String),
    /// Trying again will not help (bad URL, TLS material unusable, permission denied).
    #[error("{0}")]
    Permanent(String),
    /// This runtime has no implementation of the port.
    #[error("{0} is not supported by this runtime")]
    Unsupported(String),
}

impl PortError {
    pub fn is_transient(&self) -> bool {
        matches!(self, PortError::Transient(_))
    }
}

/// TLS material for an outbound request, already read from secrets (PEM text).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TlsMaterial {
    pub ca_cert: Option<String>,
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub insecure_skip_verify: bool,
}

/// An outbound HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    pub url: String,
    /// In order; a name may repeat.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub timeout: Duration,
    pub tls: Option<TlsMaterial>,
}

impl HttpRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The answer to an [`HttpRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

/// Outbound HTTP.
pub trait HttpPort {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, PortError>;
}

/// Time, for backoff sleeps and rate limits. `now_ms` need only be monotonic.
pub trait ClockPort {
    fn now_ms(&self) -> u64;
    async fn sleep(&self, d: Duration);
}

/// One line of the `log` trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    pub sensor: String,
    pub trigger: String,
    /// Per dependency: name, Argo's event context JSON, the data as text.
    pub events: Vec<(String, String, String)>,
}

/// Where the `log` trigger writes (tracing locally, stdout → CloudWatch on Lambda).
pub trait LogPort {
    fn emit(&self, record: &LogRecord);
}

/// A message for a queue (the `sqs` trigger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueMessage {
    pub queue_url: String,
    pub body: String,
    pub message_group_id: Option<String>,
    pub deduplication_id: Option<String>,
    pub delay_seconds: Option<u32>,
    pub attributes: Vec<(String, String)>,
}

/// Sends to a message queue. Runtimes without one keep the default, which says so.
pub trait QueuePort {
    async fn send_message(&self, msg: QueueMessage) -> Result<(), PortError> {
        let _ = msg;
        Err(PortError::Unsupported("the sqs trigger".into()))
    }
}

/// A function invocation (the `awsLambda` trigger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeRequest {
    pub function_name: String,
    pub payload: Vec<u8>,
    /// `RequestResponse` (default), `Event` or `DryRun`, as Lambda names them.
    pub invocation_type: String,
    pub region: Option<String>,
}

/// The answer to an [`InvokeRequest`]: the function's status code and error, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeResponse {
    pub status: u16,
    pub function_error: Option<String>,
    pub payload: Vec<u8>,
}

/// Invokes functions. Runtimes without one keep the default, which says so.
pub trait InvokePort {
    async fn invoke(&self, req: InvokeRequest) -> Result<InvokeResponse, PortError> {
        let _ = req;
        Err(PortError::Unsupported("the awsLambda trigger".into()))
    }
}

/// Everything a trigger may need; implemented once per runtime.
pub trait Ports: HttpPort + ClockPort + LogPort + QueuePort + InvokePort + SecretPort {}

impl<T: HttpPort + ClockPort + LogPort + QueuePort + InvokePort + SecretPort> Ports for T {}
