"""Camera effects: what a real camera does to the rendered light before the file is written.

``sample_effects`` draws one setting of every effect for an image (plain numbers, recorded in its metadata);
``apply_effects`` applies them to the rendered RGB. They touch only the colour image: labels, instances
and depth stay the renderer's exact ones. In order:
    exposure      a gain on linear light (2 ** stops); with ``--effects metered`` on top of ``meter``, the stops
                  that bring the image's log-average luminance to mid-grey (a camera's auto-exposure)
    white_balance per-channel gains on linear light (a camera balanced for another light)
    vignetting    linear light falls off by ``vignetting * r**2`` towards the corners (r = 1 at a corner)
    contrast      an S-curve about mid-grey on sRGB values, steeper for larger values (0 is none)
    defocus       a Gaussian blur of ``defocus`` pixels (sigma)
    motion        a horizontal box blur of ``motion`` pixels (the car's own motion and shake)
    noise         sensor noise: a signal-dependent Gaussian of ``noise`` grey levels at mid-grey
    jpeg          the image is JPEG-compressed at this quality and decoded (0: not compressed)
Noise is drawn from the generator passed to ``apply_effects``, so an image's bytes depend only on its seed.
"""
from __future__ import annotations

import io

import numpy as np


def sample_effects(rng: np.random.Generator) -> dict:
    return {
        "exposure": round(float(rng.normal(-0.15, 0.35)), 3),
        "white_balance": [round(float(g), 3) for g in np.exp(rng.normal(0, 0.05, 3))],
        "vignetting": round(float(rng.uniform(0.0, 0.4)), 3),
        "contrast": round(float(rng.uniform(0.85, 1.3)), 3),
        "defocus": round(float(rng.uniform(0.0, 1.0)), 3),
        "motion": round(float(rng.uniform(0.0, 3.0)) if rng.random() < 0.5 else 0.0, 3),
        "noise": round(float(rng.uniform(0.5, 4.0)), 3),
        "jpeg": int(rng.integers(60, 96)) if rng.random() < 0.7 else 0,
    }


def _linear(rgb: np.ndarray) -> np.ndarray:
    return (rgb.astype(np.float32) / 255.0) ** 2.2


def meter(rgb: np.ndarray, *, key: float = 0.18, limit: float = 2.0) -> float:
    """The stops (within +-``limit``) that bring the log-average luminance of linear light to ``key``, mid-grey."""
    luminance = _linear(rgb) @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    average = float(np.exp(np.log(luminance + 1e-3).mean()))  # deep black (sRGB < 11) counts as that
    return round(float(np.clip(np.log2(key / average), -limit, limit)), 3)


def apply_effects(rgb: np.ndarray, effects: dict, rng: np.random.Generator) -> np.ndarray:
    height, width = rgb.shape[:2]
    linear = _linear(rgb)
    stops = effects["exposure"] + effects.get("meter", 0.0)
    linear *= np.float32(2.0 ** stops) * np.asarray(effects["white_balance"], np.float32)
    if effects["vignetting"] > 0:
        y, x = np.ogrid[-1.0:1.0:height * 1j, -1.0:1.0:width * 1j]
        linear *= (1.0 - effects["vignetting"] * (x * x + y * y) / 2.0).astype(np.float32)[..., None]
    srgb = np.clip(linear, 0.0, 1.0) ** (1 / 2.2)
    contrast = effects["contrast"]
    srgb = 0.5 + np.tanh(contrast * 2.0 * (srgb - 0.5)) / (2.0 * np.tanh(contrast))
    image = srgb * 255.0
    from scipy import ndimage

    if effects["defocus"] > 0:
        image = ndimage.gaussian_filter(image, sigma=(effects["defocus"], effects["defocus"], 0))
    if effects["motion"] >= 1.0:
        image = ndimage.uniform_filter1d(image, size=int(round(effects["motion"])) + 1, axis=1)
    if effects["noise"] > 0:
        level = effects["noise"] * np.sqrt(np.clip(image, 1.0, 255.0) / 128.0)
        image = image + rng.standard_normal(image.shape, dtype=np.float32) * level
    image = np.clip(np.round(image), 0, 255).astype(np.uint8)
    if effects["jpeg"]:
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(image).save(buffer, format="JPEG", quality=effects["jpeg"])
        image = np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))
    return image
