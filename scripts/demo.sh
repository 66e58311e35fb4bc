#!/usr/bin/env bash
# The main job on built-in defaults: a small mixed VEIS-style dataset from the built-in pack, checked,
# counted and drawn. The first run also builds the pack's people (about a minute, cached afterwards).
set -euo pipefail
BIN=${BIN:-.venv/bin}
DEMO_OUT=${DEMO_OUT:-demo_output}
WORKERS=${WORKERS:-$(nproc)}
OUT="$DEMO_OUT/veis"
echo "== veis-gen generate --out $OUT --scenes mixed --count 24 --size 1024x512 --workers $WORKERS"
"$BIN/veis-gen" generate --out "$OUT" --scenes mixed --count 24 --size 1024x512 --workers "$WORKERS" --seed 0
echo "== segkit check-dataset $OUT"
"$BIN/segkit" check-dataset "$OUT" | tail -n 1
echo "== veis-gen stats $OUT"
"$BIN/veis-gen" stats "$OUT"
echo "== veis-gen preview $OUT"
"$BIN/veis-gen" preview "$OUT" --count 8 --out "$DEMO_OUT/veis_preview.png"
echo "demo: the dataset is in $OUT (Cityscapes layout, COCO in $OUT/annotations), the preview in $DEMO_OUT/veis_preview.png"
