"""`segkit train`'s settings (``TrainConfig``) and the recipes a benchmark suite trains its models with."""
from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from segkit.config import check_choices
from segkit.data.augment import AUGMENTS
from segkit.data.catalog import roots_field
from segkit.data.transforms import check_input_size
from segkit.device import Device
from segkit.errors import UserError, check_at_least, check_fraction

# The values a setting takes, each in one place: its flag's choices and its check come from these.
Task = Literal["seg", "det"]
Optimizer = Literal["sgd", "adamw"]  # built by segkit.optim
Schedule = Literal["poly", "step", "cosine", "onecycle"]  # segkit.optim
Augment = Literal[AUGMENTS]  # the names live beside the augmentations (segkit.data.augment)
FeatureStyle = Literal["none", "mixstyle"]  # segkit.models.generalise
BatchNorm = Literal["train", "frozen"]
Amp = Literal["auto", "bf16", "fp16", "off"]


@dataclass
class TrainConfig:
    task: Task = field(default="seg", metadata={"help": "segmentation (DeepLab) or detection (Mask R-CNN)"})
    out: Path = field(default=None, metadata={"help": "output folder (checkpoints, logs, config)"})
    model: str = field(default="deeplabv3_mobilenet_v3_large", metadata={"help": "a name from segkit.models"})
    init: str = field(default="none", metadata={"help": "none, imagenet or a weight file"})
    train: tuple[str, ...] = field(default=(), metadata={"help": "training dataset name (repeatable)"})
    train_ratios: tuple[float, ...] = field(default=(), metadata={"help": "sampling ratio per training dataset"})
    val: str | None = field(default=None, metadata={"help": "validation dataset name"})
    iterations: int = field(default=1000, metadata={"help": "optimiser steps"})
    batch_size: int = field(default=2, metadata={"help": "images per step and process"})
    optimizer: Optimizer = field(default="sgd", metadata={"help": "the optimiser (segkit.optim)"})
    lr: float = field(default=0.01, metadata={"help": "base learning rate (the backbone's)"})
    head_lr_mult: float = field(default=1.0, metadata={"help": "the new layers' (decoder, heads) lr: this times --lr"})
    momentum: float = field(default=0.9, metadata={"help": "sgd's momentum"})
    betas: tuple[float, ...] = field(default=(0.9, 0.999), metadata={"help": "adamw's betas"})
    weight_decay: float = 5e-4
    schedule: Schedule = field(default="poly", metadata={"help": "the learning-rate schedule (segkit.optim)"})
    warmup: int = field(default=0, metadata={"help": "linear warm-up steps (onecycle: its rise)"})
    poly_power: float = 0.9
    step_every: int = field(default=40000, metadata={"help": "step schedule: divide the lr every this many steps"})
    step_gamma: float = 0.1
    scale: float = field(default=1.0, metadata={"help": "resize factor (the paper trains at 0.5)"})
    resize: int = field(default=0, metadata={"help": "resize to this shorter side, aspect kept, before random scale "
                                                   "and crop; prediction then does the same (0: off)"})
    random_scale: tuple[float, ...] = field(default=(0.75, 1.25), metadata={"help": "min and max random scale"})
    crop: tuple[int, ...] = field(default=(), metadata={"help": "crop height and width"})
    flip: bool = True
    color_jitter: bool = False
    augment: tuple[Augment, ...] = field(default=(), metadata={"help": "appearance augmentations, repeatable: "
                                                                       "photometric (colour, gamma, blur, noise, "
                                                                       "JPEG), fourier (PASTA)"})
    rare_class_sampling: float = field(default=0.0, metadata={"help": "draw training images by rare-class sampling at "
                                                                       "this temperature (DAFormer: 0.01; 0: off)"})
    copy_paste: float = field(default=0.0, metadata={"help": "the share of training images that get another synthetic "
                                                            "image's people, riders, two-wheelers, signs and lights pasted"})
    feature_style: FeatureStyle = field(default="none", metadata={"help": "seg: mixstyle: the early backbone blocks' "
                                                                          "feature statistics mixed between the batch's "
                                                                          "images"})
    feature_distance: float = field(default=0.0, metadata={"help": "seg: weight of the distance to the frozen ImageNet "
                                                                  "backbone's features on thing pixels (DAFormer: 0.005; 0: off)"})
    batch_norm: BatchNorm = field(default="train", metadata={"help": "frozen: the backbone's BatchNorm statistics "
                                                                     "stay as initialised"})
    min_size: int | None = field(default=None, metadata={"help": "det: Mask R-CNN's resize (shorter side; default: "
                                                                  "the model's own, segkit.models)"})
    max_size: int | None = field(default=None, metadata={"help": "det: Mask R-CNN's resize (longer side at most; "
                                                                  "default: the model's own)"})
    workers: int = field(default=2, metadata={"help": "data loader processes"})
    amp: Amp = field(default="auto", metadata={"help": "mixed precision (auto: bf16 on CUDA)"})
    clip_grad: float = field(default=0.0, metadata={"help": "clip the gradient norm at this (0: off)"})
    seed: int = 0
    log_every: int = 10
    val_every: int = field(default=0, metadata={"help": "validate every this many steps (0: at the end)"})
    checkpoint_every: int = field(default=500, metadata={"help": "save out/last.pt every this many steps"})
    checkpoint_minutes: float = field(default=5.0, metadata={"help": "and whenever this many minutes have passed since "
                                                                    "the last save, so a kill loses at most that (0: off)"})
    precise_bn: int = field(default=50, metadata={"help": "seg: recompute BatchNorm statistics over this many batches at the end (0: off)"})
    resume: bool = field(default=False, metadata={"help": "continue from out/last.pt (from step 0 when a kill came "
                                                                 "before the first checkpoint)"})
    device: Device = field(default="auto", metadata={"help": "auto: CUDA where torch sees a GPU"})
    progress: bool = True
    roots: dict[str, str] = roots_field()

    def __post_init__(self):
        if self.out is None:
            raise UserError("--out is required")
        self.out = Path(self.out)
        check_choices(self, positional=("task",))
        if not self.train:
            raise UserError("--train: name at least one training dataset (e.g. veis:/data/veis)")
        if self.train_ratios and len(self.train_ratios) != len(self.train):
            raise UserError("--train-ratios: give one ratio per --train dataset")
        if self.train_ratios and not (all(math.isfinite(r) and r >= 0 for r in self.train_ratios) and sum(self.train_ratios) > 0):
            raise UserError(f"--train-ratios: expected finite numbers >= 0, not all 0, got {list(self.train_ratios)}")
        if self.seed < 0:
            raise UserError(f"--seed: expected 0 or more, got {self.seed}")
        if self.crop and len(self.crop) != 2:
            raise UserError("--crop: give height and width")
        if len(self.random_scale) not in (0, 2):
            raise UserError("--random-scale: give min and max (or nothing)")
        check_at_least(self, dict.fromkeys(("iterations", "batch_size", "log_every", "checkpoint_every", "step_every"), 1))
        check_at_least(self, {name: 1 for name in ("min_size", "max_size") if getattr(self, name) is not None})
        if not math.isfinite(self.checkpoint_minutes) or self.checkpoint_minutes < 0:
            raise UserError(f"--checkpoint-minutes: expected 0 or more, got {self.checkpoint_minutes}")
        self._check_optimisation()
        check_input_size(self.scale, self.resize)

    def _check_optimisation(self):
        for name in ("lr", "head_lr_mult"):
            if not math.isfinite(getattr(self, name)) or getattr(self, name) <= 0:
                raise UserError(f"--{name.replace('_', '-')}: expected a number above 0, got {getattr(self, name)}")
        if not 0 <= self.warmup < self.iterations:
            raise UserError(f"--warmup: expected 0 to {self.iterations - 1} steps (shorter than --iterations "
                            f"{self.iterations}), got {self.warmup}")
        if self.schedule == "onecycle" and self.warmup < 2:
            raise UserError("--warmup: the onecycle schedule rises over its warm-up: give at least 2 steps")
        if len(self.betas) != 2 or not all(0 <= beta < 1 for beta in self.betas):
            raise UserError(f"--betas: expected two numbers in [0, 1), got {list(self.betas)}")
        self._check_generalisation()

    def _check_generalisation(self):
        check_fraction("--copy-paste", self.copy_paste)
        for name in ("rare_class_sampling", "feature_distance"):
            if not (math.isfinite(getattr(self, name)) and getattr(self, name) >= 0):
                raise UserError(f"--{name.replace('_', '-')}: expected a number of 0 or more (0: off), got {getattr(self, name)}")
        if self.task == "det" and (self.feature_style != "none" or self.feature_distance):
            raise UserError("--feature-style and --feature-distance are for seg training (DeepLab), not det")


