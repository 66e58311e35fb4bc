"""torch Datasets over catalog records: semantic segmentation, instances for torchvision's Mask R-CNN,
and mixtures. A sample's randomness comes from (seed, sample number, index): the same whatever the DataLoader's
number of workers."""
from __future__ import annotations

import numpy as np
import torch
from PIL import Image
from torch.utils.data import ConcatDataset, Dataset

from segkit import labels
from segkit.data.catalog import Record
from segkit.data.labels_io import read_train_ids
from segkit.formats.png import read_png

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def read_image(path) -> np.ndarray:
    """(H, W, 3) uint8 RGB of a PNG or JPEG."""
    if str(path).endswith(".png"):
        image = read_png(path)
    else:
        with Image.open(path) as opened:
            image = np.asarray(opened.convert("RGB"))
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


class _Base(Dataset):
    def __init__(self, records: list[Record], transforms=None, seed: int = 0):
        self.records, self.transforms, self.seed, self.sample = list(records), transforms, seed, 0

    def __len__(self) -> int:
        return len(self.records)

    def set_sample_number(self, sample: int) -> None:
        """The run's sample number the next items are for (StepSamples sets it): their transforms' randomness."""
        self.sample = sample

    def _rng(self, index: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence(entropy=self.seed, spawn_key=(self.sample, index)))

    def _sample(self, index: int, *, label: bool, instances: bool) -> dict:
        record = self.records[index]
        sample = {"image": read_image(record.image), "label": None, "instances": None}
        if label:
            sample["label"] = read_train_ids(record)
        if instances:
            if record.instances is None:
                raise ValueError(f"{record.image}: no instance map for this {record.dataset} image")
            sample["instances"] = read_png(record.instances)
        if self.transforms is not None:
            sample = self.transforms(sample, self._rng(index))
        return sample


def normalise(image: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (3, H, W) float32 normalised with the ImageNet statistics."""
    return torch.from_numpy(((image.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1).copy())


class SemanticDataset(_Base):
    """(image (3, H, W) float32 normalised, target (H, W) int64 train ids, 255 ignored)."""

    def __getitem__(self, index: int):
        sample = self._sample(index, label=True, instances=False)
        return normalise(sample["image"]), torch.from_numpy(sample["label"].astype(np.int64))


class InstanceDataset(_Base):
    """(image (3, H, W) float32 in 0..1, target) as torchvision's Mask R-CNN wants them.

    target: boxes (N, 4) float32 xyxy, labels (N,) int64 in 1..len(classes), masks (N, H, W) uint8,
    image_id, area (N,) float32, iscrowd (N,) int64. Classes default to the paper's 10.
    """

    def __init__(self, records, transforms=None, seed: int = 0, classes=labels.FOREGROUND_CLASSES):
        super().__init__(records, transforms, seed)
        self.classes = tuple(classes)
        self.contiguous = np.zeros(256, dtype=np.int64)
        for index, name in enumerate(self.classes, start=1):
            self.contiguous[labels.BY_NAME[name].id] = index

    def __getitem__(self, index: int):
        sample = self._sample(index, label=False, instances=True)
        instances = sample["instances"]
        masks, boxes, classes = [], [], []
        for value in np.unique(instances[instances >= labels.INSTANCE_ID_OFFSET]):
            label_id = int(value) // labels.INSTANCE_ID_OFFSET
            if label_id > 255 or self.contiguous[label_id] == 0:
                continue
            mask = instances == value
            ys, xs = np.nonzero(mask)
            if xs.max() == xs.min() or ys.max() == ys.min():
                continue  # a one-pixel-wide sliver makes a degenerate box
            masks.append(mask)
            boxes.append([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1])
            classes.append(self.contiguous[label_id])
        height, width = instances.shape
        target = {
            "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            "labels": torch.tensor(classes, dtype=torch.int64),
            "masks": torch.from_numpy(np.stack(masks).astype(np.uint8)) if masks else torch.zeros((0, height, width), dtype=torch.uint8),
            "image_id": torch.tensor(index, dtype=torch.int64),
            "area": torch.tensor([m.sum() for m in masks], dtype=torch.float32),
            "iscrowd": torch.zeros(len(masks), dtype=torch.int64),
        }
        image = torch.from_numpy(sample["image"].astype(np.float32).transpose(2, 0, 1) / 255.0)
        return image, target


class MixedDataset(ConcatDataset):
    """Several datasets as one (GTA5 + VEIS). Without ``ratios``, torch's ConcatDataset; with them, each sample of
    the run draws its source with those probabilities and an item within it, so small sets can weigh as much as
    large. The draw follows the run's sample number (``set_sample_number``, which StepSamples calls before each
    item), not the index: every item of every source can come. Until it is called the index decides."""

    def __init__(self, datasets: list[Dataset], ratios: list[float] | None = None, seed: int = 0,
                 length: int | None = None):
        if ratios is not None and len(ratios) != len(datasets):
            raise ValueError("one ratio per dataset")
        super().__init__(datasets)
        self.seed = seed
        self.ratios = None if ratios is None else np.asarray(ratios, dtype=float) / np.sum(ratios)
        self.length = length or self.cumulative_sizes[-1]
        self.sample: int | None = None

    def __len__(self) -> int:
        return self.length

    def set_sample_number(self, sample: int) -> None:
        self.sample = sample
        for dataset in self.datasets:
            if hasattr(dataset, "set_sample_number"):
                dataset.set_sample_number(sample)

    def source(self, index: int) -> tuple[int, int]:
        """(source, item) that a weighted mix's item ``index`` comes from."""
        draw = index if self.sample is None else self.sample
        rng = np.random.default_rng(np.random.SeedSequence(entropy=self.seed, spawn_key=(draw,)))
        which = int(rng.choice(len(self.datasets), p=self.ratios))
        return which, int(rng.integers(len(self.datasets[which])))

    def __getitem__(self, index: int):
        if self.ratios is None:
            return super().__getitem__(index)
        which, inner = self.source(index)
        return self.datasets[which][inner]
