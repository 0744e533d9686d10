//! Shared pieces of the `tripline run` tests: a real trigger sink over loopback, free ports,
//! and the real binary started and stopped as a user (or a crash) would.
#![allow(dead_code)]
// Test support: a poisoned lock or non-UTF-8 temp path should fail the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::Router;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// One request the sink received.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: String,
    pub key: Option<String>,
    pub body: serde_json::Value,
}

/// An HTTP server on loopback recording every request; paths listed in `fail` answer 500.
#[derive(Clone, Default)]
pub struct Sink {
    pub hits: Arc<Mutex<Vec<Hit>>>,
    pub fail: Arc<Mutex<HashMap<String, usize>>>,
}

impl Sink {
    /// Starts on its own thread and runtime; returns the port.
    pub fn start(&self) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let me = self.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let l = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = Router::new().fallback(record).with_state(me);
                axum::serve(l, app).await.expect("sink serves");
            });
        });
        port
    }

    /// Answer 500 to the next `n` requests on `path` (`usize::MAX`: always).
    pub fn fail(&self, path: &str, n: usize) {
        self.fail.lock().unwrap().insert(path.into(), n);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.hits.lock().unwrap().clone()
    }

    pub fn hits_on(&self, path: &str) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.path == path).collect()
    }

    /// Waits until `pred` holds for the hits, or panics after `secs`.
    pub fn wait_for(&self, secs: u64, what: &str, pred: impl Fn(&[Hit]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            if pred(&self.hits()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; hits: {:?}",
                self.hits().len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

async fn record(State(s): State<Sink>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let path = uri.path().to_string();
    let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let key = headers
        .get("x-tripline-idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    s.hits.lock().unwrap().push(Hit {
        path: path.clone(),
        key,
        body,
    });
    let mut fail = s.fail.lock().unwrap();
    if let Some(n) = fail.get_mut(&path) {
        if *n > 0 {
            *n = n.saturating_sub(1);
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    StatusCode::OK
}

/// A `tripline run` process.
pub struct Tripline {
    pub child: Child,
    pub admin: u16,
    pub data: PathBuf,
    pub stderr: Arc<Mutex<Vec<String>>>,
}

impl Tripline {
    pub fn start(manifests: &Path, data: &Path, extra_env: &[(&str, &str)]) -> Tripline {
        let admin = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tripline"));
        cmd.args([
            "run",
            manifests.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ])
        .args([
            "--admin",
            &format!("127.0.0.1:{admin}"),
            "--bind",
            "127.0.0.1",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("tripline starts");
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let pipe = child.stderr.take().expect("stderr");
        let lines = stderr.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(l);
            }
        });
        let t = Tripline {
            child,
            admin,
            data: data.to_path_buf(),
            stderr,
        };
        t.wait_ready();
        t
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = get(&format!("http://127.0.0.1:{}/readyz", self.admin)) {
                if r.0 == 200 {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "tripline not ready; stderr:\n{}",
                self.stderr.lock().unwrap().join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn metrics(&self) -> String {
        get(&format!("http://127.0.0.1:{}/metrics", self.admin))
            .expect("metrics")
            .1
    }

    /// Sum of a metric's samples whose line contains every one of `labels`.
    pub fn metric(&self, name: &str, labels: &[&str]) -> f64 {
        self.metrics()
            .lines()
            .filter(|l| l.starts_with(name) && labels.iter().all(|x| l.contains(x)))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait; returns whether it exited successfully.
    pub fn terminate(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(st)) = self.child.try_wait() {
                return st.success();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }
}

impl Drop for Tripline {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A blocking HTTP request on loopback (test side: a plain client is clearest).
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(u16, String), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let client = reqwest::Client::new();
        let mut rb = client
            .request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url)
            .timeout(Duration::from_secs(10))
            .body(body.to_vec());
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let r = rb.send().await.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        Ok((status, r.text().await.unwrap_or_default()))
    })
}

pub fn get(url: &str) -> Result<(u16, String), String> {
    request("GET", url, &[], b"")
}

pub fn post_json(url: &str, body: &serde_json::Value) -> Result<(u16, String), String> {
    request(
        "POST",
        url,
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    )
}
