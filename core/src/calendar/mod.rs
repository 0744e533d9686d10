//! Argo Events' `calendar` event source, pure: schedule (robfig 5-field cron) or interval,
//! timezone, exclusion dates, catch-up after a restart, and the event each tick produces.
//! No clock reads and no I/O: every instant is an argument, so the same logic runs natively
//! and in WebAssembly; the native driver owns the timer and the persisted last tick.

mod compiled;
mod error;
mod exclusion;
mod gotime;
mod schedule;

pub use compiled::{Catchup, CompiledCalendar, EVENT_TYPE};
pub use error::CalendarError;
pub use gotime::go_time_string;

#[cfg(test)]
mod tests;
