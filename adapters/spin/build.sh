#!/usr/bin/env bash
# Builds the Tripline Spin component and pre-initializes it.
#
#   adapters/spin/build.sh [-o OUT.wasm] [extra cargo build args, e.g. --features spin]
#
# 1. `cargo build --release --target wasm32-wasip2`: build.rs bundles and validates the
#    manifests of $TRIPLINE_SPIN_MANIFESTS (default: adapters/spin/manifests).
# 2. `wasmtime wizer`: runs the component's `wizer-initialize` export once (parse the bundle,
#    compile filters, CEL, templates, conditions and trigger runners) and snapshots the
#    instance, so no request pays for that. `--keep-init-func`: Wasmtime 48's wizer leaves an
#    invalid component when it drops a root-level export; the kept export is idempotent.
#
# Environment: TRIPLINE_SPIN_MANIFESTS, CARGO_TARGET_DIR, WASMTIME (the Wasmtime CLI; default:
# `wasmtime` on PATH, else the one .ci/spin-setup installs), TRIPLINE_SPIN_PREINIT=0 to skip
# step 2 (every new instance then compiles the bundle on its first request).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/tripline-spin.wasm"
if [ "${1:-}" = "-o" ]; then
  out="$2"
  shift 2
fi

cargo build --release --target wasm32-wasip2 --manifest-path "$here/Cargo.toml" "$@"
target_dir="${CARGO_TARGET_DIR:-$here/target}"
raw="$target_dir/wasm32-wasip2/release/tripline_spin.wasm"

if [ "${TRIPLINE_SPIN_PREINIT:-1}" = "0" ]; then
  cp "$raw" "$out"
  echo "built $out (not pre-initialized)" >&2
  exit 0
fi

wasmtime="${WASMTIME:-}"
if [ -z "$wasmtime" ]; then
  wasmtime="$(command -v wasmtime || true)"
fi
if [ -z "$wasmtime" ]; then
  wasmtime="$("$here/../../.ci/spin-setup" | tail -n 1)"
fi
# The snapshot is taken in a sandbox with WASI CLI and HTTP but no environment: secrets are
# read per request, never baked in.
"$wasmtime" wizer -Scli -Shttp --keep-init-func --init-func wizer-initialize -o "$out.tmp" "$raw"
mv "$out.tmp" "$out"
echo "built $out ($(wc -c <"$out") bytes, pre-initialized)" >&2
