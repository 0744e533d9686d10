#!/usr/bin/env bash
# Replays every file in fuzz/regressions/ through its target (named by the file's prefix)
# with the exact checks on, and reports which still crash. Builds the targets first.
# Usage: fuzz/check-regressions.sh
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-fuzz}"
cargo fuzz build >/dev/null 2>&1 || { echo "build failed (run: cargo fuzz build)"; exit 2; }
bin="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"
failed=0
for f in regressions/*; do
  t=""
  for cand in spec_load event_decode template expr sensor_events; do
    case "$(basename "$f")" in "$cand"-*) t="$cand" ;; esac
  done
  [ -n "$t" ] || continue
  out="$(TRIPLINE_FUZZ_STRICT=1 ASAN_OPTIONS=detect_odr_violation=0 "$bin/$t" "$f" 2>&1)"
  if [ $? -eq 0 ]; then
    echo "ok     $f"
  else
    failed=1
    echo "CRASH  $f: $(printf '%s\n' "$out" | grep -m1 -E 'panicked at|ERROR:')"
  fi
done
exit $failed
