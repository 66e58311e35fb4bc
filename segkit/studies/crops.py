"""Object crops for the shape-versus-texture studies.

For each instance of a foreground class above a minimum size: a *shape* input, the binary silhouette
centred on a fixed square canvas with its aspect kept (0 or 255, nothing of the image), and a *texture*
input, the largest square inside the mask eroded by a margin, resized to the canvas (only pixels from
inside the object, no outline). Written once as a small dataset with an index.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from segkit import labels
from segkit.data.catalog import Record
from segkit.formats.atomic import write_json
from segkit.formats.png import read_png, write_png



@dataclass(frozen=True)
class CropSettings:
    canvas: int = 64  # side of both inputs, pixels
    min_area: int = 400  # instances smaller than this are skipped
    margin: int = 2  # the mask is eroded by this before the texture square is taken
    min_texture: int = 8  # texture squares smaller than this are skipped (the instance too)


def silhouette(mask: np.ndarray, canvas: int) -> np.ndarray:
    """(canvas, canvas) uint8: the mask's bounding box scaled to fit, aspect kept, centred; 0 or 255."""
    ys, xs = np.nonzero(mask)
    box = mask[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    scale = canvas / max(box.shape)
    height, width = max(1, round(box.shape[0] * scale)), max(1, round(box.shape[1] * scale))
    resized = np.asarray(Image.fromarray(box.astype(np.uint8) * 255).resize((width, height), Image.NEAREST))
    out = np.zeros((canvas, canvas), dtype=np.uint8)
    top, left = (canvas - height) // 2, (canvas - width) // 2
    out[top:top + height, left:left + width] = resized
    return out


def inscribed_square(mask: np.ndarray, margin: int) -> tuple[int, int, int] | None:
    """(top, left, side) of the largest axis-aligned square inside ``mask`` eroded by ``margin``."""
    eroded = ndimage.binary_erosion(mask, iterations=margin) if margin else mask
    if not eroded.any():
        return None
    # Chessboard distance to the outside: a square of half-side d fits around the farthest pixel.
    distance = ndimage.distance_transform_cdt(np.pad(eroded, 1), metric="chessboard")[1:-1, 1:-1]
    y, x = np.unravel_index(int(np.argmax(distance)), distance.shape)
    half = int(distance[y, x]) - 1
    return y - half, x - half, 2 * half + 1


def texture(image: np.ndarray, square: tuple[int, int, int], canvas: int) -> np.ndarray:
    top, left, side = square
    patch = image[top:top + side, left:left + side]
    return np.asarray(Image.fromarray(patch).resize((canvas, canvas), Image.BILINEAR))


def extract(records: list[Record], domain: str, out: Path, settings: CropSettings = CropSettings(),
            classes=labels.FOREGROUND_CLASSES) -> list[dict]:
    """Crops of every usable instance of ``records`` into ``out/<domain>/``; returns their index entries."""
    from segkit.data.torch_data import read_image

    wanted = {labels.BY_NAME[name].id for name in classes}
    entries = []
    for record in records:
        if record.instances is None:
            continue
        image, instances = read_image(record.image), read_png(record.instances)
        for value in np.unique(instances[instances >= labels.INSTANCE_ID_OFFSET]):
            label_id = int(value) // labels.INSTANCE_ID_OFFSET
            if label_id not in wanted:
                continue
            mask = instances == value
            area = int(mask.sum())
            if area < settings.min_area:
                continue
            square = inscribed_square(mask, settings.margin)
            if square is None or square[2] < settings.min_texture:
                continue
            name = f"{record.name}_{int(value)}"
            class_name = labels.BY_ID[label_id].name
            shape_file = f"{domain}/{class_name.replace(' ', '_')}/{name}_shape.png"
            texture_file = f"{domain}/{class_name.replace(' ', '_')}/{name}_texture.png"
            write_png(out / shape_file, silhouette(mask, settings.canvas))
            write_png(out / texture_file, texture(image, square, settings.canvas))
            entries.append({"domain": domain, "class": class_name, "image": record.name, "instance": int(value),
                            "area": area, "texture_side": square[2], "shape": shape_file, "texture": texture_file})
    return entries


def write_index(out: Path, entries: list[dict], settings: CropSettings) -> None:
    write_json(out / "crops.json", {"settings": settings.__dict__, "crops": entries}, indent=1)


def read_index(out: Path) -> list[dict]:
    return json.loads((out / "crops.json").read_text())["crops"]
