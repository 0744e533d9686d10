//! Dependency filters on small sensors: Argo's semantics, edge by edge.

use tripline_core::event::Event;
use tripline_core::sensor::{CompiledSensor, DependencyReport, SensorState};
use tripline_core::spec;

fn sensor(filters_yaml: &str) -> CompiledSensor {
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {{name: s}}\nspec:\n  dependencies:\n    - name: d\n      eventSourceName: es\n      eventName: ev\n{}\n  triggers:\n    - template: {{name: t, log: {{}}}}\n",
        filters_yaml
            .lines()
            .map(|l| format!("      {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let loaded = spec::load_one(&text).expect("sensor loads");
    let spec::Manifest::Sensor(s) = loaded.manifest else {
        panic!("not a sensor")
    };
    CompiledSensor::compile(&s).expect("compiles")
}

fn event_with(data: &str, ct: &str) -> Event {
    let line = format!(
        r#"{{"specversion":"1.0","id":"1","source":"es","subject":"ev","type":"webhook","datacontenttype":"{ct}","time":"2025-03-01T10:30:00Z"{data}}}"#
    );
    Event::from_json(line.as_bytes()).expect("event")
}

fn event(data: &str) -> Event {
    event_with(&format!(r#","data":{data}"#), "application/json")
}

fn report(s: &CompiledSensor, e: &Event) -> DependencyReport {
    let (mut reports, _) = s.on_event_explained(&mut SensorState::default(), e, e.context.time);
    assert_eq!(reports.len(), 1);
    let r = reports.remove(0);
    // The hot path (no explanations, shared index) must agree with the explained one.
    let mut fast = Vec::new();
    s.matching_dependencies(e, &mut fast);
    assert_eq!(
        fast.is_empty(),
        !r.verdict.passed,
        "fast and explained paths disagree"
    );
    r
}

fn passes(s: &CompiledSensor, e: &Event) -> bool {
    report(s, e).verdict.passed
}

#[test]
fn string_values_are_unanchored_regexes() {
    let s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"b.d\"]}");
    assert!(passes(&s, &event(r#"{"a":"xxbadyy"}"#)));
    assert!(!passes(&s, &event(r#"{"a":"bd"}"#)));
    let s = sensor(
        "filters:\n  data:\n    - {path: a, type: string, comparator: \"!=\", value: [\"^x\"]}",
    );
    assert!(passes(&s, &event(r#"{"a":"yes"}"#)));
    assert!(!passes(&s, &event(r#"{"a":"xyes"}"#)));
}

#[test]
fn strings_compare_gjson_string_forms() {
    // A number compared as a string uses its text; an object its raw JSON.
    let s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"^12$\"]}");
    assert!(passes(&s, &event(r#"{"a":12}"#)));
    let s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"\\\"k\\\":1\"]}");
    assert!(passes(&s, &event(r#"{"a":{"k":1}}"#)));
}

#[test]
fn ordering_comparators_never_match_strings() {
    let s = sensor(
        "filters:\n  data:\n    - {path: a, type: string, comparator: \">\", value: [\"a\"]}",
    );
    assert!(!passes(&s, &event(r#"{"a":"b"}"#)));
}

#[test]
fn numbers_use_float_comparison() {
    for (cmp, val, data, want) in [
        (">", "10", "11", true),
        (">", "10", "10", false),
        (">=", "10", "10", true),
        ("<", "1.5", "1.25", true),
        ("<=", "-2", "-2", true),
        ("!=", "3", "3.0", false),
        ("=", "3", "\"3\"", true), // gjson Float() of a numeric string
        ("", "1e3", "1000", true),
    ] {
        let s = sensor(&format!(
            "filters:\n  data:\n    - {{path: a, type: number, comparator: \"{cmp}\", value: [\"{val}\"]}}"
        ));
        assert_eq!(
            passes(&s, &event(&format!(r#"{{"a":{data}}}"#))),
            want,
            "{data} {cmp} {val}"
        );
    }
}

#[test]
fn bools_use_go_parse_bool() {
    let s = sensor("filters:\n  data:\n    - {path: a, type: bool, value: [\"T\"]}");
    assert!(passes(&s, &event(r#"{"a":true}"#)));
    assert!(passes(&s, &event(r#"{"a":"true"}"#)));
    assert!(!passes(&s, &event(r#"{"a":false}"#)));
}

#[test]
fn any_value_matching_is_enough() {
    let s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"^x$\", \"^y$\"]}");
    assert!(passes(&s, &event(r#"{"a":"y"}"#)));
}

#[test]
fn missing_path_is_an_error_under_and() {
    let s = sensor("filters:\n  data:\n    - {path: a.b, type: string, value: [\"x\"]}");
    let r = report(&s, &event(r#"{"a":{}}"#));
    assert!(!r.verdict.passed);
    let err = r.verdict.error.expect("error");
    assert!(err.contains("path 'a.b' does not exist"), "{err}");
    assert_eq!(r.explain[0].filter, "data[0]");
}

#[test]
fn or_collects_errors_but_passes_on_any_match() {
    let s = sensor(
        "filters:\n  dataLogicalOperator: or\n  data:\n    - {path: missing, type: string, value: [\"x\"]}\n    - {path: a, type: string, value: [\"ok\"]}",
    );
    let r = report(&s, &event(r#"{"a":"ok"}"#));
    assert!(r.verdict.passed);
    let r = report(&s, &event(r#"{"a":"no"}"#));
    assert!(!r.verdict.passed);
    assert!(r
        .verdict
        .error
        .expect("error")
        .contains("data filter errors"));
}

#[test]
fn events_without_data_pass_data_filters_and_bad_json_fails() {
    let s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"x\"]}");
    assert!(passes(&s, &event_with("", "application/json")));
    let bad = event_with(r#","data_base64":"bm90IGpzb24=""#, "application/json");
    let r = report(&s, &bad);
    assert!(!r.verdict.passed);
    assert!(r.verdict.error.expect("error").contains("not valid JSON"));
}

#[test]
fn empty_value_list_is_an_error() {
    // Validation rejects it too; at run time Argo reports "no values specified".
    let mut s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"x\"]}");
    let text = "apiVersion: argoproj.io/v1alpha1\nkind: Sensor\nmetadata: {name: s}\nspec:\n  dependencies:\n    - {name: d, eventSourceName: es, eventName: ev, filters: {data: [{path: a, type: string}]}}\n  triggers:\n    - template: {name: t, log: {}}\n";
    if let spec::Manifest::Sensor(x) = spec::load_one(text).expect("loads").manifest {
        s = CompiledSensor::compile(&x).expect("compiles");
    }
    let r = report(&s, &event(r#"{"a":"x"}"#));
    assert!(r
        .verdict
        .error
        .expect("error")
        .contains("no values specified"));
}

#[test]
fn context_filter_compares_set_attributes_only() {
    let s = sensor("filters:\n  context:\n    type: webhook\n    source: es");
    assert!(passes(&s, &event(r#"{}"#)));
    let s = sensor("filters:\n  context:\n    type: calendar");
    let r = report(&s, &event(r#"{}"#));
    assert!(!r.verdict.passed);
    assert!(r.explain.iter().any(|x| x.filter == "context" && !x.passed));
}

#[test]
fn time_filter_uses_the_event_time() {
    let s = sensor("filters:\n  time: {start: \"10:00:00\", stop: \"11:00:00\"}");
    assert!(passes(&s, &event("{}")));
    let s = sensor("filters:\n  time: {start: \"11:00:00\", stop: \"10:00:00\"}");
    assert!(!passes(&s, &event("{}")));
}

#[test]
fn filters_logical_or_passes_on_any_kind() {
    let s = sensor(
        "filtersLogicalOperator: or\nfilters:\n  context: {type: calendar}\n  data:\n    - {path: a, type: string, value: [\"x\"]}",
    );
    assert!(passes(&s, &event(r#"{"a":"x"}"#)));
    assert!(!passes(&s, &event(r#"{"a":"y"}"#)));
}

#[test]
fn lua_script_filter() {
    let s = sensor(
        "filters:\n  script: |-\n    if event.a == \"x\" then return true else return false end",
    );
    assert!(passes(&s, &event(r#"{"a":"x"}"#)));
    assert!(!passes(&s, &event(r#"{"a":"y"}"#)));
}

#[test]
fn jq_transform_runs_before_filters_and_is_what_is_held() {
    let s = sensor("transform:\n  jq: \".a |= ascii_upcase\"\nfilters:\n  data:\n    - {path: a, type: string, value: [\"^X$\"]}");
    let e = event(r#"{"a":"x"}"#);
    assert!(passes(&s, &e));
    let (_, firings) = s.on_event_explained(&mut SensorState::default(), &e, e.context.time);
    assert_eq!(firings[0].events["d"].json_data(), Some(r#"{"a":"X"}"#));
}

#[test]
fn template_in_data_filter_compares_its_output() {
    let s = sensor("filters:\n  data:\n    - {path: a, type: string, value: [\"^HELLO$\"], template: \"{{ .Input | upper }}\"}");
    assert!(passes(&s, &event(r#"{"a":"hello"}"#)));
    let s = sensor("filters:\n  data:\n    - {path: a, type: number, comparator: \">\", value: [\"5\"], template: \"{{ len .Input }}\"}");
    assert!(passes(&s, &event(r#"{"a":"abcdef"}"#)));
    assert!(!passes(&s, &event(r#"{"a":"abc"}"#)));
}

#[test]
fn expr_filters_with_argo_syntax() {
    let s = sensor(
        "filters:\n  exprs:\n    - expr: a == \"x\" && b > 5\n      fields:\n        - {name: a, path: a}\n        - {name: b, path: n}",
    );
    assert!(passes(&s, &event(r#"{"a":"x","n":6}"#)));
    assert!(!passes(&s, &event(r#"{"a":"x","n":5}"#)));
    let r = report(&s, &event(r#"{"a":"x"}"#));
    assert!(r
        .verdict
        .error
        .expect("error")
        .contains("path 'n' does not exist"));
}
