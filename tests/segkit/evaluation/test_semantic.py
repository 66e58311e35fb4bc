"""Our pixel evaluation against the official script, on the real sample and on random maps."""
import math

import numpy as np
import pytest
from scipy import ndimage

from segkit import labels
from segkit.evaluation.official import load_pixel_evaluator, official_scores
from segkit.evaluation.semantic import AVERAGE_INSTANCE_SIZE, SemanticEvaluator
from segkit.formats.cityscapes import gt_path, read_instance_ids, read_label_ids
from segkit.formats.png import write_png

NAME = "frankfurt_000000_000294"


def _same(ours: float, theirs: float) -> bool:
    return (math.isnan(ours) and math.isnan(theirs)) or abs(ours - theirs) <= 1e-6


def _compare(ours: dict, official: dict) -> None:
    metrics = ours["sem_seg"]
    for name, score in official["classScores"].items():
        if labels.BY_NAME[name].ignore_in_eval:
            continue
        assert _same(metrics[f"IoU-{name}"], score), name
    for name, score in official["classInstScores"].items():
        if not math.isnan(score) or f"iIoU-{name}" in metrics:
            assert _same(metrics[f"iIoU-{name}"], score), name
    for name, score in official["categoryScores"].items():
        if not math.isnan(score):
            assert _same(metrics[f"IoU-category-{name}"], score), name
    for name, score in official["categoryInstScores"].items():
        if not math.isnan(score):
            assert _same(metrics[f"iIoU-category-{name}"], score), name
    assert _same(metrics["mIoU"], official["averageScoreClasses"])
    assert _same(metrics["iIoU"], official["averageScoreInstClasses"])
    assert _same(metrics["mIoU_categories"], official["averageScoreCategories"])
    assert _same(metrics["iIoU_categories"], official["averageScoreInstCategories"])


def _random_prediction(gt: np.ndarray, rng, keep: float) -> np.ndarray:
    """Mostly right, with blobs of wrong classes (void ids included) and some noise."""
    ids = np.array(sorted(labels.KNOWN_IDS), dtype=np.uint8)
    blobs = ndimage.zoom(rng.integers(0, len(ids), (8, 16)), (gt.shape[0] / 8, gt.shape[1] / 16), order=0)
    pred = np.where(rng.random(gt.shape) < keep, gt, ids[blobs[: gt.shape[0], : gt.shape[1]]])
    return pred.astype(np.uint8)


def test_average_sizes_are_the_official_ones():
    _, args = load_pixel_evaluator()
    assert AVERAGE_INSTANCE_SIZE == args.avgClassSize


def test_identical_to_the_official_script_on_the_real_sample(cityscapes_mini, tmp_path, rng):
    gt_file = gt_path(cityscapes_mini, "val", "frankfurt", NAME, "labelIds")
    gt, instances = read_label_ids(gt_file), read_instance_ids(gt_path(cityscapes_mini, "val", "frankfurt", NAME, "instanceIds"))
    for k, keep in enumerate((1.0, 0.7, 0.2)):
        pred = gt.copy() if keep == 1.0 else _random_prediction(gt, rng, keep)
        pred_file = tmp_path / f"{NAME}_pred{k}.png"
        write_png(pred_file, pred)
        evaluator = SemanticEvaluator()
        evaluator.process(gt, pred, instances)
        _compare(evaluator.evaluate(), official_scores([str(pred_file)], [str(gt_file)]))
        if keep == 1.0:
            assert evaluator.evaluate()["sem_seg"]["mIoU"] == 1.0


def test_identical_to_the_official_script_on_random_maps(tmp_path, rng):
    """Several images together, with instances of every instance class, void and ignored classes."""
    gt_files, pred_files = [], []
    evaluator = SemanticEvaluator()
    ids = np.array(sorted(labels.KNOWN_IDS), dtype=np.uint8)
    for index in range(4):
        noise = ndimage.gaussian_filter(rng.random((len(ids), 64, 128)), 3)
        gt = ids[noise.argmax(0)].astype(np.uint8)
        components, _ = ndimage.label(np.ones_like(gt))
        instances = gt.astype(np.uint16)
        things = labels.HAS_INSTANCES_ID[gt]
        blobs, count = ndimage.label(things)
        instances[things] = gt[things].astype(np.uint16) * 1000 + (blobs[things] % 7).astype(np.uint16)
        pred = _random_prediction(gt, rng, keep=0.6)
        folder = tmp_path / "gtFine" / "val" / "rand"
        gt_file = folder / f"rand_000000_{index:06d}_gtFine_labelIds.png"
        write_png(gt_file, gt)
        write_png(folder / f"rand_000000_{index:06d}_gtFine_instanceIds.png", instances)
        pred_file = tmp_path / "pred" / f"rand_000000_{index:06d}.png"
        write_png(pred_file, pred)
        gt_files.append(str(gt_file))
        pred_files.append(str(pred_file))
        evaluator.process(gt, pred, instances)
    ours = evaluator.evaluate()
    _compare(ours, official_scores(pred_files, gt_files))
    assert 0.0 < ours["sem_seg"]["mIoU"] < 1.0 and not math.isnan(ours["sem_seg"]["iIoU"])


def test_subsets_and_foreground_means(rng):
    gt = np.array([labels.ids_of(labels.TRAIN_CLASSES)] * 4, dtype=np.uint8)
    pred = gt.copy()
    pred[:, labels.TRAIN_CLASSES.index("terrain")] = labels.BY_NAME["road"].id  # terrain all wrong
    evaluator = SemanticEvaluator()
    evaluator.process(gt, pred)
    metrics = evaluator.evaluate()["sem_seg"]
    assert metrics["IoU-terrain"] == 0.0 and metrics["IoU-road"] == 0.5
    assert metrics["mIoU"] == pytest.approx((17 + 0.5) / 19)
    assert metrics["mIoU_16"] == pytest.approx((15 + 0.5) / 16)  # terrain is not among the 16
    assert metrics["mIoU_foreground"] == 1.0 and metrics["mIoU_background"] == pytest.approx(7.5 / 9)
    assert "iIoU" not in metrics  # no instances given
    with pytest.raises(ValueError, match="unknown label ids \\[40\\]"):
        evaluator.process(gt, np.full_like(gt, 40))
