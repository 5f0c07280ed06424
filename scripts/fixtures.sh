#!/usr/bin/env bash
# Generates the model fixtures in fixtures/ (gitignored) with the project's own export tool
# (tools/export) and Debian's /usr/bin/python3 + torch, from fixed seeds:
#   tiny.pt        relative positions, layer norm, 4-label head (yes/no/up/down)
#   tiny-base.pt   same shape, no head
#   tiny-rotary.pt rotary positions, no head
#   tiny-group.pt  group-norm feature encoder, no head
#   medium.pt      6 layers x 256 (benchmarks), no head
#   tiny-qint8.pt  tiny.pt's weights, dynamically quantised (export --dtype qint8)
# Each tiny-*.pt has a sibling HF checkpoint dir (fixtures/<name>/: config.json,
# model.safetensors, preprocessor_config.json) holding the same weights.
# Skips all work when fixtures/.stamp matches the inputs (export sources, configs, this
# script, torch version); FORCE=1 regenerates.
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"
PY=${AUDIOMAP_PYTHON:-/usr/bin/python3}
OUT=fixtures
CONFIGS=tools/export/configs
export PYTHONPATH="$REPO_ROOT/tools/export${PYTHONPATH:+:$PYTHONPATH}"

log() { printf '\033[1;34m[fixtures]\033[0m %s\n' "$*" >&2; }

stamp=$( {
  cat "$0" tools/export/audiomap_export/*.py "$CONFIGS"/*.json
  "$PY" -c 'import importlib.metadata as m; print(m.version("torch"))'
} | sha256sum | cut -d' ' -f1)

expected=(tiny.pt tiny-base.pt tiny-rotary.pt tiny-group.pt medium.pt tiny-qint8.pt
  tiny/model.safetensors tiny-base/model.safetensors tiny-rotary/model.safetensors tiny-group/model.safetensors)
up_to_date=1
[ "${FORCE:-0}" = 1 ] && up_to_date=0
[ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$stamp" ] || up_to_date=0
for f in "${expected[@]}"; do [ -f "$OUT/$f" ] || up_to_date=0; done
if [ "$up_to_date" = 1 ]; then
  log "fixtures up to date"
  exit 0
fi

mkdir -p "$OUT"
rm -f "$OUT/.stamp"
rm -rf "$OUT/tiny" "$OUT/tiny-base" "$OUT/tiny-rotary" "$OUT/tiny-group"
# One process for all exports: importing torch dominates the run time.
"$PY" -m audiomap_export batch - <<ARGS
--random-init --config $CONFIGS/tiny.json --seed 1 -o $OUT/tiny.pt --save-checkpoint $OUT/tiny --labels-from $CONFIGS/tiny-labels.json
--random-init --config $CONFIGS/tiny.json --seed 2 -o $OUT/tiny-base.pt --save-checkpoint $OUT/tiny-base
--random-init --config $CONFIGS/tiny-rotary.json --seed 3 -o $OUT/tiny-rotary.pt --save-checkpoint $OUT/tiny-rotary
--random-init --config $CONFIGS/tiny-group.json --seed 4 -o $OUT/tiny-group.pt --save-checkpoint $OUT/tiny-group
--random-init --config $CONFIGS/medium.json --seed 5 -o $OUT/medium.pt
$OUT/tiny -o $OUT/tiny-qint8.pt --dtype qint8
ARGS
echo "$stamp" >"$OUT/.stamp"
log "fixtures written to $OUT/"
