//! The JSON tick file: round trips, atomic replacement, clear errors.

use chrono::{DateTime, Utc};
use tripline::drivers::{JsonFileStore, StoreError, TickStore};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("rfc3339")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn saves_and_loads_several_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ticks.json");
    let store = JsonFileStore::open(&path).expect("open");
    assert_eq!(store.load("a.b").await.expect("load"), None);
    store
        .save("a.b", utc("2024-01-01T00:00:00Z"))
        .await
        .expect("save");
    store
        .save("c.d", utc("2024-01-02T00:00:00.123Z"))
        .await
        .expect("save");
    store
        .save("a.b", utc("2024-01-03T00:00:00Z"))
        .await
        .expect("save");
    let again = JsonFileStore::open(&path).expect("reopen");
    assert_eq!(
        again.load("a.b").await.expect("load"),
        Some(utc("2024-01-03T00:00:00Z"))
    );
    assert_eq!(
        again.load("c.d").await.expect("load"),
        Some(utc("2024-01-02T00:00:00.123Z"))
    );
    let text = std::fs::read_to_string(&path).expect("read");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["version"], 1);
    assert_eq!(v["lastTicks"]["a.b"], "2024-01-03T00:00:00Z");
}

#[tokio::test]
async fn a_corrupt_or_foreign_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("ticks.json");
    std::fs::write(
        &path,
        b"{\"version\":1,\"lastTicks\":{\"a\":\"yesterday\"}}",
    )
    .expect("write");
    let err = JsonFileStore::open(&path).expect_err("corrupt");
    assert!(matches!(err, StoreError::Corrupt { .. }));
    assert!(err.to_string().contains("ticks.json"), "{err}");
    std::fs::write(&path, b"{\"version\":7,\"lastTicks\":{}}").expect("write");
    let err = JsonFileStore::open(&path).expect_err("version");
    assert!(err.to_string().contains("version 7"), "{err}");
}

#[tokio::test]
async fn a_failed_write_keeps_the_old_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("gone").join("ticks.json");
    let store = JsonFileStore::open(&path).expect("open (missing file is empty)");
    let err = store
        .save("a.b", utc("2024-01-01T00:00:00Z"))
        .await
        .expect_err("no such directory");
    assert!(matches!(err, StoreError::Io { .. }), "{err}");
    assert_eq!(store.load("a.b").await.expect("load"), None);
}
