//! The `tripline` library side: the embedded durable bus and the native source drivers
//! (calendar timer, file watcher), shared by the binary, its tests and benches.

pub mod bus;
pub mod drivers;
