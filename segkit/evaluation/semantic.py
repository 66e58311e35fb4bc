"""Pixel-level evaluation identical to cityscapesscripts' evalPixelLevelSemanticLabeling, and faster.

The official rules, reproduced: the confusion matrix runs over all label ids (0..33, ignored ones too);
a class's false negatives are its ground-truth pixels predicted as anything else (void ids included), its
false positives are its predictions on pixels whose ground truth is a class not ignored in evaluation.
iIoU weighs each ground-truth instance (instanceIds above 1000) by the class's average instance size over
its own size. Means are over the classes whose score is defined. Scores are fractions in 0..1.
"""
from __future__ import annotations

import math

import numpy as np

from segkit import labels

NUM_IDS = max(labels.KNOWN_IDS) + 1
# cityscapesscripts/evaluation/evalPixelLevelSemanticLabeling.py: args.avgClassSize (the iIoU weights)
AVERAGE_INSTANCE_SIZE = {
    "bicycle": 4672.3249222261, "caravan": 36771.8241758242, "motorcycle": 6298.7200839748,
    "rider": 3930.4788056518, "bus": 35732.1511111111, "train": 67583.7075812274, "car": 12794.0202738185,
    "person": 3462.4756337644, "truck": 27855.1264367816, "trailer": 16926.9763313609,
}
_EVALUATED = np.array([not labels.BY_ID[i].ignore_in_eval for i in range(NUM_IDS)])
# Categories whose every label has instances: their iIoU is defined (human, vehicle).
_INSTANCE_CATEGORIES = {
    category: [lab.id for lab in labels.IMAGE_LABELS if lab.category == category]
    for category in labels.CATEGORIES
    if all(lab.has_instances for lab in labels.IMAGE_LABELS if lab.category == category)
}


# Train ids to label ids for predictions: 255 is "unlabeled", values 19-254 are errors.
TRAIN_ID_TO_ID_STRICT = np.full(256, -1, dtype=np.int64)
TRAIN_ID_TO_ID_STRICT[: labels.NUM_TRAIN_CLASSES] = labels.TRAIN_ID_TO_ID[: labels.NUM_TRAIN_CLASSES]
TRAIN_ID_TO_ID_STRICT[labels.IGNORE_TRAIN_ID] = labels.TRAIN_ID_TO_ID[labels.IGNORE_TRAIN_ID]
_CATEGORY_OF = {category: np.isin(np.arange(256), ids) for category, ids in _INSTANCE_CATEGORIES.items()}


def confusion_matrix(gt: np.ndarray, pred: np.ndarray, size: int) -> np.ndarray:
    """(size, size) int64 pixel counts, ground-truth values in rows and predicted values in columns; both
    maps hold values below ``size``."""
    code = gt.astype(np.int64).ravel() * size + pred.astype(np.int64).ravel()
    return np.bincount(code, minlength=size * size).reshape(size, size)


