//! Objects with conditional writes: S3 in production, an in-memory store with the same
//! semantics for benchmarks and for unit tests of the state logic.

use crate::ports::classify_sdk;
use std::collections::HashMap;
use std::sync::Mutex;

/// An object and its version tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub body: Vec<u8>,
    pub etag: String,
}

/// When a write may happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Always (overwrite).
    None,
    /// Only if no object exists (`If-None-Match: *`).
    Absent,
    /// Only if the object still has this ETag (`If-Match`).
    Matches(String),
}

/// Why a store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The precondition did not hold: someone else wrote first (HTTP 412, or 409 when S3
    /// saw two conditional writes at once).
    #[error("s3://{bucket}/{key}: precondition failed (changed concurrently)")]
    Conflict { bucket: String, key: String },
    #[error("s3://{bucket}/{key}: {reason}")]
    Io {
        bucket: String,
        key: String,
        reason: String,
    },
}

/// Get/put/delete with preconditions.
#[allow(async_fn_in_trait)]
pub trait ObjectStore {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, StoreError>;
    /// Writes and returns the new ETag.
    async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        cond: Precondition,
    ) -> Result<String, StoreError>;
    /// Deletes (only if the ETag matches, when given). A missing object is not an error.
    async fn delete(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), StoreError>;
}

/// S3 through `aws-sdk-s3`.
#[derive(Debug, Clone)]
pub struct S3Store {
    clients: crate::aws::Clients,
}

impl S3Store {
    pub fn new(clients: crate::aws::Clients) -> S3Store {
        S3Store { clients }
    }
}

fn io(bucket: &str, key: &str, reason: String) -> StoreError {
    StoreError::Io {
        bucket: bucket.into(),
        key: key.into(),
        reason,
    }
}

fn conflict(bucket: &str, key: &str) -> StoreError {
    StoreError::Conflict {
        bucket: bucket.into(),
        key: key.into(),
    }
}

/// The HTTP status of a service error, if the call got that far.
fn status<E>(
    e: &aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> Option<u16> {
    match e {
        aws_sdk_s3::error::SdkError::ServiceError(ctx) => Some(ctx.raw().status().as_u16()),
        _ => None,
    }
}

impl ObjectStore for S3Store {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, StoreError> {
        let out = match self
            .clients
            .s3()
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                if status(&e) == Some(404)
                    || e.as_service_error().is_some_and(|s| s.is_no_such_key())
                {
                    return Ok(None);
                }
                return Err(io(bucket, key, classify_sdk(e).to_string()));
            }
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| io(bucket, key, format!("reading the body: {e}")))?
            .into_bytes()
            .to_vec();
        Ok(Some(Object { body, etag }))
    }

    async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        cond: Precondition,
    ) -> Result<String, StoreError> {
        let mut req = self
            .clients
            .s3()
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(body));
        req = match cond {
            Precondition::None => req,
            Precondition::Absent => req.if_none_match("*"),
            Precondition::Matches(etag) => req.if_match(etag),
        };
        match req.send().await {
            Ok(out) => Ok(out.e_tag().unwrap_or_default().to_string()),
            Err(e) if matches!(status(&e), Some(412 | 409)) => Err(conflict(bucket, key)),
            Err(e) => Err(io(bucket, key, classify_sdk(e).to_string())),
        }
    }

    async fn delete(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut req = self.clients.s3().delete_object().bucket(bucket).key(key);
        if let Some(etag) = if_match {
            req = req.if_match(etag);
        }
        match req.send().await {
            Ok(_) => Ok(()),
            Err(e) if status(&e) == Some(404) => Ok(()),
            Err(e) if matches!(status(&e), Some(412 | 409)) => Err(conflict(bucket, key)),
            Err(e) => Err(io(bucket, key, classify_sdk(e).to_string())),
        }
    }
}

/// Objects in memory, with S3's conditional-write rules.
#[derive(Debug, Default)]
pub struct MemStore {
    objects: Mutex<HashMap<(String, String), Object>>,
    version: std::sync::atomic::AtomicU64,
}

impl MemStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Object>> {
        match self.objects.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The keys under a bucket, sorted (for tests).
    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let mut keys: Vec<String> = self
            .lock()
            .keys()
            .filter(|(b, _)| b == bucket)
            .map(|(_, k)| k.clone())
            .collect();
        keys.sort();
        keys
    }
}

impl ObjectStore for MemStore {
    async fn get(&self, bucket: &str, key: &str) -> Result<Option<Object>, StoreError> {
        Ok(self.lock().get(&(bucket.into(), key.into())).cloned())
    }

    async fn put(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        cond: Precondition,
    ) -> Result<String, StoreError> {
        let mut map = self.lock();
        let k = (bucket.to_string(), key.to_string());
        let ok = match (&cond, map.get(&k)) {
            (Precondition::None, _) => true,
            (Precondition::Absent, existing) => existing.is_none(),
            (Precondition::Matches(tag), Some(o)) => &o.etag == tag,
            (Precondition::Matches(_), None) => false,
        };
        if !ok {
            return Err(conflict(bucket, key));
        }
        let v = self
            .version
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let etag = format!("\"v{v}\"");
        map.insert(
            k,
            Object {
                body,
                etag: etag.clone(),
            },
        );
        Ok(etag)
    }

    async fn delete(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut map = self.lock();
        let k = (bucket.to_string(), key.to_string());
        match (if_match, map.get(&k)) {
            (Some(tag), Some(o)) if o.etag != tag => Err(conflict(bucket, key)),
            _ => {
                map.remove(&k);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn mem_store_follows_s3_preconditions() {
        let s = MemStore::default();
        let e1 = s
            .put("b", "k", b"1".to_vec(), Precondition::Absent)
            .await
            .expect("create");
        assert!(matches!(
            s.put("b", "k", b"2".to_vec(), Precondition::Absent).await,
            Err(StoreError::Conflict { .. })
        ));
        let e2 = s
            .put("b", "k", b"2".to_vec(), Precondition::Matches(e1.clone()))
            .await
            .expect("matching etag");
        assert!(matches!(
            s.put("b", "k", b"3".to_vec(), Precondition::Matches(e1.clone()))
                .await,
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(
            s.get("b", "k").await.expect("get").map(|o| o.body),
            Some(b"2".to_vec())
        );
        assert!(s.delete("b", "k", Some(&e1)).await.is_err());
        s.delete("b", "k", Some(&e2)).await.expect("delete");
        assert_eq!(s.get("b", "k").await.expect("get"), None);
        s.delete("b", "k", None).await.expect("missing is fine");
    }
}
