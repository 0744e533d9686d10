//! Requests to compiled endpoints by port and path, as Argo's per-port gorilla/mux router does:
//! exact path match, several events per port, `/health` answered on every port that serves an
//! endpoint (unless an endpoint is itself `/health`, which then wins, as it is registered first).

use super::{CompiledEndpoint, SourceError};
use std::collections::HashMap;

/// Body of the `/health` answer (200).
pub const HEALTH_BODY: &str = "OK";
/// Status and body for a path no endpoint serves (Go's `http.NotFound`).
pub const NOT_FOUND: (u16, &str) = (404, "404 page not found\n");

/// What a request on a port and path goes to.
#[derive(Debug, Clone, Copy)]
pub enum Route<'a> {
    Endpoint(&'a CompiledEndpoint),
    /// `/health`: answer 200 [`HEALTH_BODY`], whatever the method.
    Health,
    /// Answer [`NOT_FOUND`].
    NotFound,
}

/// The compiled endpoints of one or more EventSources, by port and path.
#[derive(Debug)]
pub struct Router {
    endpoints: Vec<CompiledEndpoint>,
    index: HashMap<(u16, String), usize>,
}

impl Router {
    /// Indexes the endpoints. Two on the same port and path are an error: Argo would silently
    /// feed only the first one.
    pub fn new(endpoints: Vec<CompiledEndpoint>) -> Result<Router, SourceError> {
        let mut index = HashMap::with_capacity(endpoints.len());
        for (i, e) in endpoints.iter().enumerate() {
            let ep = e.endpoint();
            if let Some(&j) = index.get(&(ep.port, ep.path.clone())) {
                let first: &CompiledEndpoint = &endpoints[j];
                return Err(SourceError::DuplicateRoute {
                    port: ep.port,
                    path: ep.path.clone(),
                    first: first.describe(),
                    second: e.describe(),
                });
            }
            index.insert((ep.port, ep.path.clone()), i);
        }
        Ok(Router { endpoints, index })
    }

    /// Where a request goes. `path` is the request target's path (no query); percent-escapes
    /// are decoded before matching, as Go matches on `URL.Path`.
    pub fn route(&self, port: u16, path: &str) -> Route<'_> {
        let decoded = percent_decode(path);
        let Some(path) = decoded.as_deref() else {
            return Route::NotFound;
        };
        if let Some(&i) = self.index.get(&(port, path.to_string())) {
            return self
                .endpoints
                .get(i)
                .map_or(Route::NotFound, Route::Endpoint);
        }
        if path == "/health" && self.endpoints.iter().any(|e| e.endpoint().port == port) {
            return Route::Health;
        }
        Route::NotFound
    }

    /// The ports to listen on, ascending.
    pub fn ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self.endpoints.iter().map(|e| e.endpoint().port).collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }

    pub fn endpoints(&self) -> &[CompiledEndpoint] {
        &self.endpoints
    }
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(path: &str) -> Option<std::borrow::Cow<'_, str>> {
    if !path.contains('%') {
        return Some(std::borrow::Cow::Borrowed(path));
    }
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let h = bytes.get(i + 1..i + 3)?;
            let hi = (h[0] as char).to_digit(16)?;
            let lo = (h[1] as char).to_digit(16)?;
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok().map(std::borrow::Cow::Owned)
}
