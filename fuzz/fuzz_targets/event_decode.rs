//! `Event::from_json` on arbitrary bytes; a decoded event must survive its own serde
//! serialisation exactly, and `to_json` must decode back to the same context. The same bytes
//! are also used as the raw data of an `Event::new` (JSON and non-JSON content types), which
//! must survive serde byte for byte (events are checkpointed in sensor state).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tripline_core::event::{Event, EventContext};

fn serde_round_trip(event: &Event) {
    let text = serde_json::to_string(event).expect("an event always serialises");
    let back: Event = match serde_json::from_str(&text) {
        Ok(e) => e,
        Err(e) => panic!("serialised event does not decode: {e}\nserialised: {text}"),
    };
    assert_eq!(
        &back, event,
        "serde round trip changed the event\nserialised: {text}"
    );
    assert_eq!(back.data(), event.data());
    assert_eq!(back.json_data(), event.json_data());
}

/// Known issue (see ../README.md, finding 3): JSON data that is exactly `null` is serialised
/// inline as `"data":null`, which decodes as "no data". Skipped so the fuzzer can look past
/// it; `TRIPLINE_FUZZ_STRICT=1` checks it too.
fn skip_known(data: &[u8]) -> bool {
    static STRICT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    data == b"null" && !*STRICT.get_or_init(|| std::env::var_os("TRIPLINE_FUZZ_STRICT").is_some())
}

fuzz_target!(|data: &[u8]| {
    // Raw bytes as the data of an event built by a source.
    for ct in ["application/json", "text/plain"] {
        if ct == "application/json" && skip_known(data) {
            continue;
        }
        let context = EventContext {
            id: "id".into(),
            source: "webhook".into(),
            specversion: "1.0".into(),
            r#type: "webhook".into(),
            datacontenttype: ct.into(),
            subject: "example".into(),
            time: chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
        };
        serde_round_trip(&Event::new(context, data.to_vec()));
    }

    let Ok(event) = Event::from_json(data) else {
        return;
    };

    // Serde round trip: data bytes are kept exactly (inline when JSON, else base64).
    serde_round_trip(&event);

    // Argo's context marshalling is always valid JSON.
    let ctx = event.context_json();
    serde_json::from_str::<serde_json::Value>(&ctx).expect("context_json is JSON");
    let argo = event.argo_event_json();
    serde_json::from_str::<serde_json::Value>(&argo).expect("argo_event_json is JSON");

    // Structured JSON via a tree: data may be normalised (numbers), the context may not.
    let tree = event.to_json().to_string();
    match Event::from_json(tree.as_bytes()) {
        Ok(again) => assert_eq!(again.context, event.context, "to_json changed the context"),
        Err(e) => panic!("to_json output does not decode: {e}\nto_json: {tree}"),
    }
});
