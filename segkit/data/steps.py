"""The order of a training run's samples: a function of (seed, step) alone.

Sample k of the run is item perm_{k // N}[k % N] of the dataset (a weighted mix draws its source and item from k
instead), transformed with a generator seeded by k, so a resumed run sees the same samples, whatever the number of
loader workers or processes.
"""
from __future__ import annotations

import numpy as np


class StepSamples:
    """Sample k of the run: item perm_{k // N}[k % N] of the dataset, transformed with randomness from k."""

    def __init__(self, dataset, seed: int):
        self.dataset, self.seed = dataset, seed
        self.size = len(dataset)
        self._permutations: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return 2**62

    def __getitem__(self, k: int):
        epoch, position = divmod(int(k), self.size)
        if epoch not in self._permutations:
            self._permutations = {epoch: np.random.default_rng([self.seed, epoch]).permutation(self.size)}
        index = int(self._permutations[epoch][position])
        if hasattr(self.dataset, "set_sample_number"):
            self.dataset.set_sample_number(k)  # the transforms draw from (seed, k, index)
        return self.dataset[index]


class StepBatches:
    """Batches of sample numbers from ``start`` on; with several processes, each takes its share."""

    def __init__(self, batch_size: int, start_step: int, rank: int = 0, world: int = 1):
        self.batch_size, self.step, self.rank, self.world = batch_size, start_step, rank, world

    def __iter__(self):
        step = self.step
        while True:
            first = (step * self.world + self.rank) * self.batch_size
            yield list(range(first, first + self.batch_size))
            step += 1


def collate_seg(batch):
    """Images and label maps stacked; where their sizes differ (random scales without a crop, datasets of other
    sizes), padded at the bottom and right to the largest, images with 0 and labels with 255 (ignored)."""
    import torch
    import torch.nn.functional as F

    height = max(image.shape[-2] for image, _ in batch)
    width = max(image.shape[-1] for image, _ in batch)

    def pad(tensor, value):
        return F.pad(tensor, (0, width - tensor.shape[-1], 0, height - tensor.shape[-2]), value=value)

    return (torch.stack([pad(image, 0.0) for image, _ in batch]),
            torch.stack([pad(label, 255) for _, label in batch]))


def collate_det(batch):
    return [b[0] for b in batch], [b[1] for b in batch]
