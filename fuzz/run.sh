#!/usr/bin/env bash
# Runs one fuzz target with its dictionary for SECONDS (default 90) of fuzzing.
# Usage: fuzz/run.sh TARGET [SECONDS] [extra libFuzzer flags...]
# Stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
t="${1:?target: spec_load | event_decode | template | expr | sensor_events}"
secs="${2:-90}"
shift; [ $# -gt 0 ] && shift
case "$t" in
  template) dict=(-dict=dict/template.dict) ;;
  expr) dict=(-dict=dict/expr.dict) ;;
  event_decode | sensor_events) dict=(-dict=dict/event.dict) ;;
  *) dict=() ;;
esac
cd "$here"
mkdir -p "corpus/$t" "artifacts/$t"
export RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-fuzz}"
exec cargo fuzz run "$t" -- "${dict[@]}" -max_total_time="$secs" -timeout=10 -print_final_stats=1 "$@"
