//! The deploy-time plan of the AWS adapter: which sensors' queues each (eventSource, eventName)
//! routes to, and which S3 buckets, schedules and queues feed the source function. Pure, so the
//! `tripline` CLI can write it for Terraform without the AWS SDK.
