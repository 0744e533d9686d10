//! Tripline's pure core: Argo Events specs, validation, event model, filters, conditions,
//! trigger parameters, the sensor state machine and trigger plans.
//!
//! No I/O, no clock reads, no threads: time comes in as an argument and everything that
//! touches the world goes through the port traits of [`trigger`].

pub mod spec;
pub mod validate;
