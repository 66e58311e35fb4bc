#!/usr/bin/env bash
# The demo on built-in defaults. Until the generator lands: the Cityscapes sample checked and exported,
# and the built-in asset pack listed and drawn.
set -euo pipefail
BIN=${BIN:-.venv/bin}
DEMO_OUT=${DEMO_OUT:-demo_output}
SAMPLE="${FIXTURES:-../shared/fixtures}/cityscapes_mini"
mkdir -p "$DEMO_OUT"
if [ ! -d "$SAMPLE" ]; then
    echo "demo: no Cityscapes sample at $SAMPLE (set FIXTURES=DIR holding cityscapes_mini/)" >&2
    exit 1
fi
echo "== segkit check-dataset $SAMPLE"
"$BIN/segkit" check-dataset "$SAMPLE" || echo "(expected: this sample's labelTrainIds were downscaled apart from its labelIds)"
echo "== segkit export-coco $SAMPLE --split val"
"$BIN/segkit" export-coco "$SAMPLE" --split val --out "$DEMO_OUT/cityscapes_mini_val_instances.json"
echo "== veis-gen assets list"
"$BIN/veis-gen" assets list
echo "== veis-gen assets preview builtin"
"$BIN/veis-gen" assets preview builtin --out "$DEMO_OUT/builtin_pack.png" --columns 5
