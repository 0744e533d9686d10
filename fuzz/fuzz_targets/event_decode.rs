//! `Event::from_json` on arbitrary bytes; a decoded event must survive its own serde
//! serialisation exactly, and `to_json` must decode back to the same context.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tripline_core::event::Event;

fuzz_target!(|data: &[u8]| {
    let Ok(event) = Event::from_json(data) else {
        return;
    };

    // Serde round trip: data bytes are kept exactly (inline when JSON, else base64).
    let text = serde_json::to_string(&event).expect("an event always serialises");
    let back: Event = match serde_json::from_str(&text) {
        Ok(e) => e,
        Err(e) => panic!("serialised event does not decode: {e}\nserialised: {text}"),
    };
    assert_eq!(back, event, "serde round trip changed the event\nserialised: {text}");
    assert_eq!(back.data(), event.data());
    assert_eq!(back.json_data(), event.json_data());

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
