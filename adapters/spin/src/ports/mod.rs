//! The component's implementations of the core's ports: outbound HTTP, clock, log, SQS and
//! secrets. Trigger logic (rendering, retries, status policy, dead letters) is the core's.

pub mod clock;
pub mod http;
pub mod log;
pub mod settings;
pub mod sqs;

use settings::{Settings, SettingsSecrets};
use std::time::{Duration, SystemTime};
use tripline_core::secret::{SecretError, SecretPort};
use tripline_core::trigger::ports::{
    ClockPort, HttpPort, HttpRequest, HttpResponse, InvokePort, LogPort, LogRecord, PortError,
    QueueMessage, QueuePort,
};

/// Every port the shared triggers use, for one request.
pub struct SpinPorts<S: Settings> {
    pub settings: S,
}

impl<S: Settings> HttpPort for SpinPorts<S> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, PortError> {
        http::send(req).await
    }
}

impl<S: Settings> ClockPort for SpinPorts<S> {
    fn now_ms(&self) -> u64 {
        clock::now_ms()
    }

    async fn sleep(&self, d: Duration) {
        clock::sleep(d).await
    }
}

impl<S: Settings> LogPort for SpinPorts<S> {
    fn emit(&self, record: &LogRecord) {
        log::emit(record)
    }
}

impl<S: Settings> QueuePort for SpinPorts<S> {
    async fn send_message(&self, msg: QueueMessage) -> Result<(), PortError> {
        let aws = sqs::AwsConfig::from_settings(&self.settings)?;
        let req = sqs::send_message_request(&msg, &aws, SystemTime::now())?;
        let resp = http::send(req).await?;
        sqs::check_response(&msg.queue_url, &resp)
    }
}

/// No Lambda invocations from the edge: the default answer says so.
impl<S: Settings> InvokePort for SpinPorts<S> {}

impl<S: Settings> SecretPort for SpinPorts<S> {
    fn secret(&self, name: &str, key: &str) -> Result<String, SecretError> {
        SettingsSecrets(&self.settings).secret(name, key)
    }
}
