//! Bundles the manifests into the component: reads every `*.yaml`/`*.yml`/`*.json` file of
//! `$TRIPLINE_SPIN_MANIFESTS` (default: `manifests/`), validates each with the core for the
//! Spin runtime, and fails the build on any error or on anything this runtime cannot run
//! (source and trigger kinds, Lua scripts, multi-dependency sensors without a store).
//! Writes the manifests as one JSON array to `$OUT_DIR/bundle.json`.

use std::path::{Path, PathBuf};
use tripline_core::check::{check, Runtime};
use tripline_core::sensor::CompiledSensor;
use tripline_core::spec::{self, Manifest, SpecError};

#[path = "src/stateful.rs"]
mod stateful;

fn main() {
    println!("cargo:rerun-if-env-changed=TRIPLINE_SPIN_MANIFESTS");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dir = std::env::var_os("TRIPLINE_SPIN_MANIFESTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("manifests"));
    println!("cargo:rerun-if-changed={}", dir.display());
    let build = Build {
        keeps_state: std::env::var_os("CARGO_FEATURE_SPIN_KV").is_some()
            || std::env::var_os("CARGO_FEATURE_MEMORY_STORE").is_some(),
        jq: std::env::var_os("CARGO_FEATURE_JQ").is_some(),
    };
    let (bundle, problems) = bundle(&dir, &build);
    if !problems.is_empty() {
        let mut msg = format!(
            "tripline-spin: the manifests in {} cannot run on Spin:\n",
            dir.display()
        );
        for p in &problems {
            msg.push_str("  ");
            msg.push_str(p);
            msg.push('\n');
        }
        // A failing build script prints this message; the build stops here.
        eprintln!("{msg}");
        std::process::exit(1);
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("bundle.json");
    let text = serde_json::to_string(&bundle).unwrap_or_else(|_| "[]".into());
    if let Err(e) = std::fs::write(&out, text) {
        eprintln!("tripline-spin: cannot write {}: {e}", out.display());
        std::process::exit(1);
    }
}

fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// What this build of the component has.
struct Build {
    /// A store for held dependency state (`spin-kv`, or the test-only `memory-store`).
    keeps_state: bool,
    /// jq transforms (the `jq` feature).
    jq: bool,
}

/// The manifests as JSON, and every reason they cannot run.
fn bundle(dir: &Path, build: &Build) -> (Vec<serde_json::Value>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let files = match manifest_files(dir) {
        Ok(f) => f,
        Err(e) => return (out, vec![e]),
    };
    if files.is_empty() {
        problems.push(format!(
            "{}: no *.yaml, *.yml or *.json files",
            dir.display()
        ));
    }
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let shown = file.display();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("{shown}: cannot read: {e}"));
                continue;
            }
        };
        for doc in spec::load_all(&text) {
            let loaded = match doc {
                Ok(l) => l,
                Err(e @ SpecError::NotArgo { .. }) => {
                    println!("cargo:warning={shown}: skipped: {e}");
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{shown}: {e}"));
                    continue;
                }
            };
            let what = format!(
                "{shown}: {} {}",
                loaded.manifest.kind(),
                loaded.manifest.name().unwrap_or("(unnamed)")
            );
            let report = check(&loaded, Runtime::Spin);
            for e in &report.errors {
                problems.push(format!("{what}: {}: {}", e.path, e.message));
            }
            for w in &report.warnings {
                // What this runtime cannot run is an error: running half a manifest would
                // silently drop events.
                if w.message.contains("not supported") {
                    problems.push(format!("{what}: {}: {}", w.path, w.message));
                } else {
                    println!("cargo:warning={what}: {}: {}", w.path, w.message);
                }
            }
            if let (Manifest::Sensor(s), false) = (&loaded.manifest, build.jq) {
                let deps = s.spec.as_ref().map(|s| s.dependencies.as_slice());
                for (i, d) in deps.unwrap_or(&[]).iter().enumerate() {
                    let jq = d.transform.as_ref().and_then(|t| t.jq.as_deref());
                    if jq.is_some_and(|q| !q.trim().is_empty()) {
                        problems.push(format!(
                            "{what}: spec.dependencies[{i}].transform.jq: jq transforms are not \
                             in this build of the component: build with `--features jq`"
                        ));
                    }
                }
            }
            if let (Manifest::Sensor(s), false) = (&loaded.manifest, build.keeps_state) {
                if let Ok(compiled) = CompiledSensor::compile(s) {
                    for (trigger, deps) in stateful::stateful_triggers(&compiled) {
                        problems.push(format!(
                            "{what}: trigger {trigger} waits for several dependencies ({}), \
                             which needs held state between requests, and this build has no \
                             key-value store: build with `--features spin` for Spin's store",
                            deps.join(", ")
                        ));
                    }
                }
            }
            match serde_json::to_value(&loaded.manifest) {
                Ok(v) => out.push(v),
                Err(e) => problems.push(format!("{what}: cannot encode: {e}")),
            }
        }
    }
    (out, problems)
}
