//! Tripline on AWS Lambda: the source function (webhooks, S3, schedules, external queues →
//! CloudEvents on SQS) and the sensor function (SQS → the core's sensor → the shared triggers),
//! with S3 for claim checks, sensor state and idempotency records.
//!
//! Both roles are one binary, `bootstrap`, chosen by `TRIPLINE_ROLE`: one build and one zip
//! serve every function of a deployment, and most of the code is shared anyway. The handlers are
//! plain async functions ([`source::SourceFunction::handle`], [`sensor::SensorFunction::handle`])
//! so tests call them directly.

pub mod aws;
pub mod boot;
pub mod config;
pub mod ports;
pub mod publish;
pub mod secrets;
pub mod sensor;
pub mod source;
pub mod store;
pub mod wire;
