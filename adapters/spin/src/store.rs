//! Where held dependency state and idempotency records live: Spin's key-value store (feature
//! `spin-kv`), or this instance's memory. Behind [`StatePort`] so the HTTP path also runs in
//! hosts without Spin's interfaces (`wasmtime serve`).

use std::cell::RefCell;
use std::collections::HashMap;

/// Why the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("key-value store: {0}")]
pub struct StoreError(pub String);

/// Whether this build's store keeps held dependency state between requests.
pub const KEEPS_STATE: bool = cfg!(feature = "spin-kv") || cfg!(feature = "memory-store");

/// A small key-value store.
pub trait StatePort {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
}

/// Spin's `default` key-value store (declare `key_value_stores = ["default"]` in spin.toml).
#[cfg(feature = "spin-kv")]
pub struct SpinKv(spin_sdk::key_value::Store);

#[cfg(feature = "spin-kv")]
impl SpinKv {
    pub fn open() -> Result<SpinKv, StoreError> {
        spin_sdk::key_value::Store::open_default()
            .map(SpinKv)
            .map_err(|e| StoreError(format!("cannot open the `default` store: {e}")))
    }
}

#[cfg(feature = "spin-kv")]
impl StatePort for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).map_err(|e| StoreError(e.to_string()))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.0
            .set(key, value)
            .map_err(|e| StoreError(e.to_string()))
    }
}

/// Most keys the memory store holds before it starts over: it only remembers recent
/// idempotency records, and must not grow without bound in a long-lived instance.
const MEMORY_LIMIT: usize = 4096;

thread_local! {
    static MEMORY: RefCell<HashMap<String, Vec<u8>>> = RefCell::new(HashMap::new());
}

/// This instance's memory: recent idempotency records always, held dependency state only in
/// the test-only `memory-store` build (an instance may serve a single request).
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryStore;

impl StatePort for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(MEMORY.with(|m| m.borrow().get(key).cloned()))
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        MEMORY.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() >= MEMORY_LIMIT && !m.contains_key(key) {
                // Drop idempotency records first; held state is what the sensor needs.
                m.retain(|k, _| k.starts_with(STATE_PREFIX));
            }
            m.insert(key.to_string(), value.to_vec());
        });
        Ok(())
    }
}

/// This build's store: Spin's key-value store with `spin-kv`, else the instance's memory.
pub fn open() -> Result<Box<dyn StatePort>, StoreError> {
    #[cfg(feature = "spin-kv")]
    {
        SpinKv::open().map(|s| Box::new(s) as Box<dyn StatePort>)
    }
    #[cfg(not(feature = "spin-kv"))]
    {
        Ok(Box::new(MemoryStore))
    }
}

pub(crate) const STATE_PREFIX: &str = "tripline/state/";
pub(crate) const DONE_PREFIX: &str = "tripline/done/";

/// The key of a sensor's held state.
pub fn state_key(sensor: &str) -> String {
    format!("{STATE_PREFIX}{sensor}")
}

/// The key of a settled firing's idempotency record.
pub fn done_key(idempotency_key: &str) -> String {
    format!("{DONE_PREFIX}{idempotency_key}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_round_trips_and_stays_bounded() {
        let s = MemoryStore;
        s.set(&state_key("a"), b"1").expect("set");
        assert_eq!(s.get(&state_key("a")).expect("get"), Some(b"1".to_vec()));
        assert_eq!(s.get("missing").expect("get"), None);
        for i in 0..MEMORY_LIMIT + 10 {
            s.set(&done_key(&i.to_string()), b"").expect("set");
        }
        let len = MEMORY.with(|m| m.borrow().len());
        assert!(len <= MEMORY_LIMIT, "{len}");
        // Held state survives the clean-up.
        assert_eq!(s.get(&state_key("a")).expect("get"), Some(b"1".to_vec()));
    }
}
