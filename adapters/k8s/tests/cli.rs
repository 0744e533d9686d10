//! The `tripline` binary, driven as a user would: `validate` and `test` on the project's
//! examples and on broken input.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tripline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tripline"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("tripline runs")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

fn test_example(name: &str) -> Vec<Value> {
    let sensor = format!("examples/{name}/sensor.yaml");
    let events = format!("examples/{name}/events.jsonl");
    let out = tripline(&["test", &sensor, "--events", &events, "--output", "json"]);
    assert!(
        out.status.success(),
        "tripline test {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_lines(&out)
}

fn fired(line: &Value) -> &Vec<Value> {
    line["fired"].as_array().expect("fired is a list")
}

#[test]
fn validate_accepts_the_projects_examples() {
    let out = tripline(&["validate", "examples", "--output", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let files = report["files"].as_array().expect("files");
    assert!(files.len() >= 5);
    for f in files {
        assert_eq!(f["valid"], true, "{f}");
        assert!(f["errors"].as_array().expect("errors").is_empty(), "{f}");
    }
    assert!(out.status.success());
}

#[test]
fn validate_reports_field_paths_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("tripline-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n  dependencies:\n    - name: a\n      eventSourceName: e\n      eventName: x\n    - name: b\n      eventSourceName: e\n      eventName: y\n      filters:\n        data:\n          - {path: body.x, type: string, comparator: \"=>\", value: [\"(\"]}\n  triggers:\n    - template: {name: t, conditions: \"a && c\", log: {}}\n",
    )
    .expect("write");
    let out = tripline(&["validate", bad.to_str().expect("utf8"), "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let errors = report["files"][0]["errors"]
        .as_array()
        .expect("errors")
        .clone();
    let paths: Vec<&str> = errors.iter().filter_map(|e| e["path"].as_str()).collect();
    assert!(
        paths.contains(&"spec.dependencies[1].filters.data[0].comparator"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("spec.dependencies[1].filters.data[0]")
                && *p != "spec.dependencies[1].filters.data[0].comparator"),
        "regex error missing: {paths:?}"
    );
    assert!(
        paths.contains(&"spec.triggers[0].template.conditions"),
        "{paths:?}"
    );
    assert_eq!(report["files"][0]["valid"], false);
}

#[test]
fn validate_compiles_expressions_templates_and_scripts() {
    let dir = std::env::temp_dir().join(format!("tripline-cli-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bad = dir.join("bad.yaml");
    std::fs::write(
        &bad,
        r#"apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: s}
spec:
  dependencies:
    - name: a
      eventSourceName: e
      eventName: x
      filters:
        exprs:
          - expr: "a == && b"
            fields: [{name: a, path: x}, {name: b, path: y}]
        script: "if then"
      transform:
        jq: ".a |||"
  triggers:
    - template:
        name: t
        http: {url: "http://127.0.0.1:1/x", method: POST}
      parameters:
        - src: {dependencyName: a, dataTemplate: "{{ .Input.x | nosuchfn }}"}
          dest: http.url
"#,
    )
    .expect("write");
    let out = tripline(&["validate", bad.to_str().expect("utf8"), "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let errors = report["files"][0]["errors"]
        .as_array()
        .expect("errors")
        .clone();
    let find = |path: &str| {
        errors
            .iter()
            .find(|e| e["path"] == path)
            .and_then(|e| e["message"].as_str())
            .unwrap_or_else(|| panic!("no error at {path}: {errors:?}"))
            .to_string()
    };
    assert!(!find("spec.dependencies[0].filters.exprs[0].expr").is_empty());
    assert!(!find("spec.dependencies[0].filters.script").is_empty());
    assert!(!find("spec.dependencies[0].transform").is_empty());
    assert!(find("spec.triggers[0].parameters[0].src.dataTemplate").contains("nosuchfn"));
}

#[test]
fn validate_loads_every_upstream_example() {
    let out = tripline(&["validate", "../shared/argo/examples", "--output", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let files = report["files"].as_array().expect("files");
    // Every document loaded: none failed at the parse stage (kind is known for all).
    assert!(files.len() >= 110, "only {} documents", files.len());
    assert!(
        files.iter().all(|f| f["kind"].is_string()),
        "a document did not parse"
    );
    let invalid: Vec<&str> = files
        .iter()
        .filter(|f| f["valid"] == false)
        .filter_map(|f| f["file"].as_str())
        .collect();
    // The upstream files with fields outside Argo's schema (see core/tests/validate_rules.rs).
    assert!(invalid.len() <= 12, "{invalid:?}");
}

#[test]
fn webhook_example_filters_and_renders_http_payload() {
    let lines = test_example("webhook");
    assert_eq!(lines.len(), 3);
    // evt-1: production deploy with replicas: both triggers fire.
    assert_eq!(lines[0]["event"], "evt-1");
    assert_eq!(lines[0]["dependencies"][0]["matched"], true);
    let f = fired(&lines[0]);
    assert_eq!(f.len(), 2);
    let notify = f
        .iter()
        .find(|t| t["trigger"] == "notify")
        .expect("notify fired");
    assert_eq!(
        notify["payload"],
        serde_json::json!({"service": "checkout", "environment": "PRODUCTION", "replicas": 3, "eventId": "evt-1"})
    );
    assert_eq!(notify["events"]["deploy"], "evt-1");
    // evt-2: staging does not match the regex; the explanation names the filter and value.
    let dep = &lines[1]["dependencies"][0];
    assert_eq!(dep["matched"], false);
    let explain = dep["explain"].as_array().expect("explain");
    assert!(
        explain
            .iter()
            .any(|x| x["filter"] == "data[0]" && x["value"] == "staging" && x["passed"] == false),
        "{explain:?}"
    );
    assert!(fired(&lines[1]).is_empty());
    // evt-3: the replicas path is missing: an error, not a silent miss.
    let dep = &lines[2]["dependencies"][0];
    assert_eq!(dep["matched"], false);
    assert!(dep["error"]
        .as_str()
        .expect("error")
        .contains("body.replicas"));
}

#[test]
fn multi_dependency_example_waits_for_both_then_resets() {
    let lines = test_example("multi-dependency");
    assert!(fired(&lines[0]).is_empty(), "build alone must not fire");
    assert!(fired(&lines[1]).is_empty(), "failed tests must not fire");
    let f = fired(&lines[2]);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0]["events"],
        serde_json::json!({"build-ok": "b1", "tests-ok": "t2"})
    );
    assert_eq!(
        f[0]["template"]["slack"]["message"],
        "release abc123 (build and tests green)"
    );
    let f = fired(&lines[3]);
    assert_eq!(f[0]["events"], serde_json::json!({"hotfix": "h1"}));
    assert_eq!(
        f[0]["template"]["slack"]["message"],
        "HOTFIX release for OPS-7"
    );
}

#[test]
fn k8s_example_parameterizes_the_resource() {
    let lines = test_example("k8s-trigger");
    let f = fired(&lines[0]);
    assert_eq!(f.len(), 1);
    let wf = &f[0]["template"]["k8s"]["source"]["resource"];
    let params = &wf["spec"]["arguments"]["parameters"];
    assert_eq!(params[0]["value"], "9f1c2e7");
    assert_eq!(params[1]["value"], "PR #101: Add retry with expon");
    assert_eq!(params[2]["value"], "maria");
    assert_eq!(wf["metadata"]["labels"]["repo"], "tripline");
    assert_eq!(wf["metadata"]["generateName"], "ci-pr-101");
    assert!(f[0]["payload"].is_null());
    assert!(fired(&lines[1]).is_empty(), "closed PRs are filtered out");
    let wf = &fired(&lines[2])[0]["template"]["k8s"]["source"]["resource"];
    assert_eq!(wf["spec"]["arguments"]["parameters"][2]["value"], "nobody");
}

#[test]
fn http_example_uses_expressions_and_time_windows() {
    let lines = test_example("http-trigger");
    let f = fired(&lines[0]);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["payload"]["summary"], "DiskFull (2 alerts)");
    assert_eq!(
        f[0]["payload"]["details"][0]["labels"]["severity"],
        "critical"
    );
    assert!(fired(&lines[1]).is_empty(), "warnings do not page");
    assert!(
        fired(&lines[2]).is_empty(),
        "23:30 in Berlin is outside 08:00-20:00"
    );
    let dep = &lines[3]["dependencies"][0];
    assert_eq!(dep["matched"], false);
    assert!(dep["error"]
        .as_str()
        .expect("error")
        .contains("does not exist"));
}

#[test]
fn malformed_event_lines_are_reported_in_order() {
    let dir = std::env::temp_dir().join(format!("tripline-cli-ev-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let events = dir.join("events.jsonl");
    let good =
        std::fs::read_to_string(root().join("examples/webhook/events.jsonl")).expect("events");
    let first = good.lines().next().expect("a line");
    std::fs::write(&events, format!("{{not json\n{first}\n")).expect("write");
    let out = tripline(&[
        "test",
        "examples/webhook/sensor.yaml",
        "--events",
        events.to_str().expect("utf8"),
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert!(lines[0]["event"].is_null());
    assert!(lines[0]["error"]
        .as_str()
        .expect("error")
        .contains("not valid JSON"));
    assert_eq!(lines[1]["event"], "evt-1");
}

#[test]
fn aws_plan_routes_the_webhook_example_to_its_sensor() {
    let out = tripline(&["aws-plan", "examples/webhook/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).expect("JSON plan");
    assert_eq!(plan["routes"]["webhook/deploy"][0], "deploy-requests");
    assert_eq!(plan["sensors"]["deploy-requests"]["fifo"], false);
    assert_eq!(plan["webhooks"][0]["path"], "/deploy");
}
