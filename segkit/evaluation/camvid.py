"""CamVid's 11-class evaluation of Cityscapes train-id predictions.

Predictions (train ids) become CamVid classes through ``labels.TRAIN_ID_TO_CAMVID``; an ignored prediction
(255) is void. Pixels whose ground truth is void (11) are left out. A class's false negatives are its pixels
predicted as anything else, void included; its false positives are its predictions on other classes'
pixels. IoU per class and their mean over the classes whose score is defined, as the Cityscapes evaluator
does, from the same confusion-matrix code.
"""
from __future__ import annotations

import numpy as np

from segkit import labels
from segkit.evaluation.semantic import confusion_matrix, mean_defined

SIZE = labels.CAMVID_VOID + 1
# 19..254 are not train ids: a prediction holding one is an error, not a class.
TRAIN_ID_TO_CAMVID_STRICT = np.full(256, -1, dtype=np.int64)
TRAIN_ID_TO_CAMVID_STRICT[: labels.NUM_TRAIN_CLASSES] = labels.TRAIN_ID_TO_CAMVID[: labels.NUM_TRAIN_CLASSES]
TRAIN_ID_TO_CAMVID_STRICT[labels.IGNORE_TRAIN_ID] = labels.CAMVID_VOID


def image_confusion(gt: np.ndarray, pred_train_ids: np.ndarray) -> np.ndarray:
    """(12, 12) counts of one image: CamVid ground truth (0..11) against train-id predictions."""
    if gt.shape != pred_train_ids.shape:
        raise ValueError(f"prediction is {pred_train_ids.shape[1]}x{pred_train_ids.shape[0]}, "
                         f"ground truth {gt.shape[1]}x{gt.shape[0]}")
    pred = TRAIN_ID_TO_CAMVID_STRICT[pred_train_ids]
    if (pred < 0).any():
        raise ValueError(f"prediction holds values that are not train ids: {np.unique(pred_train_ids[pred < 0]).tolist()}")
    return confusion_matrix(gt, pred, SIZE)


class CamVidEvaluator:
    """reset() / process(gt, pred) / evaluate() -> {"sem_seg": metrics}, scores as fractions."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.confusion = np.zeros((SIZE, SIZE), dtype=np.int64)
        self.images = 0

    def process(self, gt: np.ndarray, pred_train_ids: np.ndarray) -> None:
        self.add(image_confusion(gt, pred_train_ids))

    def add(self, confusion: np.ndarray) -> None:
        self.confusion += confusion
        self.images += 1

    def evaluate(self) -> dict:
        classes = labels.CAMVID_VOID
        confusion = self.confusion
        iou = {}
        for index, name in enumerate(labels.CAMVID_CLASSES):
            tp = int(confusion[index, index])
            fn = int(confusion[index].sum()) - tp
            fp = int(confusion[:classes, index].sum()) - tp
            iou[name] = tp / (tp + fp + fn) if tp + fp + fn > 0 else float("nan")
        labelled = int(confusion[:classes].sum())
        metrics = {
            "label_set": "camvid",
            "mIoU": mean_defined(iou.values()),
            "mIoU_foreground": mean_defined(iou[c] for c in labels.CAMVID_FOREGROUND),
            "mIoU_background": mean_defined(iou[c] for c in labels.CAMVID_BACKGROUND),
            "pixel_accuracy": int(np.trace(confusion[:classes, :classes])) / labelled if labelled else float("nan"),
            "images": self.images,
        }
        metrics.update({f"IoU-{name}": value for name, value in iou.items()})
        return {"sem_seg": metrics}
