"""The order of a training run's samples: a function of (seed, step) alone.

Sample k of the run is item perm_{k // N}[k % N] of the dataset, transformed with a generator seeded by k, so a
resumed run continues exactly, whatever the number of loader workers or processes.
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
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(k)  # the transforms draw from (seed, k, index)
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
    import torch

    return torch.stack([b[0] for b in batch]), torch.stack([b[1] for b in batch])


def collate_det(batch):
    return [b[0] for b in batch], [b[1] for b in batch]
