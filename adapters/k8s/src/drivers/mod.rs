//! Native drivers for the `calendar` and `file` event sources of `tripline run`.
//!
//! Both turn their source into `tripline_core::event::Event`s handed to an async callback;
//! the callback's `Ok` is the acknowledgement (the runtime returns it once the event is in its
//! durable bus). The calendar driver records a tick as done only after that Ok.

pub mod calendar;
pub mod clock;
pub mod file;
pub mod store;
pub mod watch;

pub use calendar::{tick_id, Backoff, CalendarDriver, CalendarDriverError};
pub use clock::{Clock, ManualClock, SystemClock};
pub use file::{CompiledFileSource, FileOp, FileSourceError};
pub use store::{JsonFileStore, MemoryStore, StoreError, TickStore};
pub use watch::{FileDriver, FileDriverError, WatchingFileDriver};
