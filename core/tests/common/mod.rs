pub mod examples;
pub mod workloads;
