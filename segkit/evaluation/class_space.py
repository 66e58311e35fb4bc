"""Scores in a class space other than Cityscapes' own (CamVid's 11 classes): train-id predictions mapped through the
space's ``from_train_id``, an ignored prediction (255) as void. Pixels whose ground truth is void are left out. A
class's false negatives are its pixels predicted as anything else, void included; its false positives are its
predictions on other classes' pixels. IoU per class and their mean over the classes whose score is defined, as the
Cityscapes evaluator does, from the same confusion-matrix code.
"""
from __future__ import annotations

from functools import cache

import numpy as np

from segkit import labels
from segkit.evaluation.semantic import confusion_matrix, mean_defined


@cache
def _strict_from_train_id(space: labels.ClassSpace) -> np.ndarray:
    # 19..254 are not train ids: a prediction holding one is an error, not a class.
    table = np.full(256, -1, dtype=np.int64)
    table[: labels.NUM_TRAIN_CLASSES] = space.from_train_id[: labels.NUM_TRAIN_CLASSES]
    table[labels.IGNORE_TRAIN_ID] = space.void
    return table


def space_confusion(space: labels.ClassSpace, gt: np.ndarray, pred_train_ids: np.ndarray) -> np.ndarray:
    """(void + 1) squared counts of one image: ground truth (indices of the space) against train-id predictions."""
    pred = _strict_from_train_id(space)[pred_train_ids]
    if (pred < 0).any():
        wrong = np.unique(pred_train_ids[pred < 0]).tolist()
        raise ValueError(f"prediction holds values that are not train ids: {wrong}")
    return confusion_matrix(gt, pred, space.void + 1)


class ClassSpaceEvaluator:
    """Train-id predictions scored in a class space through its ``from_train_id`` (an ignored prediction is void).

    Pixels whose ground truth is void are left out. A class's false negatives are its pixels predicted as anything
    else, void included; its false positives are its predictions on other classes' pixels. IoU per class and their
    mean over the classes whose score is defined, as the Cityscapes evaluator does.
    reset() / process(gt, pred) or add(space_confusion(...)) / evaluate() -> {"sem_seg": metrics}."""

    def __init__(self, space: labels.ClassSpace):
        self.space = space
        self.reset()

    def reset(self) -> None:
        self.confusion = np.zeros((self.space.void + 1,) * 2, dtype=np.int64)
        self.images = 0

    def process(self, gt: np.ndarray, pred_train_ids: np.ndarray) -> None:
        self.add(space_confusion(self.space, gt, pred_train_ids))

    def add(self, confusion: np.ndarray) -> None:
        self.confusion += confusion
        self.images += 1

    def evaluate(self) -> dict:
        space, confusion, void = self.space, self.confusion, self.space.void
        iou = {}
        for index, name in enumerate(space.classes):
            tp = int(confusion[index, index])
            fn = int(confusion[index].sum()) - tp
            fp = int(confusion[:void, index].sum()) - tp
            iou[name] = tp / (tp + fp + fn) if tp + fp + fn > 0 else float("nan")
        labelled = int(confusion[:void].sum())
        metrics = {
            "label_set": space.name,
            "mIoU": mean_defined(iou.values()),
            "mIoU_foreground": mean_defined(iou[c] for c in space.things),
            "mIoU_background": mean_defined(iou[c] for c in space.classes if c not in space.things),
            "pixel_accuracy": int(np.trace(confusion[:void, :void])) / labelled if labelled else float("nan"),
            "images": self.images,
        }
        metrics.update({f"IoU-{name}": value for name, value in iou.items()})
        return {"sem_seg": metrics}
