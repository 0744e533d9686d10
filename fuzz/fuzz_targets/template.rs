//! `Template::parse` on arbitrary text, then `render` against a small fixed JSON value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tripline_core::template::Template;

fn data() -> &'static serde_json::Value {
    static DATA: OnceLock<serde_json::Value> = OnceLock::new();
    DATA.get_or_init(|| {
        serde_json::json!({
            "Input": {
                "body": {
                    "name": "checkout",
                    "replicas": 3,
                    "ratio": 0.25,
                    "big": 1e300,
                    "neg": -7,
                    "ok": true,
                    "nothing": null,
                    "tags": ["a", "b", "c"],
                    "nested": {"x": {"y": [1, {"z": "deep"}]}},
                    "empty": {},
                    "unicode": "h\u{e9}llo \u{1f600}"
                },
                "header": {"Content-Type": ["application/json"]}
            },
            "source": "webhook",
            "time": "2026-11-26T10:00:00Z"
        })
    })
}

fuzz_target!(|src: &str| {
    if let Ok(t) = Template::parse(src) {
        let _ = t.render(data());
        let _ = t.render(&serde_json::Value::Null);
    }
});
