"""Materials for domain randomisation: colour palettes per part kind and procedural texture families.

A material is sampled per instance and part from a seed; ``flat`` materials (no texture) and the
single-colour silhouette mode serve the shape-versus-texture studies.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

TEXTURE_FAMILIES = ("noise", "stripes", "brick", "asphalt", "foliage", "paint_decals", "paving")
# Textures are colourless patterns that multiply the material's colour; a small pool of them per family
# keeps every texture the renderer has seen resident, instead of uploading new ones for every instance.
TEXTURE_POOL = 32

# kind -> (weighted colours, texture families to draw from, metres per texture tile, roughness, metallic)
_C = tuple[int, int, int]
PALETTES: dict[str, tuple[tuple[tuple[_C, float], ...], tuple[str, ...], float, float, float]] = {
    "paint": ((((235, 235, 232), 25), ((25, 25, 28), 20), ((120, 122, 125), 15), ((180, 182, 186), 15),
               ((30, 60, 130), 9), ((150, 20, 25), 8), ((20, 80, 40), 3), ((200, 170, 60), 2), ((90, 50, 30), 3)),
              ("paint_decals", "noise"), 2.0, 0.35, 0.6),
    "fleet_paint": ((((240, 240, 235), 30), ((200, 30, 30), 12), ((240, 200, 20), 12), ((30, 90, 170), 15),
                     ((30, 130, 70), 10), ((90, 90, 95), 10), ((230, 120, 20), 6)),
                    ("paint_decals", "stripes"), 3.0, 0.4, 0.4),
    "glass": ((((30, 38, 48), 3), ((55, 70, 85), 2), ((20, 22, 25), 2)), ("noise",), 1.5, 0.05, 0.2),
    "rubber": ((((22, 22, 22), 3), ((35, 34, 33), 1)), ("noise",), 0.4, 0.9, 0.0),
    "metal": ((((170, 172, 175), 3), ((110, 112, 115), 2), ((60, 62, 64), 1)), ("noise",), 1.0, 0.3, 0.8),
    "plastic": ((((30, 30, 32), 4), ((70, 70, 72), 2), ((140, 140, 140), 1)), ("noise",), 0.5, 0.6, 0.0),
    "light_front": ((((250, 248, 230), 1),), (), 1.0, 0.1, 0.0),
    "light_rear": ((((200, 20, 20), 1),), (), 1.0, 0.1, 0.0),
    "frame": ((((20, 20, 22), 4), ((180, 20, 25), 2), ((30, 60, 150), 2), ((235, 235, 235), 2), ((40, 110, 60), 1),
               ((200, 200, 40), 1)), ("paint_decals",), 0.5, 0.3, 0.5),
    "skin": ((((255, 220, 195), 3), ((235, 190, 160), 3), ((200, 150, 115), 3), ((160, 110, 80), 2),
              ((110, 75, 55), 2), ((80, 55, 40), 1)), ("noise",), 0.3, 0.7, 0.0),
    "hair": ((((20, 15, 10), 4), ((70, 45, 25), 3), ((140, 100, 60), 1), ((200, 170, 110), 1), ((150, 150, 150), 1)),
             ("noise",), 0.1, 0.8, 0.0),
    "upper_garment": ((((30, 30, 35), 4), ((240, 240, 240), 3), ((40, 60, 110), 3), ((140, 30, 40), 2),
                       ((110, 110, 110), 2), ((60, 90, 50), 1), ((200, 160, 60), 1), ((230, 120, 150), 1)),
                      ("stripes", "noise", "paint_decals"), 0.4, 0.8, 0.0),
    "lower_garment": ((((30, 35, 55), 5), ((25, 25, 28), 4), ((120, 110, 90), 2), ((90, 90, 95), 2),
                       ((70, 60, 50), 1)), ("noise", "stripes"), 0.4, 0.8, 0.0),
    "shoes": ((((20, 20, 20), 4), ((240, 240, 240), 2), ((90, 60, 40), 2)), ("noise",), 0.2, 0.6, 0.0),
    "housing": ((((25, 25, 25), 4), ((60, 60, 40), 1), ((200, 170, 30), 1)), ("noise",), 0.5, 0.5, 0.2),
    "lamp_red": ((((220, 30, 20), 1), ((90, 20, 15), 1)), (), 1.0, 0.1, 0.0),
    "lamp_amber": ((((240, 170, 20), 1), ((90, 70, 15), 1)), (), 1.0, 0.1, 0.0),
    "lamp_green": ((((30, 220, 120), 1), ((20, 80, 50), 1)), (), 1.0, 0.1, 0.0),
    "pole": ((((110, 112, 115), 4), ((50, 70, 55), 1), ((40, 40, 42), 1)), ("noise",), 1.0, 0.5, 0.6),
    "sign_white": ((((240, 240, 238), 1),), (), 1.0, 0.3, 0.0),
    "sign_red": ((((200, 25, 30), 1),), (), 1.0, 0.3, 0.0),
    "sign_blue": ((((20, 70, 160), 1),), (), 1.0, 0.3, 0.0),
    "sign_yellow": ((((245, 200, 20), 1),), (), 1.0, 0.3, 0.0),
    "sign_black": ((((20, 20, 20), 1),), (), 1.0, 0.3, 0.0),
    "sign_green": ((((0, 105, 60), 1),), (), 1.0, 0.3, 0.0),
    "sign_back": ((((150, 152, 155), 1),), ("noise",), 1.0, 0.5, 0.5),
    "asphalt": ((((70, 70, 72), 3), ((95, 95, 98), 2), ((55, 55, 58), 1)), ("asphalt",), 4.0, 0.9, 0.0),
    "marking": ((((235, 235, 230), 4), ((230, 190, 40), 1)), ("noise",), 2.0, 0.6, 0.0),
    "concrete": ((((170, 168, 160), 3), ((140, 138, 132), 2), ((190, 180, 170), 1)), ("noise", "brick"), 2.0, 0.9, 0.0),
    "facade": ((((190, 170, 150), 3), ((150, 80, 60), 2), ((220, 215, 200), 3), ((120, 120, 125), 2),
                ((200, 190, 120), 1), ((160, 170, 180), 1)), ("brick", "noise", "stripes"), 3.0, 0.9, 0.0),
    "window": ((((40, 50, 60), 3), ((70, 90, 110), 2), ((25, 25, 30), 1)), ("noise",), 1.0, 0.1, 0.3),
    "roof": ((((90, 50, 40), 2), ((60, 60, 65), 2)), ("stripes", "noise"), 1.0, 0.8, 0.0),
    # Sidewalk slabs: greys close to the road's, as real pavements are (CamVid's were 95% "road" to a
    # model trained on light concrete sidewalks).
    "paving": ((((112, 110, 106), 3), ((128, 125, 120), 3), ((96, 96, 98), 2), ((150, 145, 137), 2), ((135, 120, 110), 1)),
               ("paving", "paving", "noise"), 2.0, 0.9, 0.0),
    "wall": ((((160, 155, 145), 3), ((120, 110, 100), 2), ((180, 120, 100), 1)), ("brick", "noise"), 2.0, 0.9, 0.0),
    "fence": ((((90, 90, 92), 3), ((110, 80, 50), 2), ((40, 70, 45), 1)), ("stripes", "noise"), 1.0, 0.7, 0.3),
    "foliage": ((((60, 100, 40), 3), ((90, 120, 50), 2), ((40, 70, 35), 2), ((120, 130, 60), 1)), ("foliage",), 1.5, 0.9, 0.0),
    "bark": ((((80, 60, 45), 3), ((60, 50, 40), 2)), ("stripes", "noise"), 0.5, 0.9, 0.0),
    "grass": ((((100, 140, 60), 3), ((130, 150, 80), 2), ((110, 100, 60), 1)), ("foliage", "noise"), 2.0, 0.95, 0.0),
    "body": ((((150, 150, 150), 1),), ("noise",), 1.0, 0.6, 0.0),
    "marking_yellow": ((((225, 185, 35), 3), ((240, 205, 70), 1)), ("noise",), 2.0, 0.6, 0.0),
}
# How often a part of a kind gets a texture rather than its flat paint (default 0.75).
TEXTURE_PROBABILITY = {"paint": 0.2, "fleet_paint": 0.4, "glass": 0.3, "frame": 0.2, "skin": 0.3, "metal": 0.5}


@dataclass(frozen=True)
class Material:
    kind: str
    color: tuple[int, int, int]
    texture: str | None = None  # a TEXTURE_FAMILIES member, or None for flat colour
    texture_seed: int = 0
    tile_metres: float = 1.0
    roughness: float = 0.6
    metallic: float = 0.0
    original: bool = False  # draw the mesh file's own colour and texture


@lru_cache(maxsize=None)
def _colour_cdf(kind: str) -> np.ndarray:
    """The normalised cumulative weights that ``Generator.choice(n, p=weights / weights.sum())`` bisects."""
    weights = np.array([w for _, w in PALETTES.get(kind, PALETTES["body"])[0]], dtype=float)
    cdf = (weights / weights.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf


def sample_material(kind: str, rng: np.random.Generator, *, textured: bool = True) -> Material:
    """A colour from the kind's palette, jittered, and (when ``textured``) maybe a procedural texture."""
    colours, families, tile, roughness, metallic = PALETTES.get(kind, PALETTES["body"])
    # What rng.choice(len(colours), p=...) does (one uniform draw, bisected), without its checks: a street
    # scene samples hundreds of materials.
    index = int(_colour_cdf(kind).searchsorted(rng.random(), side="right"))
    base = np.array(colours[index][0], dtype=float)
    jitter = rng.normal(0.0, 8.0, size=3) + rng.normal(0.0, 6.0)  # hue-ish and brightness
    color = tuple(int(v) for v in np.clip(base + jitter, 0, 255))
    texture = None
    if textured and families and rng.random() < TEXTURE_PROBABILITY.get(kind, 0.75):
        texture = families[rng.integers(len(families))]
    return Material(kind, color, texture, int(rng.integers(TEXTURE_POOL)), tile * float(rng.uniform(0.7, 1.4)),
                    roughness, metallic)