def image_statistics(gt: np.ndarray, pred: np.ndarray, instances: np.ndarray | None,
                     pred_to_id: np.ndarray | None = None) -> dict:
    """One image's contribution: the confusion matrix (gt rows, prediction columns) and the weighted
    instance true and false negatives per class and instance category.

    ``pred_to_id`` (256 entries) maps prediction values to label ids, -1 for values that must not occur
    (TRAIN_ID_TO_ID_STRICT for train ids); the confusion is counted on the values as they are and its
    columns folded, which spares mapping every pixel.
    """
    if gt.shape != pred.shape:
        raise ValueError(f"prediction is {pred.shape[1]}x{pred.shape[0]}, ground truth {gt.shape[1]}x{gt.shape[0]}")
    for what, ids in (("ground truth", gt), ("prediction", pred)):
        if ids.dtype != np.uint8 and ids.max(initial=0) > 255:
            unknown = sorted(int(i) for i in set(np.unique(ids).tolist()) - labels.KNOWN_IDS)
            raise ValueError(f"{what} holds unknown label ids {unknown}")
    table = confusion_matrix(gt, pred, 256)
    if pred_to_id is not None:
        present = np.flatnonzero(table.sum(0))
        invalid = present[pred_to_id[present] < 0]
        if invalid.size:
            raise ValueError(f"prediction holds values that are not train ids: {invalid.tolist()}")
        folded = np.zeros_like(table)
        np.add.at(folded.T, np.maximum(pred_to_id, 0), table.T)
        table = folded
    for what, present in (("ground truth", table.sum(1) > 0), ("prediction", table.sum(0) > 0)):
        unknown = np.flatnonzero(present & ~labels.IS_KNOWN_ID)
        if unknown.size:
            raise ValueError(f"{what} holds unknown label ids {unknown.tolist()}")
    confusion = table[:NUM_IDS, :NUM_IDS].astype(np.int64)
    weighted = {"class_tp": np.zeros(256), "class_fn": np.zeros(256),
                "category_tp": dict.fromkeys(_INSTANCE_CATEGORIES, 0.0), "category_fn": dict.fromkeys(_INSTANCE_CATEGORIES, 0.0)}
    if instances is None:
        return {"confusion": confusion, **weighted}
    if instances.shape != gt.shape:
        raise ValueError("instanceIds and labelIds differ in size")
    inside = instances > labels.INSTANCE_ID_OFFSET  # as the official script: strictly above it
    ids = instances[inside].astype(np.int64)
    if ids.size == 0:
        return {"confusion": confusion, **weighted}
    predicted = pred[inside] if pred_to_id is None else pred_to_id[pred[inside]]
    sizes = np.bincount(ids)
    tp = np.bincount(ids, weights=predicted == (ids // labels.INSTANCE_ID_OFFSET))
    category_tp = {category: np.bincount(ids, weights=member[predicted]) for category, member in _CATEGORY_OF.items()}
    for instance in np.flatnonzero(sizes):
        label_id = int(instance) // labels.INSTANCE_ID_OFFSET
        label = labels.BY_ID.get(label_id)
        if label is None or label.ignore_in_eval or not label.has_instances:
            continue
        weight = AVERAGE_INSTANCE_SIZE[label.name] / float(sizes[instance])
        weighted["class_tp"][label_id] += tp[instance] * weight
        weighted["class_fn"][label_id] += (sizes[instance] - tp[instance]) * weight
        if label.category in category_tp:
            hits = category_tp[label.category][instance]
            weighted["category_tp"][label.category] += hits * weight
            weighted["category_fn"][label.category] += (sizes[instance] - hits) * weight
    return {"confusion": confusion, **weighted}


def _ratio(tp: float, denominator: float) -> float:
    return float(tp) / denominator if denominator > 0 else float("nan")


def mean_defined(values) -> float:
    """The mean of the scores that are defined (not NaN), as the official script averages."""
    valid = [v for v in values if not math.isnan(v)]
    return sum(valid) / len(valid) if valid else float("nan")


class SemanticEvaluator:
    """Accumulates images (label ids: ground truth, prediction, optional instanceIds), then scores them."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.confusion = np.zeros((NUM_IDS, NUM_IDS), dtype=np.int64)
        self.class_tp, self.class_fn = np.zeros(256), np.zeros(256)
        self.category_tp = dict.fromkeys(_INSTANCE_CATEGORIES, 0.0)
        self.category_fn = dict.fromkeys(_INSTANCE_CATEGORIES, 0.0)
        self.images = 0
        self.with_instances = True

    def process(self, gt: np.ndarray, pred: np.ndarray, instances: np.ndarray | None = None) -> None:
        self.add(image_statistics(gt, pred, instances))
        self.with_instances &= instances is not None

    def add(self, stats: dict) -> None:
        """Add one image's statistics (from image_statistics, perhaps computed in another process)."""
        self.confusion += stats["confusion"]
        self.class_tp += stats["class_tp"]
        self.class_fn += stats["class_fn"]
        for category in self.category_tp:
            self.category_tp[category] += stats["category_tp"][category]
            self.category_fn[category] += stats["category_fn"][category]
        self.images += 1

    def _false_positives(self, ids: list[int], excluded_rows: set[int]) -> int:
        rows = [i for i in range(NUM_IDS) if _EVALUATED[i] and i not in excluded_rows]
        return int(self.confusion[np.ix_(rows, ids)].sum())

    def evaluate(self) -> dict:
        confusion = self.confusion
        iou, iiou = {}, {}
        for lab in labels.IMAGE_LABELS:
            if lab.ignore_in_eval:
                continue
            tp = int(confusion[lab.id, lab.id])
            fn = int(confusion[lab.id].sum()) - tp
            fp = self._false_positives([lab.id], {lab.id})
            iou[lab.name] = _ratio(tp, tp + fp + fn)
            if lab.has_instances and self.with_instances:
                itp, ifn = self.class_tp[lab.id], self.class_fn[lab.id]
                iiou[lab.name] = _ratio(itp, itp + fp + ifn)
        category_iou, category_iiou = {}, {}
        for category in labels.CATEGORIES:
            ids = [lab.id for lab in labels.IMAGE_LABELS if lab.category == category and not lab.ignore_in_eval]
            if not ids:
                continue
            in_category = {lab.id for lab in labels.IMAGE_LABELS if lab.category == category}
            tp = int(confusion[np.ix_(ids, ids)].sum())
            fn = int(confusion[ids].sum()) - tp
            fp = self._false_positives(ids, in_category)
            category_iou[category] = _ratio(tp, tp + fp + fn)
            if category in _INSTANCE_CATEGORIES and self.with_instances:
                instance_ids = _INSTANCE_CATEGORIES[category]
                fp_instances = self._false_positives(instance_ids, in_category)
                itp, ifn = self.category_tp[category], self.category_fn[category]
                category_iiou[category] = _ratio(itp, itp + fp_instances + ifn)
        train_iou = [iou[name] for name in labels.TRAIN_CLASSES]
        evaluated = [i for i in range(NUM_IDS) if _EVALUATED[i]]
        correct = int(np.trace(confusion[np.ix_(evaluated, evaluated)]))
        metrics = {
            "mIoU": mean_defined(train_iou),
            "mIoU_16": mean_defined(iou[name] for name in labels.SYNTHIA_16_CLASSES),
            "mIoU_13": mean_defined(iou[name] for name in labels.SYNTHIA_13_CLASSES),
            "mIoU_foreground": mean_defined(iou[name] for name in labels.FOREGROUND_CLASSES),
            "mIoU_background": mean_defined(iou[name] for name in labels.BACKGROUND_CLASSES),
            "pixel_accuracy": _ratio(correct, int(confusion[evaluated].sum())),
            "mIoU_categories": mean_defined(category_iou.values()),
            "images": self.images,
        }
        if self.with_instances:
            metrics["iIoU"] = mean_defined(iiou.values())
            metrics["iIoU_categories"] = mean_defined(category_iiou.values())
        metrics.update({f"IoU-{name}": value for name, value in iou.items()})
        metrics.update({f"iIoU-{name}": value for name, value in iiou.items()})
        metrics.update({f"IoU-category-{name}": value for name, value in category_iou.items()})
        metrics.update({f"iIoU-category-{name}": value for name, value in category_iiou.items()})
        return {"sem_seg": metrics}


class SegmenterEvaluator:
    """A segmenter's (B, C, H, W) logits against (B, H, W) train-id targets (255 ignored), scored as
    ``SemanticEvaluator`` scores label ids: what training validates with."""

    def __init__(self):
        self.scores = SemanticEvaluator()

    def reset(self) -> None:
        self.scores.reset()

    def process(self, targets, logits) -> None:
        for truth, prediction in zip(targets, logits.argmax(1)):
            self.scores.process(labels.TRAIN_ID_TO_ID[truth.numpy().astype(np.uint8)],
                                labels.TRAIN_ID_TO_ID[prediction.cpu().numpy().astype(np.uint8)])

    def evaluate(self) -> dict:
        return self.scores.evaluate()
