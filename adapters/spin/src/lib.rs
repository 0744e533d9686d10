//! Tripline at the edge: Argo Events webhook-family EventSources and the sensors that depend
//! on them, as one Spin HTTP component (WASI 0.2, `wasm32-wasip2`).
//!
//! The component holds request mapping and port implementations only: webhook verification
//! and event shaping are the core's `source` module, matching and triggers the core's sensor
//! and shared trigger runners. Manifests are bundled at build time (`build.rs` validates them
//! for this runtime) and compiled once per instance — or once for good by pre-initializing the
//! component (`wasmtime wizer`, see `build.sh`), which calls [`init`].

pub mod bundle;
pub mod handler;
pub mod ports;
pub mod sensors;
pub mod stateful;
pub mod store;

#[cfg(target_arch = "wasm32")]
use spin_sdk::http::{Headers, IncomingRequest, OutgoingResponse, ResponseOutparam};

/// Compiles the bundled manifests into this instance's memory. Pre-initialization runs it once
/// and snapshots the result, so requests start with everything compiled.
pub fn init() {
    ports::log::init_tracing();
    if let Err(e) = bundle::init() {
        // Pre-initialization must not bake a broken bundle: fail the build step instead.
        panic!("tripline cannot start: {e}");
    }
}

// The exports exist in the component only: their names (`wasi:http/…#handle`) are not valid
// symbol names for a native shared library, which the native test build also links.
#[cfg(target_arch = "wasm32")]
#[spin_sdk::http_component]
async fn handle(req: IncomingRequest, out: ResponseOutparam) {
    let reply = handler::serve(req).await;
    // Our content types are valid header values; an empty header set is the fallback anyway.
    let headers = Headers::from_list(&[(
        "content-type".to_string(),
        reply.content_type.as_bytes().to_vec(),
    )])
    .unwrap_or_else(|_| Headers::new());
    let resp = OutgoingResponse::new(headers);
    let _ = resp.set_status_code(reply.status);
    if let Err(e) = out.set_with_body(resp, reply.body.into_bytes()).await {
        tracing::warn!("writing the response failed: {e}");
    }
}

/// The export `wasmtime wizer` calls (`--init-func wizer-initialize`).
#[cfg(target_arch = "wasm32")]
mod preinit {
    spin_sdk::wit_bindgen::generate!({
        inline: "
            package tripline:spin;
            world preinit {
                export wizer-initialize: func();
            }
        ",
        runtime_path: "spin_sdk::wit_bindgen::rt",
    });

    struct Preinit;

    impl Guest for Preinit {
        fn wizer_initialize() {
            super::init();
        }
    }

    export!(Preinit);
}