def assign_materials(parts, rng: np.random.Generator, *, textured: bool = True, keep_original: bool = False) -> list[Material]:
    """One material per part; parts of one kind share it, as a bicycle's tubes share their paint.

    With ``keep_original``, parts that carry their file's own colour or texture keep it.
    """
    by_kind: dict[str, Material] = {}
    materials = []
    for part in parts:
        if keep_original and (part.color is not None or part.texture is not None):
            materials.append(Material(part.kind, tuple(part.color or (255, 255, 255)), None, original=True))
            continue
        if part.kind not in by_kind:
            by_kind[part.kind] = sample_material(part.kind, rng, textured=textured)
        materials.append(by_kind[part.kind])
    return materials


def silhouette(material: Material, color=(128, 128, 128)) -> Material:
    return Material(material.kind, tuple(color), None, 0, 1.0, 1.0, 0.0)


def _value_noise(rng: np.random.Generator, size: int, octaves: int = 4) -> np.ndarray:
    """Tileable fractal value noise in [0, 1]."""
    out = np.zeros((size, size))
    amplitude, total = 1.0, 0.0
    for octave in range(octaves):
        cells = 4 * 2**octave
        grid = rng.random((cells, cells))
        coords = np.arange(size) * cells / size
        i0 = np.floor(coords).astype(int)
        frac = coords - i0
        frac = frac * frac * (3 - 2 * frac)
        i1 = (i0 + 1) % cells
        rows = grid[i0][:, i0] * (1 - frac)[None, :] + grid[i0][:, i1] * frac[None, :]
        rows2 = grid[i1][:, i0] * (1 - frac)[None, :] + grid[i1][:, i1] * frac[None, :]
        out += amplitude * (rows * (1 - frac)[:, None] + rows2 * frac[:, None])
        total += amplitude
        amplitude *= 0.5
    return out / total