SEG_RECIPE = ("model", "init", "iterations", "batch_size", "optimizer", "lr", "head_lr_mult", "betas", "weight_decay",
              "schedule", "warmup", "step_every", "scale", "resize", "random_scale", "crop", "color_jitter", "augment",
              "rare_class_sampling", "copy_paste", "feature_style", "feature_distance", "batch_norm", "clip_grad")
DET_RECIPE = SEG_RECIPE + ("min_size", "max_size")


def _settings(recipe) -> dict:
    return {name: value for name, value in dataclasses.asdict(recipe).items() if value is not None}


def _check(recipe, prefix: str) -> None:
    """The checks TrainConfig makes, made when a suite's settings are read (not when its stage starts); a flag
    named in an error gets the suite's ``prefix``."""
    try:
        TrainConfig(task=recipe.task, out=Path("."), train=("-",), **recipe.settings())
    except UserError as exc:
        raise UserError(str(exc).replace("--", f"--{prefix}-", 1)) from None


def _recipe(name: str, task: str, fields: tuple[str, ...]):
    hints = typing.get_type_hints(TrainConfig)
    made = dataclasses.make_dataclass(
        name, [(f.name, hints[f.name] | None, field(default=None, metadata=f.metadata))
               for f in dataclasses.fields(TrainConfig) if f.name in fields],
        frozen=True, namespace={"task": task, "settings": _settings, "check": _check, "__module__": __name__})
    made.__doc__ = (f"How a benchmark suite trains one of its {task} models: the fields {', '.join(fields)} of "
                    "TrainConfig, with its types and help. A setting left at None keeps TrainConfig's default; "
                    "``settings()`` gives the others.")
    return made


SegRecipe = _recipe("SegRecipe", "seg", SEG_RECIPE)
DetRecipe = _recipe("DetRecipe", "det", DET_RECIPE)
