//! Every upstream Argo Events example manifest must load.

mod common;
use common::examples::{examples_dir, yaml_files};

#[test]
fn all_upstream_examples_load() {
    let dir = examples_dir();
    assert!(
        dir.is_dir(),
        "Argo's upstream examples folder is missing: expected {} (../shared beside the clone, or set TRIPLINE_ARGO_EXAMPLES)",
        dir.display()
    );
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    let main_set = files
        .iter()
        .filter(|f| {
            let s = f.to_string_lossy();
            s.contains("/event-sources/") || s.contains("/sensors/")
        })
        .count();
    assert_eq!(
        main_set, 110,
        "expected the 110 upstream EventSource and Sensor examples"
    );
    let mut failures = Vec::new();
    let (mut argo_docs, mut other_docs) = (0, 0);
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable example");
        let loaded = tripline_core::spec::load_all(&text);
        if loaded.is_empty() {
            failures.push(format!("{}: no document", f.display()));
        }
        for r in loaded {
            match r {
                Ok(_) => argo_docs += 1,
                // A Pod or ConfigMap beside the manifests is fine: it is reported, not loaded.
                Err(tripline_core::spec::SpecError::NotArgo { .. }) => other_docs += 1,
                Err(e) => failures.push(format!("{}: {e}", f.display())),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(argo_docs >= 110, "only {argo_docs} Argo documents loaded");
    assert!(
        other_docs > 0,
        "the tutorials hold non-Argo documents; none was seen"
    );
}

#[test]
fn unknown_fields_are_collected_with_paths() {
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n  dependencies: [{name: a, eventSourceName: e, eventName: x, filtrs: {}}]\n  triggers: [{template: {name: t, policy: {}, log: {}}}]\n";
    let loaded = tripline_core::spec::load_one(text).expect("loads");
    assert_eq!(
        loaded.unknown_fields,
        vec![
            "spec.dependencies[0].filtrs".to_string(),
            "spec.triggers[0].template.policy".to_string()
        ]
    );
}

#[test]
fn wrong_type_names_the_path() {
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n  dependencies: [{name: a, filters: {data: [{path: x, type: string, value: notalist}]}}]\n";
    let err = tripline_core::spec::load_one(text).expect_err("must fail");
    assert_eq!(err.path(), "spec.dependencies[0].filters.data[0].value");
}
