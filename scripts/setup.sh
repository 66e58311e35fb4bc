#!/usr/bin/env bash
# Installs what the project needs: libosmesa6 (headless rendering) through apt, then .venv with the project.
set -euo pipefail
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

if ! dpkg -s libosmesa6 >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "setup: installing libosmesa6 (offscreen OpenGL for pyrender)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libosmesa6 >/dev/null
    else
        echo "setup: libosmesa6 is missing; rendering on CPU needs it: sudo apt-get install libosmesa6" >&2
    fi
fi

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: $PYTHON is $("$PYTHON" --version 2>&1); Python 3.11 or newer is needed" >&2
    exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
"$VENV/bin/python" -m pip install -q -c constraints.txt -e '.[generate,train,test]' 2>&1 | grep -v "is ignored" || true
# detectron2 is not on the package registries: where ../shared/wheels holds a build for this Python, install it
# (and what its loaders need) for the interoperability tests, which skip without it.
WHEELS=${WHEELS:-../shared/wheels}
tag=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
for wheel in "$WHEELS"/detectron2-*-"$tag"-*.whl; do
    [ -f "$wheel" ] || continue
    { "$VENV/bin/python" -m pip install -q -c constraints.txt "$wheel" fvcore iopath omegaconf hydra-core "setuptools<81" \
        opencv-python-headless 2>&1 | grep -v "is ignored"; } || true
    "$VENV/bin/python" -c 'import detectron2, cv2' 2>/dev/null \
        || echo "setup: detectron2 from $wheel did not install; its interoperability tests will be skipped" >&2
done
"$VENV/bin/python" -c 'import segkit, veis_gen, torch, pyrender, pybullet, pycocotools, cityscapesscripts' \
    || { echo "setup: the install did not complete" >&2; exit 1; }
