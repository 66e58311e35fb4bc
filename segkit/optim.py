"""The optimiser and the learning-rate schedule a training run builds from its settings.

Parameters fall in two groups: the pretrained backbone (``segkit.models.is_backbone``) at the base rate, and the
new layers (decoder, heads) at ``head_lr_mult`` times it. The schedule is a factor of the base rate that depends
on the step alone, so a resumed run continues exactly:

- a linear warm-up from ``WARMUP_START`` to 1 over the first ``warmup`` steps (for ``onecycle``: its rise), then
- ``poly``: (1 - t/T) ** power, with t the steps after warm-up and T the steps after warm-up in the run;
- ``step``: gamma ** (step // step_every), counted from the run's start;
- ``cosine``: (1 + cos(pi t/T)) / 2;
- ``onecycle``: torch's OneCycleLR (cosine annealing) without momentum cycling: a cosine rise from
  1/ONECYCLE_DIV to 1 over the warm-up, then a cosine fall to 1/(ONECYCLE_DIV * ONECYCLE_FINAL_DIV).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

SCHEDULES = ("poly", "step", "cosine", "onecycle")
OPTIMIZERS = ("sgd", "adamw")
WARMUP_START = 0.001
ONECYCLE_DIV = 25.0  # torch's OneCycleLR defaults
ONECYCLE_FINAL_DIV = 1e4


@dataclass(frozen=True)
class LearningRate:
    """The factor of the base learning rate before step ``step`` (0-based) of a run of ``iterations``."""

    schedule: str
    iterations: int
    warmup: int = 0
    power: float = 0.9
    step_every: int = 40000
    gamma: float = 0.1

    def __call__(self, step: int) -> float:
        if self.schedule == "onecycle":
            return self._onecycle(step)
        if step < self.warmup:
            return WARMUP_START + (1 - WARMUP_START) * step / self.warmup
        if self.schedule == "step":
            return self.gamma ** (step // self.step_every)
        progress = min((step - self.warmup) / max(self.iterations - self.warmup, 1), 1.0)
        if self.schedule == "poly":
            return (1 - progress) ** self.power
        return (1 + math.cos(math.pi * progress)) / 2

    def _onecycle(self, step: int) -> float:
        start, end = 1 / ONECYCLE_DIV, 1 / (ONECYCLE_DIV * ONECYCLE_FINAL_DIV)
        peak = self.warmup - 1  # as torch: the rise ends at step pct_start * total - 1
        if step <= peak:
            return _cosine_between(start, 1.0, step / peak)
        return _cosine_between(1.0, end, min((step - peak) / (self.iterations - 1 - peak), 1.0))


def _cosine_between(start: float, end: float, fraction: float) -> float:
    return end + (start - end) / 2 * (1 + math.cos(math.pi * fraction))


def learning_rate(config) -> LearningRate:
    return LearningRate(config.schedule, config.iterations, config.warmup, config.poly_power, config.step_every,
                        config.step_gamma)


def parameter_groups(model, config) -> list[dict]:
    """The trainable parameters as [backbone, new layers], each with its ``lr``; empty groups left out."""
    from segkit.models import is_backbone

    backbone, head = [], []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            (backbone if is_backbone(name) else head).append(parameter)
    groups = [{"name": "backbone", "params": backbone, "lr": config.lr},
              {"name": "head", "params": head, "lr": config.lr * config.head_lr_mult}]
    return [group for group in groups if group["params"]]


def build_optimizer(model, config):
    """SGD (momentum, weight decay) or AdamW (betas, decoupled weight decay) over ``parameter_groups``."""
    import torch

    groups = parameter_groups(model, config)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr, betas=tuple(config.betas), weight_decay=config.weight_decay)
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def build_scheduler(optimizer, config):
    import torch

    return torch.optim.lr_scheduler.LambdaLR(optimizer, learning_rate(config))


def set_train_mode(model, batch_norm: str) -> None:
    """``model.train()``; with ``batch_norm`` "frozen", the backbone's BatchNorm layers keep their (ImageNet)
    statistics: they stay in eval mode, their scale and shift still learn."""
    model.train()
    if batch_norm == "frozen":
        for module in frozen_batch_norms(model):
            module.eval()


def frozen_batch_norms(model) -> list:
    from torch.nn.modules.batchnorm import _BatchNorm

    from segkit.models import is_backbone

    return [module for name, module in model.named_modules() if isinstance(module, _BatchNorm) and is_backbone(name + ".")]
