#!/usr/bin/env bash
# End-to-end benchmark of `tripline run` on loopback: webhook source → durable bus (fsync on)
# → sensor with one data filter → `http` trigger to a local sink.
# Usage: bench/e2e.sh [CONNECTIONS] [SECONDS]   (NO_FSYNC=1: acknowledge without fsync, to see the CPU ceiling)
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${1:-64}
SECS=${2:-15}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/tripline/target}
cargo build -q --release -p tripline --bin tripline --example loadgen --example sink
BIN=$CARGO_TARGET_DIR/release
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/m"
cat > "$WORK/m/source.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: bench}
spec:
  webhook:
    bench: {port: "18000", endpoint: /bench, method: POST}
YAML
cat > "$WORK/m/sensor.yaml" <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {name: bench}
spec:
  dependencies:
    - name: order
      eventSourceName: bench
      eventName: bench
      filters:
        data:
          - {path: body.kind, type: string, value: ["^order$"]}
  triggers:
    - template:
        name: sink
        http:
          url: http://127.0.0.1:18081/hit
          payload:
            - {src: {dependencyName: order, dataKey: body.sent, useRawData: true}, dest: sent}
            - {src: {dependencyName: order, dataKey: body.n, useRawData: true}, dest: n}
YAML
"$BIN/examples/sink" 18081 &
RUST_LOG=warn "$BIN/tripline" run ${NO_FSYNC:+--no-fsync} "$WORK/m" --data-dir "$WORK/data" --admin 127.0.0.1:19090 --bind 127.0.0.1 &
for _ in $(seq 100); do curl -fs http://127.0.0.1:19090/readyz >/dev/null && break; sleep 0.1; done
LOAD=$("$BIN/examples/loadgen" http://127.0.0.1:18000/bench "$CONNS" "$SECS")
ACCEPTED=$(echo "$LOAD" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accepted"])')
# Wait for the sensor to drain the bus.
for _ in $(seq 600); do
  GOT=$(curl -fs http://127.0.0.1:18081/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["received"])')
  [ "$GOT" -ge "$ACCEPTED" ] && break
  sleep 0.1
done
SINK=$(curl -fs http://127.0.0.1:18081/stats)
echo "load:  $LOAD"
echo "sink:  $SINK"
FS=on; [ -n "${NO_FSYNC:-}" ] && FS=off
echo "fsync: $FS; connections: $CONNS; seconds: $SECS; $(nproc) cores"
