//! What the end-to-end tests need around the component: the Wasmtime CLI, a build of the
//! component with the test's manifests, `wasmtime serve` on loopback, an HTTP client and a
//! loopback sink that records what the triggers send.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Wasmtime CLI: `$WASMTIME`, else the one `.ci/spin-setup` installs (it prints the path).
pub fn wasmtime() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(p) = std::env::var_os("WASMTIME") {
            return PathBuf::from(p);
        }
        let setup = crate_dir().join("../../.ci/spin-setup");
        let out = Command::new(&setup)
            .stderr(Stdio::inherit())
            .output()
            .expect("run .ci/spin-setup");
        assert!(out.status.success(), ".ci/spin-setup failed");
        let text = String::from_utf8_lossy(&out.stdout);
        PathBuf::from(
            text.lines()
                .last()
                .expect("spin-setup prints the wasmtime path")
                .trim(),
        )
    })
    .clone()
}

/// Builds run one at a time: they share the cargo target directory and its output file.
static BUILD: Mutex<()> = Mutex::new(());

/// A scratch directory under the target directory, emptied.
pub fn scratch(name: &str) -> PathBuf {
    let base = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("target"));
    let dir = base.join("tripline-spin-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Builds (and pre-initializes) the component with the manifests in `manifests` and the
/// given cargo features. `Err` carries the build's stderr.
pub fn build(manifests: &Path, features: &[&str], out: &Path) -> Result<(), String> {
    let _guard = BUILD.lock().unwrap_or_else(|p| p.into_inner());
    let mut cmd = Command::new(crate_dir().join("build.sh"));
    cmd.arg("-o").arg(out);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    let output = cmd
        .env("TRIPLINE_SPIN_MANIFESTS", manifests)
        .env("WASMTIME", wasmtime())
        .stdout(Stdio::null())
        .output()
        .expect("run build.sh");
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// `wasmtime serve` flags that keep one instance for consecutive requests (WASIp2 components
/// otherwise get a fresh instance per request): the in-memory store then lives across them.
pub const REUSE: &[&str] = &[
    "--max-instance-reuse-count",
    "1000",
    "--idle-instance-timeout",
    "120s",
];

/// `wasmtime serve` of a component, stopped on drop.
pub struct Served {
    pub port: u16,
    child: Child,
}

impl Served {
    pub fn start(wasm: &Path, env: &[(&str, &str)], extra: &[&str]) -> Served {
        let port = free_port();
        let mut cmd = Command::new(wasmtime());
        cmd.arg("serve")
            .arg("-Scli")
            .arg("--addr")
            .arg(format!("127.0.0.1:{port}"));
        for (k, v) in env {
            cmd.arg("--env").arg(format!("{k}={v}"));
        }
        cmd.args(extra).arg(wasm);
        let log =
            std::fs::File::create(wasm.with_extension(format!("{port}.log"))).expect("log file");
        let child = cmd
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn wasmtime serve");
        let served = Served { port, child };
        // Compiling the component takes a second or two on a cold cache.
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = request(port, "GET", "/health", &[], b"") {
                if r.status == 200 {
                    return served;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("wasmtime serve did not answer on port {port}");
    }

    /// What the component wrote to stdout/stderr so far.
    pub fn log(&self, wasm: &Path) -> String {
        std::fs::read_to_string(wasm.with_extension(format!("{}.log", self.port)))
            .unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn read_head(reader: &mut impl BufRead) -> std::io::Result<(String, Vec<(String, String)>)> {
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    Ok((first, headers))
}

fn read_body(reader: &mut impl BufRead, headers: &[(String, String)]) -> std::io::Result<Vec<u8>> {
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let mut body = Vec::new();
    if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Ok(body)
}

/// A keep-alive HTTP/1.1 connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Conn {
    pub fn open(port: u16) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            reader: BufReader::new(stream),
            port,
        })
    }

    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let stream = self.reader.get_mut();
        stream.write_all(req.as_bytes())?;
        stream.write_all(body)?;
        let (first, headers) = read_head(&mut self.reader)?;
        let status = first
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {first:?}")))?;
        let body = read_body(&mut self.reader, &headers)?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }
}

/// One request on a fresh connection.
pub fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    Conn::open(port)?.send(method, path, headers, body)
}

/// A request the sink received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("sink body is JSON")
    }
}

#[derive(Default)]
struct SinkState {
    received: Vec<Received>,
    /// Path → statuses to answer, in order (then 200).
    script: HashMap<String, Vec<u16>>,
}

/// A loopback HTTP server that records every request and answers 200 (or a scripted status).
#[derive(Clone)]
pub struct Sink {
    pub port: u16,
    state: Arc<(Mutex<SinkState>, Condvar)>,
}

impl Sink {
    pub fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind sink");
        let port = listener.local_addr().expect("addr").port();
        let sink = Sink {
            port,
            state: Arc::new((Mutex::new(SinkState::default()), Condvar::new())),
        };
        let s = sink.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || s.serve(conn));
            }
        });
        sink
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Answers the next requests on `path` with these statuses.
    pub fn script(&self, path: &str, statuses: &[u16]) {
        let mut st = self.state.0.lock().unwrap_or_else(|p| p.into_inner());
        st.script.insert(path.to_string(), statuses.to_vec());
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream);
        loop {
            let Ok((first, headers)) = read_head(&mut reader) else {
                return;
            };
            let mut parts = first.split_whitespace();
            let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
                return;
            };
            let Ok(body) = read_body(&mut reader, &headers) else {
                return;
            };
            let status = {
                let (lock, cv) = &*self.state;
                let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
                let status = match st.script.get_mut(target) {
                    Some(list) if !list.is_empty() => list.remove(0),
                    _ => 200,
                };
                st.received.push(Received {
                    method: method.to_string(),
                    path: target.to_string(),
                    headers: headers.clone(),
                    body,
                });
                cv.notify_all();
                status
            };
            let resp = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
            );
            if reader.get_mut().write_all(resp.as_bytes()).is_err() {
                return;
            }
        }
    }

    /// Everything received on `path` so far.
    pub fn on(&self, path: &str) -> Vec<Received> {
        let st = self.state.0.lock().unwrap_or_else(|p| p.into_inner());
        st.received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` has received `n` requests (or the timeout passed).
    pub fn wait_for(&self, path: &str, n: usize, timeout: Duration) -> Vec<Received> {
        let (lock, cv) = &*self.state;
        let deadline = Instant::now() + timeout;
        let mut st = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let got: Vec<Received> = st
                .received
                .iter()
                .filter(|r| r.path == path)
                .cloned()
                .collect();
            let now = Instant::now();
            if got.len() >= n || now >= deadline {
                return got;
            }
            st = cv
                .wait_timeout(st, deadline - now)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }
}

/// The GitHub EventSource the tests and the benchmark serve: event `prs` on `/github`, its
/// webhook secret in `github-access`/`secret`, pull requests only.
pub const GITHUB_SOURCE: &str = r#"apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: github
spec:
  github:
    prs:
      repositories:
        - owner: example
          names: [repo]
      webhook:
        endpoint: /github
        port: "12000"
        method: POST
      events: [pull_request]
      webhookSecret:
        name: github-access
        key: secret
      contentType: json
"#;

/// `sha256=<hex>` of GitHub's `X-Hub-Signature-256`.
pub fn github_signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}
