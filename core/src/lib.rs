//! Tripline's pure core: Argo Events specs, validation, event model, filters, conditions,
//! trigger parameters, the sensor state machine and trigger plans.
//!
//! No I/O, no clock reads, no threads: time comes in as an argument and everything that
//! touches the world goes through the port traits of [`trigger`].

pub mod aws_plan;
pub mod calendar;
pub mod check;
pub mod condition;
pub mod event;
pub mod expr;
pub mod extract;
pub mod filter;
pub mod gojson;
pub mod param;
pub mod path;
pub mod regex_go;
pub mod route;
pub mod script;
pub mod secret;
pub mod sensor;
pub mod sjson;
pub mod source;
pub mod spec;
pub mod template;
pub mod trigger;
pub mod validate;
