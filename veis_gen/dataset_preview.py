"""A contact sheet of generated images: the image beside its label colours with instance outlines, and optionally
beside a real frame (``beside``: a folder of real images, spread evenly over its sorted files)."""
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


REAL_SUFFIXES = (".png", ".jpg", ".jpeg")


def real_frames(folder: Path, count: int) -> list[Path]:
    """``count`` images of ``folder`` spread evenly over its sorted files (fewer where it has fewer)."""
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in REAL_SUFFIXES) if Path(folder).is_dir() else []
    if not files:
        raise UserError(f"--beside {folder}: no PNG or JPEG images there")
    step = len(files) / min(count, len(files))
    return [files[int(k * step)] for k in range(min(count, len(files)))]


def _real_frame(path: Path, width: int, height: int) -> np.ndarray:
    """A real frame at the generated image's size (stretched where their shapes differ), every row the same height."""
    try:
        with Image.open(path) as frame:
            return np.asarray(frame.convert("RGB").resize((width, height), Image.BILINEAR))
    except OSError as error:
        raise UserError(f"--beside {path}: not a readable image ({error})") from None


def dataset_sheet(root: Path, *, count: int = 12, columns: int = 2, width: int = 512, kind: str | None = None,
                  beside: Path | None = None) -> np.ndarray:
    metas = sorted((root / "meta").glob("*/*/*.json"))
    metas = [m for m in metas if kind is None or m.parent.name == kind][:count]
    if not metas:
        raise UserError(f"{root}: no generated images{' of kind ' + kind if kind else ''}")
    real = real_frames(beside, len(metas)) if beside is not None else []
    cells = []
    for k, path in enumerate(metas):
        meta = read_meta(path)
        rgb = read_png(root / meta["files"]["image"])
        label_ids = read_png(root / meta["files"]["labelIds"])
        instances = read_png(root / meta["files"]["veisInstanceIds"])
        colour = labels.ID_TO_COLOR[label_ids]
        colour[outlines(instances)] = 255
        parts = [rgb, colour]
        if real:
            parts.append(_real_frame(real[k % len(real)], rgb.shape[1], rgb.shape[0]))
        row = np.concatenate(parts, axis=1)
        height = round(row.shape[0] * width * len(parts) / row.shape[1])
        cells.append(np.asarray(Image.fromarray(row).resize((width * len(parts), height), Image.BILINEAR)))
    return grid(cells, columns, border=2)
