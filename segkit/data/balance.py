"""Rare-class sampling (DAFormer, Hoyer et al. CVPR 2022): training images drawn so that rare classes come often.

Class c is drawn with probability proportional to exp((1 - f_c) / T), f_c its share of the labelled pixels, then an
image that holds c, uniformly. A small temperature T favours rare classes strongly (DAFormer: 0.01); a large one
tends to uniform over classes. The per-image class pixels come from veis-gen's meta files where the dataset has
them (no label is read), else from the label maps.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from torch.utils.data import Dataset

from segkit import labels
from segkit.data.catalog import Record
from segkit.data.labels_io import read_train_ids
from segkit.errors import UserError


def meta_path(record: Record) -> Path | None:
    """veis-gen's meta file of a generated image (meta/<split>/<city>/<name>.json beside leftImg8bit/), if there."""
    if record.dataset != "veis":
        return None
    path = record.image.parents[3] / "meta" / record.split / record.city / f"{record.name}.json"
    return path if path.is_file() else None


def class_pixels(record: Record) -> np.ndarray:
    """(NUM_TRAIN_CLASSES,) int64: the image's labelled pixels of each train class."""
    counts = np.zeros(labels.NUM_TRAIN_CLASSES, dtype=np.int64)
    path = meta_path(record)
    if path is not None:
        try:
            pixels = json.loads(path.read_text())["pixels"]
        except (ValueError, KeyError) as exc:
            raise UserError(f"{path}: not a veis-gen meta file ({exc})") from None
        for name, count in pixels.items():
            train_id = labels.BY_NAME[name].train_id if name in labels.BY_NAME else 255
            if train_id != 255:
                counts[train_id] += int(count)
        return counts
    train_ids = read_train_ids(record)
    return np.bincount(train_ids[train_ids != 255].ravel(), minlength=labels.NUM_TRAIN_CLASSES)[:labels.NUM_TRAIN_CLASSES]


def class_probabilities(pixels: np.ndarray, temperature: float) -> np.ndarray:
    """(C,) the probability of drawing each class from (N, C) per-image pixel counts; 0 for absent classes."""
    totals = pixels.sum(axis=0).astype(np.float64)
    present = totals > 0
    shares = totals / max(totals.sum(), 1.0)
    logits = np.where(present, (1.0 - shares) / temperature, -np.inf)
    weights = np.exp(logits - logits[present].max()) if present.any() else np.zeros_like(logits)
    return weights / weights.sum() if weights.sum() > 0 else weights


class RareClassSampling(Dataset):
    """A dataset whose items are drawn by rare-class sampling from the run's sample number (``set_sample_number``,
    which StepSamples calls before each item), not by the index: the same draws whatever the number of workers."""

    def __init__(self, dataset, temperature: float, seed: int = 0):
        if not temperature > 0:
            raise ValueError("the temperature must be above 0")
        self.dataset, self.seed = dataset, seed
        self.pixels = np.stack([class_pixels(record) for record in dataset.records])
        self.probabilities = class_probabilities(self.pixels, temperature)
        if not self.probabilities.any():
            raise UserError(f"{dataset.records[0].dataset}: no labelled pixels: rare-class sampling has nothing to draw")
        self.holders = [np.flatnonzero(self.pixels[:, c]) for c in range(self.pixels.shape[1])]
        self.sample: int | None = None

    def __len__(self) -> int:
        return len(self.dataset)

    def set_sample_number(self, sample: int) -> None:
        self.sample = sample
        if hasattr(self.dataset, "set_sample_number"):
            self.dataset.set_sample_number(sample)

    def draw(self, index: int) -> int:
        # A 3-key stream: the transforms' (sample, index) and MixedDataset's (sample,) are other streams.
        key = (index if self.sample is None else self.sample, 0, 0)
        rng = np.random.default_rng(np.random.SeedSequence(entropy=self.seed, spawn_key=key))
        which = int(rng.choice(len(self.probabilities), p=self.probabilities))
        return int(self.holders[which][rng.integers(len(self.holders[which]))])

    def __getitem__(self, index: int):
        return self.dataset[self.draw(index)]
