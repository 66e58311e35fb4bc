"""Fusion of one 2048x1024 image with 100 instances: decoding the masks against fusing them.

    python benchmarks/fuse_speed.py [--instances 100]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from segkit.formats.coco import encode_mask
from segkit.fuse import decode_detections, fuse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=100)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    height, width = 1024, 2048
    semantic = rng.integers(0, 19, (height, width)).astype(np.uint8)
    detections = []
    for _ in range(args.instances):
        mask = np.zeros((height, width), dtype=bool)
        y, x = rng.integers(0, height - 200), rng.integers(0, width - 200)
        h, w = rng.integers(20, 200, 2)
        mask[y:y + h, x:x + w] = rng.random((h, w)) < 0.9
        detections.append({"segmentation": encode_mask(mask), "category_id": 26, "score": float(rng.random())})
    start = time.perf_counter()
    masks, ids, scores, boxes = decode_detections(detections, (height, width), "synthetic")
    decoding = time.perf_counter() - start
    start = time.perf_counter()
    fuse(semantic, masks, ids, scores, boxes=boxes)
    fusing = time.perf_counter() - start
    print(f"{args.instances} instances at {width}x{height}: decoding the masks {1000 * decoding:.0f} ms, "
          f"fusing {1000 * fusing:.0f} ms")


if __name__ == "__main__":
    main()
