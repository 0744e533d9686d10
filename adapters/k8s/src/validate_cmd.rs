//! `tripline validate`.

use crate::{files, Output, RuntimeArg};
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;
use tripline_core::check::{check, Runtime};
use tripline_core::spec::{self, Issue, SpecError};

#[derive(Serialize)]
struct DocReport {
    file: String,
    kind: Option<String>,
    name: Option<String>,
    valid: bool,
    errors: Vec<Issue>,
    warnings: Vec<Issue>,
}

fn issue(path: &str, message: String) -> Issue {
    Issue {
        path: path.to_string(),
        message,
    }
}

/// Validates every document of every file; `Ok(false)` when any has an error.
pub fn run(paths: &[PathBuf], output: Output, runtime: RuntimeArg) -> Result<bool> {
    let runtime = match runtime {
        RuntimeArg::Local => Runtime::Local,
        RuntimeArg::Offline => Runtime::Offline,
    };
    let mut reports = Vec::new();
    for file in files::expand(paths)? {
        let shown = file.display().to_string();
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                reports.push(DocReport {
                    file: shown,
                    kind: None,
                    name: None,
                    valid: false,
                    errors: vec![issue("", format!("cannot read file: {e}"))],
                    warnings: vec![],
                });
                continue;
            }
        };
        let docs = spec::load_all(&text);
        if docs.is_empty() {
            reports.push(DocReport {
                file: shown.clone(),
                kind: None,
                name: None,
                valid: false,
                errors: vec![issue("", "no manifest in file".into())],
                warnings: vec![],
            });
        }
        for doc in docs {
            reports.push(match doc {
                Ok(loaded) => {
                    let r = check(&loaded, runtime);
                    DocReport {
                        file: shown.clone(),
                        kind: Some(loaded.manifest.kind().to_string()),
                        name: loaded.manifest.name().map(str::to_string),
                        valid: r.is_valid(),
                        errors: r.errors,
                        warnings: r.warnings,
                    }
                }
                Err(SpecError::NotArgo { kind, .. }) => DocReport {
                    file: shown.clone(),
                    kind: Some(kind.clone()),
                    name: None,
                    valid: true,
                    errors: vec![],
                    warnings: vec![issue(
                        "kind",
                        format!("`{kind}` is not an Argo Events manifest; skipped"),
                    )],
                },
                Err(e) => DocReport {
                    file: shown.clone(),
                    kind: None,
                    name: None,
                    valid: false,
                    errors: vec![issue(e.path(), e.reason())],
                    warnings: vec![],
                },
            });
        }
    }
    let all_valid = reports.iter().all(|r| r.valid);
    match output {
        Output::Json => {
            println!("{}", serde_json::json!({ "files": reports }));
        }
        Output::Text => print_text(&reports),
    }
    Ok(all_valid)
}

fn print_text(reports: &[DocReport]) {
    let (mut ok, mut bad) = (0, 0);
    for r in reports {
        let what = format!(
            "{} {}",
            r.kind.as_deref().unwrap_or("?"),
            r.name.as_deref().unwrap_or("(unnamed)")
        );
        if r.valid {
            ok += 1;
            println!("ok    {}: {what}", r.file);
        } else {
            bad += 1;
            println!("FAIL  {}: {what}", r.file);
        }
        for e in &r.errors {
            println!("  error   {}: {}", or_root(&e.path), e.message);
        }
        for w in &r.warnings {
            println!("  warning {}: {}", or_root(&w.path), w.message);
        }
    }
    println!("{ok} valid, {bad} invalid");
}

fn or_root(p: &str) -> &str {
    if p.is_empty() {
        "(document)"
    } else {
        p
    }
}
