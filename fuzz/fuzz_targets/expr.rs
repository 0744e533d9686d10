//! `CompiledExpr::compile(expr, fields)` then `eval` with several value assignments.
//!
//! Input: the first line is the expression; each following line (at most 8) is a field name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tripline_core::expr::CompiledExpr;

fn palette() -> &'static [serde_json::Value] {
    static P: OnceLock<Vec<serde_json::Value>> = OnceLock::new();
    P.get_or_init(|| {
        vec![
            serde_json::json!("critical"),
            serde_json::json!(2),
            serde_json::json!(true),
            serde_json::json!(null),
            serde_json::json!(-1.5),
            serde_json::json!(""),
            serde_json::json!([1, "two", 3.0]),
            serde_json::json!({"a": {"b": 1}}),
            serde_json::json!(9007199254740993u64),
            serde_json::json!(i64::MIN),
            serde_json::json!(1e308),
            serde_json::json!("2026-11-26T10:00:00Z"),
        ]
    })
}

fuzz_target!(|src: &str| {
    let mut lines = src.split('\n');
    let expr = lines.next().unwrap_or("");
    let fields: Vec<&str> = lines.take(8).collect();
    let Ok(compiled) = CompiledExpr::compile(expr, &fields) else {
        return;
    };
    let _ = compiled.cel_source();
    let p = palette();
    // Every field absent, then rotations of the palette, then a mix of absent and present.
    let none: Vec<Option<&serde_json::Value>> = vec![None; fields.len()];
    let _ = compiled.eval(&none);
    for shift in 0..p.len() {
        let vals: Vec<Option<&serde_json::Value>> = (0..fields.len())
            .map(|i| Some(&p[(i + shift) % p.len()]))
            .collect();
        let _ = compiled.eval(&vals);
    }
    let mixed: Vec<Option<&serde_json::Value>> = (0..fields.len())
        .map(|i| {
            if i % 2 == 0 {
                None
            } else {
                Some(&p[i % p.len()])
            }
        })
        .collect();
    let _ = compiled.eval(&mixed);
});
