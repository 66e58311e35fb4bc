"""Evaluating prediction PNGs against a labelled dataset, image pairs read in worker processes.

Predictions are found by name, as the official scripts do: a file under the prediction folder whose name
starts with the ground-truth image's ``<city>_<seq>_<frame>`` (or its stem) followed by ``_`` or ``.png``.
Labels in Cityscapes' own classes go to the official evaluator; labels in another class space (CamVid's 11) to
``ClassSpaceEvaluator``, which maps train-id predictions into that space.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from segkit import labels
from segkit.data.catalog import Record
from segkit.data.label_formats import SPACES
from segkit.data.labels_io import label_format, read_classes, record_label_ids, space_of
from segkit.errors import UserError
from segkit.evaluation.class_space import ClassSpaceEvaluator, space_confusion
from segkit.evaluation.semantic import TRAIN_ID_TO_ID_STRICT, SemanticEvaluator, image_statistics
from segkit.formats.png import read_png

PRED_IDS = ("train", "label")


def match_predictions(records: list[Record], pred_dir: Path) -> list[tuple[Record, Path]]:
    if not pred_dir.is_dir():
        raise UserError(f"{pred_dir}: no such folder of predictions")
    wanted = {record.name: record for record in records}
    found: dict[str, Path] = {}
    side_outputs = {"confidence", "instances"}  # what predict and fuse write beside the predictions
    for path in sorted(p for p in pred_dir.rglob("*.png") if p.parent.name not in side_outputs):
        stem = path.stem
        cuts = [i for i, c in enumerate(stem) if c == "_"] + [len(stem)]
        for cut in cuts:
            if stem[:cut] in wanted:
                name = stem[:cut]
                if name in found:
                    raise UserError(f"{path}: a second prediction for {name} (the first is {found[name]})")
                found[name] = path
                break
    missing = [name for name in wanted if name not in found]
    if missing:
        raise UserError(f"{pred_dir}: no prediction for {len(missing)} of {len(wanted)} images, "
                        f"e.g. {missing[0]}*.png (for {wanted[missing[0]].label})")
    return [(wanted[name], found[name]) for name in wanted]


def _read_pair(record: Record, pred_path: Path, pred_ids: str, read_gt) -> tuple[np.ndarray, np.ndarray]:
    gt = read_gt(record)
    pred = read_png(pred_path)
    if pred.ndim != 2:
        raise UserError(f"{pred_path}: expected a single-channel PNG of {pred_ids} ids")
    if pred.shape != gt.shape:
        raise UserError(f"{pred_path}: size {pred.shape[1]}x{pred.shape[0]} differs from the ground truth's "
                        f"{gt.shape[1]}x{gt.shape[0]} ({record.label})")
    return gt, pred


def _space_confusion(job) -> np.ndarray:
    record, pred_path, pred_ids = job
    gt, pred = _read_pair(record, pred_path, pred_ids, read_classes)
    if pred.dtype != np.uint8:
        raise UserError(f"{pred_path}: expected an 8-bit PNG of train ids, got {pred.dtype}")
    try:
        return space_confusion(label_format(record).space, gt, pred)
    except ValueError as exc:
        raise UserError(f"{pred_path}: {exc}") from None


def _pair_statistics(job) -> dict:
    record, pred_path, pred_ids = job
    gt, pred = _read_pair(record, pred_path, pred_ids, record_label_ids)
    pred_to_id = None
    if pred_ids == "train":
        if pred.dtype != np.uint8:
            raise UserError(f"{pred_path}: expected an 8-bit PNG of train ids, got {pred.dtype}")
        pred_to_id = TRAIN_ID_TO_ID_STRICT
    instances = read_png(record.instances) if record.instances is not None else None
    try:
        return image_statistics(gt, pred, instances, pred_to_id)
    except ValueError as exc:
        raise UserError(f"{pred_path}: {exc}") from None


def evaluate_predictions(records: list[Record], pred_dir: Path, *, pred_ids: str = "train",
                         workers: int | None = None) -> dict:
    """{"sem_seg": metrics} over every labelled record; statistics are summed in record order."""
    if pred_ids not in PRED_IDS:
        raise UserError(f"--pred-ids: expected train or label, got {pred_ids!r}")
    records = [r for r in records if r.label is not None]
    if not records:
        raise UserError("the ground truth has no labelled images")
    space = space_of(records)
    official = space == labels.CITYSCAPES_SPACE
    if not official and pred_ids != "train":
        raise UserError(f"--pred-ids label: {space.title} evaluation takes train-id predictions")
    jobs = [(record, path, pred_ids) for record, path in match_predictions(records, Path(pred_dir))]
    workers = workers or min(os.cpu_count() or 1, 8)
    if official:
        evaluator, per_image = SemanticEvaluator(), _pair_statistics
    else:
        evaluator, per_image = ClassSpaceEvaluator(space), _space_confusion
    if workers > 1 and len(jobs) >= 2 * workers:
        with ProcessPoolExecutor(workers) as pool:
            for stats in pool.map(per_image, jobs, chunksize=4):
                evaluator.add(stats)
    else:
        for job in jobs:
            evaluator.add(per_image(job))
    if official:
        evaluator.with_instances = all(record.instances is not None for record in records)
    return evaluator.evaluate()


def format_metrics(metrics: dict) -> str:
    metrics = metrics["sem_seg"]
    if metrics.get("label_set") in SPACES:
        return _format_space_metrics(metrics, SPACES[metrics["label_set"]])
    has_instances = "iIoU" in metrics
    lines = [f"{'class':<16}{'IoU':>8}" + (f"{'iIoU':>8}" if has_instances else "")]
    for name in labels.TRAIN_CLASSES:
        row = f"{name:<16}{100 * metrics[f'IoU-{name}']:>8.2f}"
        if has_instances and f"iIoU-{name}" in metrics:
            row += f"{100 * metrics[f'iIoU-{name}']:>8.2f}"
        lines.append(row)
    lines.append("-" * (32 if has_instances else 24))
    summary = [("mIoU (19 classes)", "mIoU"), ("mIoU (16, SYNTHIA)", "mIoU_16"), ("mIoU (13, SYNTHIA)", "mIoU_13"),
               ("foreground (10)", "mIoU_foreground"), ("background (9)", "mIoU_background"),
               ("categories", "mIoU_categories"), ("pixel accuracy", "pixel_accuracy")]
    if has_instances:
        summary.insert(1, ("iIoU (8 classes)", "iIoU"))
    lines += [f"{label:<22}{100 * metrics[key]:>8.2f}" for label, key in summary]
    lines.append(f"{metrics['images']} images")
    return "\n".join(lines)


def _format_space_metrics(metrics: dict, space: labels.ClassSpace) -> str:
    classes, things = len(space.classes), len(space.things)
    lines = [f"{'class':<16}{'IoU':>8}"] + [f"{name:<16}{100 * metrics[f'IoU-{name}']:>8.2f}" for name in space.classes]
    lines += ["-" * 24, f"{f'mIoU ({classes} classes)':<16}{100 * metrics['mIoU']:>8.2f}",
              f"{f'things ({things})':<16}{100 * metrics['mIoU_foreground']:>8.2f}",
              f"{f'stuff ({classes - things})':<16}{100 * metrics['mIoU_background']:>8.2f}",
              f"{'pixel accuracy':<16}{100 * metrics['pixel_accuracy']:>8.2f}",
              f"{metrics['images']} images ({space.title})"]
    return "\n".join(lines)
