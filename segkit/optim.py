"""The optimiser and the learning-rate schedule a training run builds from its settings.

Parameters fall in two groups: the pretrained backbone (``segkit.models.is_backbone``) at the base rate, and the
new layers (decoder, heads) at ``head_lr_mult`` times it. The schedule is torch's own schedulers, as timm and
torchvision's references chain them; its state is saved with the optimiser's, so a resumed run continues exactly:

- ``LinearLR``: a linear warm-up from ``WARMUP_START`` to 1 over the first ``warmup`` steps, then (``SequentialLR``)
- ``poly``: ``PolynomialLR``, (1 - t/T) ** power, with t the steps after warm-up and T the steps after warm-up in
  the run;
- ``step``: ``MultiStepLR``, gamma ** (step // step_every), counted from the run's start (warm-up included);
- ``cosine``: ``CosineAnnealingLR``, (1 + cos(pi t/T)) / 2;
- ``onecycle``: ``OneCycleLR`` (cosine annealing) without momentum cycling: a cosine rise from 1/ONECYCLE_DIV to 1
  over the warm-up, then a cosine fall to 1/(ONECYCLE_DIV * ONECYCLE_FINAL_DIV).
"""
from __future__ import annotations

import warnings

import torch
from torch.nn.modules.batchnorm import _BatchNorm
from torch.optim import lr_scheduler

from segkit.models import is_backbone

WARMUP_START = 0.001
ONECYCLE_DIV = 25.0  # torch's OneCycleLR defaults
ONECYCLE_FINAL_DIV = 1e4
# What a schedule keeps in each parameter group besides the optimiser's own settings.
SCHEDULE_KEYS = ("lr", "initial_lr", "max_lr", "min_lr")


def parameter_groups(model, config) -> list[dict]:
    """The trainable parameters as [backbone, new layers], each with its ``lr``; empty groups left out."""
    backbone, head = [], []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            (backbone if is_backbone(name) else head).append(parameter)
    groups = [{"name": "backbone", "params": backbone, "lr": config.lr},
              {"name": "head", "params": head, "lr": config.lr * config.head_lr_mult}]
    return [group for group in groups if group["params"]]


def build_optimizer(model, config) -> torch.optim.Optimizer:
    """SGD (momentum, weight decay) or AdamW (betas, decoupled weight decay) over ``parameter_groups``."""
    groups = parameter_groups(model, config)
    if config.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=config.lr, betas=tuple(config.betas), weight_decay=config.weight_decay)
    return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, weight_decay=config.weight_decay)


def build_scheduler(optimizer, config) -> lr_scheduler.LRScheduler:
    """The schedule the module's docstring describes, stepped once after each optimiser step."""
    iterations, warmup = config.iterations, config.warmup
    if config.schedule == "onecycle":  # its warm-up is its own rise
        return lr_scheduler.OneCycleLR(optimizer, max_lr=[group["lr"] for group in optimizer.param_groups],
                                       total_steps=iterations, pct_start=warmup / iterations, anneal_strategy="cos",
                                       cycle_momentum=False, div_factor=ONECYCLE_DIV,
                                       final_div_factor=ONECYCLE_FINAL_DIV)
    if config.schedule == "step":
        # Milestones in the steps after warm-up, for drops counted from the run's start: those at or before the
        # warm-up's end (0 or less) are all taken as it ends (SequentialLR starts the next schedule in closed form).
        drops = range(config.step_every - warmup, iterations - warmup + 1, config.step_every)
        decay = lr_scheduler.MultiStepLR(optimizer, milestones=list(drops), gamma=config.step_gamma)
    elif config.schedule == "poly":
        decay = lr_scheduler.PolynomialLR(optimizer, total_iters=iterations - warmup, power=config.poly_power)
    else:
        decay = lr_scheduler.CosineAnnealingLR(optimizer, T_max=iterations - warmup)
    if not warmup:
        return decay
    rise = lr_scheduler.LinearLR(optimizer, start_factor=WARMUP_START, end_factor=1.0, total_iters=warmup)
    return lr_scheduler.SequentialLR(optimizer, [rise, decay], milestones=[warmup])


def load_schedule(optimizer, scheduler, *, optimizer_state: dict, scheduler_state: dict, step: int) -> None:
    """Load a checkpoint's optimiser and schedule. One written before the schedule was torch's own (a LambdaLR's
    state) has its schedule replayed to ``step``: the same learning rates as a run never stopped."""
    if "lr_lambdas" not in scheduler_state:
        optimizer.load_state_dict(optimizer_state)
        scheduler.load_state_dict(scheduler_state)
        return
    with warnings.catch_warnings():  # stepped without optimiser steps, on purpose
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(step):
            scheduler.step()
    replayed = [{key: group[key] for key in SCHEDULE_KEYS if key in group} for group in optimizer.param_groups]
    optimizer.load_state_dict(optimizer_state)
    for group, values in zip(optimizer.param_groups, replayed):
        group.update(values)


def set_train_mode(model, batch_norm: str) -> None:
    """``model.train()``; with ``batch_norm`` "frozen", the backbone's BatchNorm layers keep their (ImageNet)
    statistics: they stay in eval mode, their scale and shift still learn."""
    model.train()
    if batch_norm == "frozen":  # under DDP, the names are those of the model it wraps
        for module in frozen_batch_norms(getattr(model, "module", model)):
            module.eval()


def frozen_batch_norms(model) -> list:
    return [module for name, module in model.named_modules()
            if isinstance(module, _BatchNorm) and is_backbone(name + ".")]
