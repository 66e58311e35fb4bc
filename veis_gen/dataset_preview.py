"""A contact sheet of generated images: the image beside its label colours with instance outlines."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from segkit import labels
from segkit.errors import UserError
from segkit.formats.png import read_png
from segkit.formats.sheet import grid
from veis_gen.writers.files import read_meta


def outlines(instance_ids: np.ndarray) -> np.ndarray:
    """Pixels on the border of an instance (ids >= 1000) with anything else."""
    edge = np.zeros(instance_ids.shape, dtype=bool)
    for axis in (0, 1):
        differs = np.diff(instance_ids.astype(np.int64), axis=axis) != 0
        pad = [(0, 0), (0, 0)]
        pad[axis] = (0, 1)
        edge |= np.pad(differs, pad)
        pad[axis] = (1, 0)
        edge |= np.pad(differs, pad)
    return edge & (instance_ids >= labels.INSTANCE_ID_OFFSET)


def dataset_sheet(root: Path, *, count: int = 12, columns: int = 2, width: int = 512, kind: str | None = None) -> np.ndarray:
    metas = sorted((root / "meta").glob("*/*/*.json"))
    metas = [m for m in metas if kind is None or m.parent.name == kind][:count]
    if not metas:
        raise UserError(f"{root}: no generated images{' of kind ' + kind if kind else ''}")
    cells = []
    for path in metas:
        meta = read_meta(path)
        rgb = read_png(root / meta["files"]["image"])
        label_ids = read_png(root / meta["files"]["labelIds"])
        instances = read_png(root / meta["files"]["veisInstanceIds"])
        colour = labels.ID_TO_COLOR[label_ids]
        colour[outlines(instances)] = 255
        pair = np.concatenate([rgb, colour], axis=1)
        height = round(pair.shape[0] * width * 2 / pair.shape[1])
        cells.append(np.asarray(Image.fromarray(pair).resize((width * 2, height), Image.BILINEAR)))
    return grid(cells, columns, border=2)
