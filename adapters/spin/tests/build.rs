//! What the build refuses, by name, and the held-state path: manifests that cannot run on Spin
//! fail `build.sh`; a two-dependency sensor runs in the build whose store keeps state.

mod support;

use std::path::Path;
use support::{build, request, scratch, Served, Sink, REUSE};

const SOURCES: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata:
  name: hooks
spec:
  webhook:
    a:
      endpoint: /a
      port: "12000"
      method: POST
    b:
      endpoint: /b
      port: "12000"
      method: POST
"#;

fn sensor(deps: &str, triggers: &str) -> String {
    format!(
        r#"
---
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: s
spec:
  dependencies:
{deps}
  triggers:
{triggers}
"#
    )
}

const TWO_DEPS: &str = r#"    - name: a
      eventSourceName: hooks
      eventName: a
    - name: b
      eventSourceName: hooks
      eventName: b"#;

fn http_trigger(url: &str) -> String {
    format!(
        r#"    - template:
        name: both
        http:
          url: {url}
          method: POST
          payload:
            - src:
                dependencyName: a
                dataKey: body.v
              dest: a
            - src:
                dependencyName: b
                dataKey: body.v
              dest: b"#
    )
}

fn manifests_dir(name: &str, yaml: &str) -> std::path::PathBuf {
    let dir = scratch(name).join("manifests");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("m.yaml"), yaml).expect("write");
    dir
}

fn build_fails(name: &str, yaml: &str) -> String {
    let dir = manifests_dir(name, yaml);
    let out = dir.with_file_name("out.wasm");
    match build(&dir, &[], &out) {
        Ok(()) => panic!("the build of {name} should have failed"),
        Err(stderr) => stderr,
    }
}

#[test]
fn sandbox_only_features_are_refused_by_name() {
    let one_dep = r#"    - name: a
      eventSourceName: hooks
      eventName: a
      filters:
        script: return event.v == 1
      transform:
        script: return event"#;
    let triggers = r#"    - template:
        name: deploy
        k8s:
          operation: create
          source:
            resource:
              apiVersion: v1
              kind: ConfigMap
              metadata:
                name: x
    - template:
        name: jq-user
        log: {}"#;
    let yaml = format!("{SOURCES}{}", sensor(one_dep, triggers));
    let err = build_fails("refused", &yaml);
    for needle in [
        "spec.dependencies[0].filters.script: Lua scripts are not supported by the spin runtime",
        "spec.dependencies[0].transform.script: Lua scripts are not supported by the spin runtime",
        "spec.triggers[0].template.k8s: trigger kind `k8s` is not supported yet by the spin runtime",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }

    let jq = r#"    - name: a
      eventSourceName: hooks
      eventName: a
      transform:
        jq: .body"#;
    let yaml = format!(
        "{SOURCES}{}",
        sensor(jq, "    - template:\n        name: l\n        log: {}")
    );
    let err = build_fails("jq", &yaml);
    assert!(err.contains("transform.jq"), "{err}");
    assert!(err.contains("--features jq"), "{err}");

    let kafka = "apiVersion: argoproj.io/v1alpha1\nkind: EventSource\nmetadata:\n  name: k\nspec:\n  kafka:\n    k:\n      url: localhost:9092\n      topic: t\n";
    let err = build_fails("kafka", kafka);
    assert!(
        err.contains(
            "spec.kafka: event source type `kafka` is not supported yet by the spin runtime"
        ),
        "{err}"
    );
}

#[test]
fn multi_dependency_sensors_need_a_store_and_hold_events_with_one() {
    let sink = Sink::start();
    let yaml = format!(
        "{SOURCES}{}",
        sensor(TWO_DEPS, &http_trigger(&sink.url("/both")))
    );
    // Without a store: refused at build time, with the reason.
    let err = build_fails("no-store", &yaml);
    assert!(
        err.contains("trigger both waits for several dependencies (a, b)")
            && err.contains("key-value store"),
        "{err}"
    );

    // With the (test-only) in-memory store: the first event is held, the second fires both.
    let dir = manifests_dir("held", &yaml);
    let wasm = dir.with_file_name("held.wasm");
    if let Err(e) = build(&dir, &["memory-store"], &wasm) {
        panic!("build failed:\n{e}");
    }
    held_state_round(&wasm, &sink);
}

fn held_state_round(wasm: &Path, sink: &Sink) {
    // The test-only memory store lives in the instance: keep one instance for the round.
    let served = Served::start(wasm, &[], REUSE);
    let a = request(served.port, "POST", "/a", &[], br#"{"v":"first"}"#).expect("request");
    assert_eq!(a.status, 200, "{}", a.text());
    assert!(sink.on("/both").is_empty(), "fired with one dependency");
    // `wasmtime serve` returns the instance to its pool only after the response is written;
    // a request arriving before that gets a fresh instance (and an empty memory store).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let a = request(served.port, "POST", "/b", &[], br#"{"v":"second"}"#).expect("request");
    assert_eq!(a.status, 200, "{}", a.text());
    let got = sink.on("/both");
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        got[0].json(),
        serde_json::json!({"a": "first", "b": "second"})
    );
    // The firing consumed both: another b alone waits for a new a.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let a = request(served.port, "POST", "/b", &[], br#"{"v":"third"}"#).expect("request");
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(sink.on("/both").len(), 1);
}