@lru_cache(maxsize=len(TEXTURE_FAMILIES) * TEXTURE_POOL)
def texture_image(family: str, seed: int, size: int = 128) -> np.ndarray:
    """(size, size, 3) uint8 tileable pattern, white where the material's colour shows as it is.

    The same family and seed give the same pixels."""
    rng = np.random.default_rng([TEXTURE_FAMILIES.index(family), seed])
    base = np.full(3, 240.0)
    noise = _value_noise(rng, size)
    y, x = np.mgrid[0:size, 0:size] / size
    if family == "noise":
        image = base * (0.8 + 0.3 * noise)[..., None]
    elif family == "stripes":
        count = int(rng.integers(2, 9))
        other = np.clip(base * rng.uniform(0.4, 0.8) + rng.normal(0, 20, 3), 0, 255)
        stripes = (np.sin(2 * np.pi * count * (y if rng.random() < 0.5 else x)) > rng.uniform(-0.5, 0.5))
        image = np.where(stripes[..., None], base, other) * (0.9 + 0.15 * noise)[..., None]
    elif family == "brick":
        rows = int(rng.choice([4, 8, 16]))
        row = np.floor(y * rows)
        shifted = (x * rows / 2 + 0.5 * (row % 2)) % 1.0
        mortar = ((y * rows) % 1.0 < 0.08) | (shifted < 0.04)
        brick = base * (0.7 + 0.35 * _value_noise(rng, size, octaves=1))[..., None]
        image = np.where(mortar[..., None], np.full(3, 255.0), brick) * (0.9 + 0.15 * noise)[..., None]
    elif family == "asphalt":
        speckle = rng.random((size, size))
        shade = 0.8 + 0.25 * noise + 0.2 * (speckle > 0.93) - 0.2 * (speckle < 0.05)
        cracks = np.abs(_value_noise(rng, size, octaves=3) - 0.5) < 0.008
        image = base * (shade * np.where(cracks, 0.5, 1.0))[..., None]
    elif family == "foliage":
        blobs = _value_noise(rng, size, octaves=5)
        image = base * (np.where(blobs > 0.5, 1.05, 0.65) * (0.8 + 0.3 * rng.random((size, size))))[..., None]
    elif family == "paint_decals":
        image = base * (0.95 + 0.08 * noise)[..., None]
        for _ in range(int(rng.integers(1, 4))):
            decal = rng.uniform(40, 255, 3)
            cx, cy, r = rng.random(), rng.random(), rng.uniform(0.05, 0.25)
            if rng.random() < 0.5:
                inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r
            else:
                inside = (np.abs(x - cx) < r) & (np.abs(y - cy) < r * 0.4)
            image[inside] = decal
    elif family == "paving":
        slabs = int(rng.choice([2, 3, 4, 6]))
        cell_y, cell_x = np.floor(y * slabs).astype(int), np.floor(x * slabs).astype(int)
        shade = 0.78 + 0.3 * rng.random((slabs, slabs))[cell_y, cell_x]
        joints = ((y * slabs) % 1.0 < 0.04) | ((x * slabs) % 1.0 < 0.04)
        image = base * (np.where(joints, 0.55, shade) * (0.9 + 0.15 * noise))[..., None]
    else:
        raise ValueError(f"unknown texture family {family!r}")
    return np.clip(image, 0, 255).astype(np.uint8)
