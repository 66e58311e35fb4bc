"""Graded skies with clouds, painted over the sky pixels of a rendered frame.

The renderer clears to the scene's one sky colour; real skies are brighter and paler towards the horizon,
deeper overhead, and carry clouds. ``sample_sky`` draws a sky's numbers for an image (plain numbers,
recorded in its metadata); ``paint_sky`` recolours the pixels the labels call sky, by each pixel's
elevation above the horizon as the camera sees it. Only the colour image changes: labels, instances and
depth stay the renderer's exact ones.
    horizon    the colour at the horizon: the scene's sky colour lifted towards a pale haze
    zenith     the colour high overhead: the scene's sky colour deepened
    falloff    radians of elevation over which the colour turns from the horizon's to the zenith's
    cover      the share of the sky under cloud (0 clear .. 1 overcast)
    cloud      the clouds' grey, lit from above
    seed       the clouds' shapes (value noise, drawn from it alone)
"""
from __future__ import annotations

import numpy as np

from veis_gen.scene.camera import Camera, pixel_rays

NOISE_OCTAVES = ((8, 0.5), (16, 0.3), (32, 0.2))  # (cells across the view, weight): large shapes, then detail


def sample_sky(rng: np.random.Generator, colour: tuple[int, int, int]) -> dict:
    base = np.asarray(colour, dtype=float)
    haze = rng.uniform(0.25, 0.6)
    grey = float(np.ptp(base)) < 25  # an overcast scene colour: clouds cover most of it
    return {
        "horizon": [int(v) for v in np.clip(base + haze * (np.array([235, 238, 240]) - base), 0, 255)],
        "zenith": [int(v) for v in np.clip(base * rng.uniform(0.7, 0.92), 0, 255)],
        "falloff": round(float(rng.uniform(0.15, 0.45)), 3),
        "cover": round(float(rng.uniform(0.5, 1.0) if grey else rng.uniform(0.0, 0.6)), 3),
        "cloud": int(rng.integers(185, 250)),
        "seed": int(rng.integers(2**31)),
    }


def elevation(camera: Camera) -> np.ndarray:
    """(H, W) radians above the horizontal of the ray through each pixel's centre."""
    world = pixel_rays(camera) @ camera.matrix[:3, :3].T
    return np.arcsin(world[..., 2] / np.linalg.norm(world, axis=-1))


def _clouds(shape: tuple[int, int], seed: int) -> np.ndarray:
    """Smooth value noise in 0..1, the same for the same seed and shape."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    height, width = shape
    noise = np.zeros(shape)
    for cells, weight in NOISE_OCTAVES:
        grid = rng.random((max(2, 2 * cells * height // width + 1), cells + 1))  # clouds wider than tall
        zoom = (height / grid.shape[0], width / grid.shape[1])
        noise += weight * ndimage.zoom(grid, zoom, order=3, mode="nearest", grid_mode=True)[:height, :width]
    return noise


def paint_sky(rgb: np.ndarray, is_sky: np.ndarray, camera: Camera, sky: dict) -> np.ndarray:
    """``rgb`` with the pixels ``is_sky`` recoloured as ``sky`` (see the module's numbers)."""
    if not is_sky.any():
        return rgb
    up = np.clip(elevation(camera), 0.0, None)
    blend = (1.0 - np.exp(-up / sky["falloff"]))[..., None]
    colour = (1 - blend) * np.asarray(sky["horizon"], float) + blend * np.asarray(sky["zenith"], float)
    if sky["cover"] > 0:
        noise = _clouds(is_sky.shape, sky["seed"])
        threshold = np.quantile(noise, 1.0 - sky["cover"]) if sky["cover"] < 1 else noise.min() - 0.1
        density = np.clip((noise - threshold) / 0.12, 0.0, 1.0)[..., None]
        shade = sky["cloud"] * (0.8 + 0.2 * np.clip(blend, 0, 1))  # a cloud's underside is darker near the horizon
        colour = (1 - 0.9 * density) * colour + 0.9 * density * shade
    out = rgb.copy()
    out[is_sky] = np.clip(np.round(colour[is_sky]), 0, 255).astype(np.uint8)
    return out
