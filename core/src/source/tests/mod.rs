//! Request-level tests per source, with realistic payloads; signatures are computed here with
//! the same HMAC crates.

mod github;
mod gitlab;
mod router;
mod setup;
mod slack;
mod stripe;
mod webhook;

use super::*;
use crate::secret::StaticSecrets;
use crate::spec::{load_one, Manifest};
use chrono::TimeZone as _;
use hmac::{Hmac, Mac};

/// The clock of every test: 2025-03-01T09:00:00Z.
pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0)
        .single()
        .expect("valid time")
}

pub(super) fn eventsource(yaml: &str) -> EventSource {
    match load_one(yaml).expect("manifest parses").manifest {
        Manifest::EventSource(es) => es,
        other => panic!("not an EventSource: {}", other.kind()),
    }
}

pub(super) fn secrets() -> StaticSecrets {
    StaticSecrets::default()
        .with("webhook-auth", "token", "s3cr3t-bearer\n")
        .with("github", "secret", "gh-hook-secret")
        .with("gitlab", "token", "gl-token")
        .with("slack", "signing", "8f742231b10e8888abcd99yyyzzz85a5")
        .with("slack", "token", "Jhj5dZrVaK7ZwHHjRyZWjbDl")
}

pub(super) fn compile(es: &EventSource, name: &str) -> CompiledEndpoint {
    CompiledEndpoint::compile(es, name, &secrets()).expect("compiles")
}

/// An owned request to build in tests.
#[derive(Debug, Clone)]
pub(super) struct Req {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn new(method: &str, path: &str) -> Req {
        Req {
            method: method.into(),
            path: path.into(),
            query: None,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn post(path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Req {
        Req::new("POST", path)
            .header("Host", "events.example.com")
            .header("Content-Type", content_type)
            .body(body)
    }

    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self
    }

    pub fn query(mut self, q: &str) -> Req {
        self.query = Some(q.into());
        self
    }

    pub fn http(&self) -> HttpRequest<'_> {
        HttpRequest {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }
}

pub(super) fn accept_at(ep: &CompiledEndpoint, req: &Req, at: DateTime<Utc>) -> Accepted {
    ep.accept(&req.http(), "evt-1".into(), at)
}

pub(super) fn accept(ep: &CompiledEndpoint, req: &Req) -> Accepted {
    accept_at(ep, req, now())
}

/// The published data, as text; panics with the outcome otherwise.
pub(super) fn data(a: &Accepted) -> String {
    match a {
        Accepted::Event(e) => String::from_utf8(e.data().to_vec()).expect("utf-8 data"),
        other => panic!("expected an event, got {other:?}"),
    }
}

pub(super) fn rejected(a: &Accepted) -> (u16, &str) {
    match a {
        Accepted::Rejected(r) => (r.status, r.message.as_str()),
        other => panic!("expected a rejection, got {other:?}"),
    }
}

pub(super) fn filtered(a: &Accepted) -> &str {
    match a {
        Accepted::Filtered { reason } => reason,
        other => panic!("expected a filtered outcome, got {other:?}"),
    }
}

/// Lower-case hex HMAC-SHA256 of the concatenated parts.
pub(super) fn hmac256(key: &str, parts: &[&[u8]]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).expect("any key length");
    for p in parts {
        mac.update(p);
    }
    hex::encode(mac.finalize().into_bytes())
}

pub(super) fn hmac1(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).expect("any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// `application/x-www-form-urlencoded` encoding of one value (everything but unreserved
/// characters escaped, space as `+`).
pub(super) fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
