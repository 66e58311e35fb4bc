"""detectron2's ``inference_on_dataset``: a model over batches into an evaluator with reset/process/evaluate."""
from __future__ import annotations

from typing import Iterable, Protocol

import torch


class DatasetEvaluator(Protocol):
    """What ``inference_on_dataset`` feeds: the targets of each batch beside the model's outputs for it."""

    def reset(self) -> None: ...

    def process(self, targets, outputs) -> None: ...

    def evaluate(self) -> dict: ...


def inference_on_dataset(model, batches: Iterable, evaluator: DatasetEvaluator, *, device) -> dict:
    """{task: {metric: value}} of ``model`` (left in eval mode) over (images, targets) ``batches``: images one
    (B, 3, H, W) tensor or a list of (3, H, W) ones, as the model takes them."""
    evaluator.reset()
    model.eval()
    with torch.no_grad():
        for images, targets in batches:
            evaluator.process(targets, model(_to(images, device)))
    return evaluator.evaluate()


def _to(images, device):
    return images.to(device) if isinstance(images, torch.Tensor) else [image.to(device) for image in images]
