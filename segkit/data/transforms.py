"""Transforms of a sample dict {"image": (H, W, 3) uint8, "label": (H, W) uint8 train ids or None,
"instances": (H, W) uint16 Cityscapes instance ids or None}, drawing from a numpy Generator.

Maps are resized with nearest neighbours, images bilinearly; padding uses 255 (ignore) for labels and 0
(no instance) for instances. Each transform takes (sample, rng) and returns a new sample.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from segkit.data.augment import augment_step, jitter
from segkit.errors import UserError

IGNORE = 255


def resize_sample(sample: dict, width: int, height: int) -> dict:
    out = dict(sample)
    out["image"] = np.asarray(Image.fromarray(sample["image"]).resize((width, height), Image.BILINEAR))
    for key in ("label", "instances"):
        if sample.get(key) is not None:
            out[key] = np.asarray(Image.fromarray(sample[key]).resize((width, height), Image.NEAREST))
    return out


def short_side_scale(height: int, width: int, short_side: int) -> float:
    """The factor that makes an image's shorter side ``short_side`` pixels (training's and prediction's --resize)."""
    return short_side / min(height, width)


def check_input_size(scale: float, resize: int | None) -> None:
    """A run's or a prediction's input size: a ``scale`` above 0, or a shorter side (``resize``, 0: off) alone."""
    if not scale > 0:
        raise UserError(f"--scale: expected a factor above 0, got {scale}")
    if resize is not None and (resize < 0 or (resize and scale != 1.0)):
        raise UserError(f"--resize: expected a shorter side of at least 1 pixel (0: off) and no --scale beside it, "
                        f"got {resize} with --scale {scale}")


@dataclass
class Resize:
    """Scale by ``scale`` (the paper trains at half resolution: 0.5), to ``size`` = (height, width), or so that the
    shorter side is ``short_side`` pixels, aspect kept."""

    scale: float | None = None
    size: tuple[int, int] | None = None
    short_side: int | None = None

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        height, width = sample["image"].shape[:2]
        if self.size is not None:
            return resize_sample(sample, self.size[1], self.size[0])
        scale = self.scale if self.short_side is None else short_side_scale(height, width, self.short_side)
        return resize_sample(sample, max(1, round(width * scale)), max(1, round(height * scale)))


@dataclass
class RandomScale:
    low: float = 0.5
    high: float = 1.5

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        scale = float(rng.uniform(self.low, self.high))
        height, width = sample["image"].shape[:2]
        return resize_sample(sample, max(1, round(width * scale)), max(1, round(height * scale)))


@dataclass
class RandomCrop:
    height: int
    width: int

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        image = sample["image"]
        pad_h, pad_w = max(self.height - image.shape[0], 0), max(self.width - image.shape[1], 0)
        out = dict(sample)
        if pad_h or pad_w:
            out["image"] = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)))
            for key, value in (("label", IGNORE), ("instances", 0)):
                if sample.get(key) is not None:
                    out[key] = np.pad(sample[key], ((0, pad_h), (0, pad_w)), constant_values=value)
        height, width = out["image"].shape[:2]
        top = int(rng.integers(0, height - self.height + 1))
        left = int(rng.integers(0, width - self.width + 1))
        window = (slice(top, top + self.height), slice(left, left + self.width))
        for key in ("image", "label", "instances"):
            if out.get(key) is not None:
                out[key] = np.ascontiguousarray(out[key][window])
        return out


@dataclass
class RandomHorizontalFlip:
    p: float = 0.5

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        if rng.random() >= self.p:
            return sample
        return {k: (np.ascontiguousarray(v[:, ::-1]) if isinstance(v, np.ndarray) else v) for k, v in sample.items()}


@dataclass
class ColorJitter:
    brightness: float = 0.3
    contrast: float = 0.3
    saturation: float = 0.3

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        image = jitter(sample["image"].astype(np.float32), rng, self.brightness, self.contrast, self.saturation)
        return {**sample, "image": np.clip(image, 0, 255).astype(np.uint8)}


@dataclass
class Compose:
    steps: list

    def __call__(self, sample: dict, rng: np.random.Generator) -> dict:
        for step in self.steps:
            sample = step(sample, rng)
        return sample


def training_transforms(*, scale: float = 1.0, resize: int = 0, random_scale: tuple[float, float] | None = (0.75, 1.25),
                        crop: tuple[int, int] | None = None, flip: bool = True, color_jitter: bool = False,
                        augment: tuple[str, ...] = ()) -> Compose:
    """The usual recipe: resize (by ``scale``, the paper's 0.5, or to a shorter side of ``resize``), random scale,
    crop, flip, optional colour jitter, then the appearance augmentations named in ``augment`` (segkit.data.augment)."""

    steps: list = []
    if resize:
        steps.append(Resize(short_side=resize))
    elif scale != 1.0:
        steps.append(Resize(scale=scale))
    if random_scale is not None:
        steps.append(RandomScale(*random_scale))
    if crop is not None:
        steps.append(RandomCrop(*crop))
    if flip:
        steps.append(RandomHorizontalFlip())
    if color_jitter:
        steps.append(ColorJitter())
    steps += [augment_step(name) for name in augment]
    return Compose(steps)
