"""Appearance shifts for domain-gap experiments: the same scenes (shapes, labels) made to look different.

``shifted``: every material loses its texture and has its hue rotated by 120 degrees; the image is then
blurred, given sensor-like noise and a different tone curve. Deterministic from the image's generator.
"""
from __future__ import annotations

import colorsys
import dataclasses

import numpy as np
from scipy import ndimage

from veis_gen.assets.materials import Material


def shift_material(material: Material) -> Material:
    h, s, v = colorsys.rgb_to_hsv(*(c / 255 for c in material.color))
    r, g, b = colorsys.hsv_to_rgb((h + 1 / 3) % 1.0, min(1.0, s * 1.2), v)
    return dataclasses.replace(material, color=(round(r * 255), round(g * 255), round(b * 255)), texture=None, original=False)


def shift_image(rgb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    image = ndimage.gaussian_filter(rgb.astype(np.float32), sigma=(1.0, 1.0, 0))
    image = 255.0 * (image / 255.0) ** 0.8
    image += rng.normal(0.0, 6.0, image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)
