//! `spec::load_all` on arbitrary UTF-8 (and `spec::from_json_value` when the text is JSON), then
//! `check::check(…, Runtime::Offline)` on every loaded manifest and `CompiledSensor::compile`
//! on every Sensor.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tripline_core::check::{check, Runtime};
use tripline_core::sensor::CompiledSensor;
use tripline_core::spec::{self, Loaded, Manifest};

fn exercise(loaded: &Loaded) {
    let _ = loaded.manifest.kind();
    let _ = loaded.manifest.name();
    let report = check(loaded, Runtime::Offline);
    let _ = report.is_valid();
    if let Manifest::Sensor(sensor) = &loaded.manifest {
        if let Ok(compiled) = CompiledSensor::compile(sensor) {
            let _ = compiled.problems();
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for result in spec::load_all(text) {
        match result {
            Ok(loaded) => exercise(&loaded),
            Err(e) => {
                let _ = e.to_string();
                let _ = e.path();
                let _ = e.reason();
            }
        }
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        if let Ok(loaded) = spec::from_json_value(value) {
            exercise(&loaded);
        }
    }
});
