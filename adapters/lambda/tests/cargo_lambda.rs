//! The real `bootstrap` binary under the Lambda Runtime API emulator (`cargo lambda watch`),
//! invoked with `cargo lambda invoke --data-file` on the event fixtures: a Function URL
//! request, a direct S3 notification and a scheduler input for the source role, an SQS batch
//! for the sensor role. Needs `cargo-lambda` on PATH and the local AWS server (both from
//! `.ci/aws-setup`); skipped loudly otherwise.

mod common;

use common::{clients, moto, queue_with_dlq, receive, string_attrs};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The target folder this test was built in, so `cargo lambda` reuses the build.
fn target_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // <target>/debug/deps/cargo_lambda-<hash>
    Some(exe.parent()?.parent()?.parent()?.to_path_buf())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// `cargo lambda watch` in its own process group, ended with the group on drop.
struct Watch {
    child: Child,
    port: u16,
}

impl Watch {
    fn start(env: &[(&str, String)], log: &Path) -> Watch {
        let port = free_port();
        let mut cmd = Command::new("cargo");
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["lambda", "watch", "--bin", "bootstrap", "--ignore-changes"])
            .args([
                "--invoke-address",
                "127.0.0.1",
                "--invoke-port",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(log).expect("log"))
            .stderr(std::fs::File::create(log.with_extension("err")).expect("log"));
        if let Some(t) = target_dir() {
            cmd.env("CARGO_TARGET_DIR", t);
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        Watch {
            child: cmd.spawn().expect("cargo lambda watch"),
            port,
        }
    }

    /// Invokes `bootstrap` with a fixture and returns the function's answer.
    fn invoke(&self, fixture: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let out = Command::new("cargo")
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args([
                    "lambda",
                    "invoke",
                    "bootstrap",
                    "--invoke-address",
                    "127.0.0.1",
                ])
                .args([
                    "--invoke-port",
                    &self.port.to_string(),
                    "--output-format",
                    "json",
                ])
                .arg("--data-file")
                .arg(fixtures().join(fixture))
                .output()
                .expect("cargo lambda invoke");
            let stdout = String::from_utf8_lossy(&out.stdout);
            if out.status.success() {
                return serde_json::from_str(stdout.trim())
                    .unwrap_or_else(|e| panic!("{fixture}: {e}: {stdout}"));
            }
            // The emulator may not listen yet while the function builds.
            assert!(
                Instant::now() < deadline,
                "{fixture}: invoke failed: {}{}",
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.wait();
    }
}

fn has_cargo_lambda() -> bool {
    Command::new("cargo")
        .args(["lambda", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bootstrap_binary_answers_real_event_payloads_under_cargo_lambda_watch() {
    let Some(moto) =
        moto("the_bootstrap_binary_answers_real_event_payloads_under_cargo_lambda_watch")
    else {
        return;
    };
    if !has_cargo_lambda() {
        common::skip("cargo lambda test: `cargo lambda` is not on PATH; run `eval \"$(.ci/aws-setup)\"` first (.ci/run does).");
        return;
    }
    let c = clients(&moto);
    let (queue, _, _) = queue_with_dlq(&c, "watch", 3).await;
    let aws = |role: &str| -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", moto.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("TRIPLINE_ROLE", role.into()),
            (
                "TRIPLINE_MANIFESTS",
                fixtures().join("manifests").display().to_string(),
            ),
            ("RUST_LOG", "info".into()),
        ]
    };
    let logs = std::env::temp_dir().join(format!("tripline-watch-{}", std::process::id()));
    std::fs::create_dir_all(&logs).expect("log dir");

    let mut source_env = aws("source");
    source_env.push(("TRIPLINE_SECRET_WEBHOOK_AUTH_TOKEN", "s3cret".into()));
    source_env.push((
        "TRIPLINE_ROUTES",
        json!({"hooks/deploy": [queue], "uploads/image-created": [queue], "clock/hourly": [queue]})
            .to_string(),
    ));
    let source = Watch::start(&source_env, &logs.join("source.log"));
    let mut sensor_env = aws("sensor");
    sensor_env.push(("TRIPLINE_SENSOR", "notify".into()));
    let sensor = Watch::start(&sensor_env, &logs.join("sensor.log"));

    let (src_answers, sensor_answer) = tokio::task::spawn_blocking(move || {
        let a = [
            "function-url.json",
            "s3-notification.json",
            "scheduled.json",
        ]
        .map(|f| source.invoke(f));
        let b = sensor.invoke("sqs-batch.json");
        (a, b)
    })
    .await
    .expect("invokes");

    assert_eq!(src_answers[0]["statusCode"], 200, "{}", src_answers[0]);
    assert_eq!(src_answers[0]["body"], "success");
    assert_eq!(src_answers[1], json!({"published": 1}));
    assert_eq!(src_answers[2], json!({"published": 1}));
    assert_eq!(
        sensor_answer,
        json!({"batchItemFailures": [{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}]}),
        "the malformed record alone comes back"
    );

    let mut got = Vec::new();
    for _ in 0..5 {
        got.extend(receive(&c, &queue, 10, 1).await);
        if got.len() >= 3 {
            break;
        }
    }
    let mut kinds: Vec<String> = got
        .iter()
        .map(|m| string_attrs(m).get("ce-type").cloned().unwrap_or_default())
        .collect();
    kinds.sort();
    assert_eq!(kinds, vec!["calendar", "minio", "webhook"]);
    let minio = got
        .iter()
        .find(|m| string_attrs(m).get("ce-type").map(String::as_str) == Some("minio"))
        .and_then(|m| m.body())
        .map(|b| serde_json::from_str::<Value>(b).expect("json"))
        .expect("minio event");
    assert_eq!(
        minio["notification"][0]["s3"]["object"]["key"],
        "incoming/cat photo(1).jpg"
    );
    let _ = std::fs::remove_dir_all(&logs);
}
