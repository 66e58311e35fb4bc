"""The 11-class CamVid evaluation (the class-space evaluator on CamVid's space) against an independent count, and
through `segkit evaluate`."""
import json

import numpy as np
import pytest

from segkit import labels
from segkit.cli import main
from segkit.evaluation.class_space import ClassSpaceEvaluator
from segkit.formats.png import read_png, write_png


def _independent_iou(gts, preds):
    """Per-class IoU by plain counting: predictions mapped by the README's table, void pixels left out."""
    names = labels.CAMVID_CLASSES
    usual = {"road": "Road", "sidewalk": "Pavement", "building": "Building", "wall": "Building", "fence": "Fence",
             "pole": "Pole", "traffic light": "SignSymbol", "traffic sign": "SignSymbol", "vegetation": "Tree",
             "terrain": "Tree", "sky": "Sky", "person": "Pedestrian", "rider": "Bicyclist", "car": "Car",
             "truck": "Car", "bus": "Car", "train": "Car", "motorcycle": "Bicyclist", "bicycle": "Bicyclist"}
    to_camvid = np.full(256, 11)
    for train_id, name in enumerate(labels.TRAIN_CLASSES):
        to_camvid[train_id] = names.index(usual[name])
    tp, fp, fn = np.zeros(11), np.zeros(11), np.zeros(11)
    for gt, pred in zip(gts, preds):
        mapped = to_camvid[pred]
        valid = gt != 11
        for c in range(11):
            tp[c] += np.sum((gt == c) & (mapped == c))
            fp[c] += np.sum(valid & (gt != c) & (mapped == c))
            fn[c] += np.sum((gt == c) & (mapped != c))
    return {n: tp[i] / (tp[i] + fp[i] + fn[i]) for i, n in enumerate(names) if tp[i] + fp[i] + fn[i] > 0}


def test_equals_an_independent_count_on_random_maps(rng):
    gts = [rng.integers(0, 12, (40, 50), dtype=np.uint8) for _ in range(3)]
    preds = [rng.choice(np.r_[np.arange(19), 255], (40, 50)).astype(np.uint8) for _ in range(3)]
    evaluator = ClassSpaceEvaluator(labels.CAMVID_SPACE)
    for gt, pred in zip(gts, preds):
        evaluator.process(gt, pred)
    metrics = evaluator.evaluate()["sem_seg"]
    expected = _independent_iou(gts, preds)
    for name in labels.CAMVID_CLASSES:
        assert metrics[f"IoU-{name}"] == pytest.approx(expected[name], abs=1e-12)
    assert metrics["mIoU"] == pytest.approx(np.mean(list(expected.values())), abs=1e-12)
    assert metrics["mIoU_foreground"] == pytest.approx(np.mean([expected[c] for c in labels.CAMVID_FOREGROUND]), abs=1e-12)
    assert metrics["images"] == 3


def test_a_perfect_prediction_scores_one_and_void_is_ignored(rng):
    gt = rng.integers(0, 12, (30, 30), dtype=np.uint8)
    perfect = np.array([labels.BY_NAME[labels.CAMVID_REPRESENTATIVE[c]].train_id for c in labels.CAMVID_CLASSES] + [7],
                       dtype=np.uint8)[gt]  # void pixels predicted as anything (road)
    evaluator = ClassSpaceEvaluator(labels.CAMVID_SPACE)
    evaluator.process(gt, perfect)
    metrics = evaluator.evaluate()["sem_seg"]
    assert metrics["mIoU"] == 1.0 and metrics["pixel_accuracy"] == 1.0


def test_values_that_are_not_train_ids_are_refused():
    with pytest.raises(ValueError, match=r"not train ids: \[19\]"):
        ClassSpaceEvaluator(labels.CAMVID_SPACE).process(np.zeros((2, 2), np.uint8), np.full((2, 2), 19, np.uint8))


def test_segkit_evaluate_on_camvid(camvid_root, tmp_path, capsys, rng):
    predictions = tmp_path / "pred"
    gts = []
    for name in ("0001TP_val000", "0001TP_val001"):
        gts.append(read_png(camvid_root / "valannot" / f"{name}.png"))
        write_png(predictions / f"{name}_pred.png", rng.integers(0, 19, (24, 32), dtype=np.uint8))
    out = tmp_path / "metrics.json"
    assert main(["evaluate", "--gt", "camvid:val", "--camvid", str(camvid_root), "--pred", str(predictions),
                 "--json", str(out)]) == 0
    assert "mIoU (11 classes)" in capsys.readouterr().out
    metrics = json.loads(out.read_text())["sem_seg"]
    expected = _independent_iou(gts, [read_png(predictions / f"{n}_pred.png") for n in ("0001TP_val000", "0001TP_val001")])
    assert metrics["mIoU"] == pytest.approx(np.mean(list(expected.values())), abs=1e-9)

    write_png(predictions / "0001TP_val001_pred.png", np.zeros((12, 16), np.uint8))
    assert main(["evaluate", "--gt", "camvid:val", "--camvid", str(camvid_root), "--pred", str(predictions)]) != 0
    error = capsys.readouterr().err
    assert "0001TP_val001_pred.png: size 16x12 differs from the ground truth's 32x24" in error
    assert len(error.strip().splitlines()) == 1
