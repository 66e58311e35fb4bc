"""Our pixel evaluation against the official cityscapesscripts one, on the same files, in one run.

    python benchmarks/eval_speed.py [--count 100] [--size 2048x1024] [--workers N]

Writes N ground-truth (labelIds, instanceIds) and prediction PNGs to a temporary folder, evaluates them
with both, checks every class IoU and iIoU and the means agree to 1e-6, and prints both times and the ratio.
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

from segkit import labels
from segkit.data.catalog import Record
from segkit.evaluation.files import evaluate_predictions
from segkit.evaluation.official import official_scores
from segkit.formats.png import read_png, write_png


def make_pair(folder: Path, index: int, width: int, height: int, rng: np.random.Generator) -> Record:
    """A street-like label map (bands of sky, buildings, road; blobs of things) and a noisy prediction."""
    ids = np.array(sorted(labels.KNOWN_IDS), dtype=np.uint8)
    coarse = rng.integers(0, len(ids), (height // 64, width // 64))
    gt = ids[ndimage.zoom(coarse, 64, order=0)]
    rows = np.arange(height)[:, None]
    gt = np.where(rows < height * 0.3, labels.BY_NAME["sky"].id, gt)
    gt = np.where(rows > height * 0.7, labels.BY_NAME["road"].id, gt).astype(np.uint8)
    instances = gt.astype(np.uint16)
    things = labels.HAS_INSTANCES_ID[gt]
    blobs, _ = ndimage.label(things)
    instances[things] = gt[things].astype(np.uint16) * 1000 + (blobs[things] % 50).astype(np.uint16)
    # Predictions go wrong in patches, as a network's do, and along shifted boundaries.
    wrong = ndimage.zoom(rng.random((height // 64, width // 64)) < 0.1, 64, order=0)
    other = ids[ndimage.zoom(rng.integers(0, len(ids), (height // 64, width // 64)), 64, order=0)]
    pred = np.where(wrong, other, np.roll(gt, 3, axis=1)).astype(np.uint8)
    name = f"bench_000000_{index:06d}"
    gt_dir = folder / "gtFine" / "val" / "bench"
    write_png(gt_dir / f"{name}_gtFine_labelIds.png", gt)
    write_png(gt_dir / f"{name}_gtFine_instanceIds.png", instances)
    write_png(folder / "pred" / f"{name}_pred.png", labels.ID_TO_TRAIN_ID[pred])
    write_png(folder / "pred_ids" / f"{name}.png", labels.TRAIN_ID_TO_ID[labels.ID_TO_TRAIN_ID[pred]])
    return Record("bench", name, gt_dir / f"{name}_gtFine_labelIds.png", gt_dir / f"{name}_gtFine_labelIds.png",
                  "cityscapes_ids", gt_dir / f"{name}_gtFine_instanceIds.png", "val", "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--size", default="2048x1024")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    folder = Path(tempfile.mkdtemp(prefix="veis-eval-"))
    try:
        rng = np.random.default_rng(0)
        records = [make_pair(folder, i, width, height, rng) for i in range(args.count)]
        instances = sum(len(np.unique(read_png(r.instances))) for r in records) - sum(
            len(np.unique(read_png(r.label))) for r in records)
        start = time.perf_counter()
        ours = evaluate_predictions(records, folder / "pred", pred_ids="train", workers=args.workers)["sem_seg"]
        ours_time = time.perf_counter() - start
        start = time.perf_counter()
        ours_one = evaluate_predictions(records, folder / "pred", pred_ids="train", workers=1)["sem_seg"]
        ours_one_time = time.perf_counter() - start
        gt_files = [str(r.label) for r in records]
        pred_files = [str(folder / "pred_ids" / f"{r.name}.png") for r in records]
        start = time.perf_counter()
        official = official_scores(pred_files, gt_files)
        official_time = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    def same(a, b):
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-6

    checks = [same(ours[f"IoU-{n}"], official["classScores"][n]) for n in labels.TRAIN_CLASSES]
    checks += [same(ours[key], official["classInstScores"][key[len("iIoU-"):]])
               for key in ours if key.startswith("iIoU-") and not key.startswith("iIoU-category-")]
    checks += [same(ours["mIoU"], official["averageScoreClasses"]), same(ours["iIoU"], official["averageScoreInstClasses"]),
               same(ours["mIoU_categories"], official["averageScoreCategories"]),
               same(ours["iIoU_categories"], official["averageScoreInstCategories"])]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.count} pairs at {width}x{height} (labelIds, instanceIds, prediction), iIoU included, "
          f"{instances / args.count:.0f} instances per image")
    print(f"official evalPixelLevelSemanticLabeling: {official_time:8.2f} s  ({1000 * official_time / args.count:.0f} ms/image)")
    print(f"segkit, 1 process:                       {ours_one_time:8.2f} s  ({1000 * ours_one_time / args.count:.0f} ms/image)  "
          f"{official_time / ours_one_time:5.1f}x faster")
    print(f"segkit, {args.workers} processes:                     {ours_time:8.2f} s  ({1000 * ours_time / args.count:.0f} ms/image)  "
          f"{official_time / ours_time:5.1f}x faster")
    print(f"mIoU {100 * ours['mIoU']:.4f} (official {100 * official['averageScoreClasses']:.4f}), iIoU {100 * ours['iIoU']:.4f} "
          f"(official {100 * official['averageScoreInstClasses']:.4f}); {sum(checks)}/{len(checks)} scores agree to 1e-6: "
          f"{'IDENTICAL' if all(checks) else 'DIFFERENT'}")
    assert same(ours["mIoU"], ours_one["mIoU"])


if __name__ == "__main__":
    main()
