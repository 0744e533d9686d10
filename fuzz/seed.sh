#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs (corpus/ is gitignored).
# Usage: fuzz/seed.sh   (from anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
argo="${ARGO_EXAMPLES:-/work/shared/argo/examples}"
c="$here/corpus"
mkdir -p "$c"/{spec_load,event_decode,template,expr,sensor_events}

# spec_load: Argo's example manifests and Tripline's examples.
if [ -d "$argo" ]; then
  cp "$argo"/sensors/*.y*ml "$c/spec_load/"
  for f in "$argo"/event-sources/*.yaml; do cp "$f" "$c/spec_load/es-$(basename "$f")"; done
  for f in "$argo"/eventbus/*.yaml; do cp "$f" "$c/spec_load/eventbus-$(basename "$f")"; done
fi
for d in "$root"/examples/*/; do
  for f in "$d"*.yaml; do cp "$f" "$c/spec_load/tripline-$(basename "$d")-$(basename "$f")"; done
done

# event_decode: one file per line of the examples' events.jsonl.
i=0
for f in "$root"/examples/*/events.jsonl; do
  while IFS= read -r line; do
    i=$((i + 1)); printf '%s' "$line" > "$c/event_decode/example-$i.json"
  done < "$f"
done

# template: dataTemplate/contextTemplate strings from the examples, plus hand-written seeds.
i=0
grep -rhoE "(dataTemplate|contextTemplate|template): *['\"].*['\"]" "$root/examples" ${argo:+"$argo"} 2>/dev/null \
  | sed -E "s/^[a-zA-Z]+: *//; s/^'(.*)'$/\1/; s/^\"(.*)\"$/\1/" | sort -u \
  | while IFS= read -r t; do i=$((i + 1)); printf '%s' "$t" > "$c/template/example-$i"; done
cp "$here"/seeds/template/* "$c/template/"
cp "$here"/seeds/expr/* "$c/expr/"
cp "$here"/seeds/sensor_events/* "$c/sensor_events/"
cp "$c"/event_decode/* "$c/sensor_events/"
echo "seeded: $(for t in "$c"/*/; do printf '%s=%s ' "$(basename "$t")" "$(ls "$t" | wc -l)"; done)"
