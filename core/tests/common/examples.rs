//! Argo's upstream example manifests in `../shared/argo/examples/` (or `TRIPLINE_ARGO_EXAMPLES`).

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn examples_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("TRIPLINE_ARGO_EXAMPLES") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/argo/examples")
}

/// Every `*.yaml`/`*.yml` under `dir`, sorted per folder.
pub fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}
