"""How each dataset's label files are read: one ``LabelFormat`` per file convention, with the class space its labels
are scored in. A record names its format (``Record.label_format``) and ``FORMATS`` finds it; a dataset with labels of
its own adds a reader and a format here, and its entry in the catalog."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from segkit import labels
from segkit.errors import UserError
from segkit.formats.png import read_png


@dataclass(frozen=True)
class LabelFormat:
    """``read_ids``: a label file as (H, W) uint8 Cityscapes label ids, what training reads (as train ids).
    ``read_classes``: the file as indices of ``space``'s classes (its void where unlabelled), what evaluation in that
    space reads; None where the space is Cityscapes' own, whose indices are the train ids of ``read_ids``."""

    name: str
    read_ids: Callable[[Path], np.ndarray]
    space: labels.ClassSpace = labels.CITYSCAPES_SPACE
    read_classes: Callable[[Path], np.ndarray] | None = None

    def __post_init__(self):
        if self.read_classes is None and self.space != labels.CITYSCAPES_SPACE:
            raise ValueError(f"{self.name}: labels in {self.space.title}'s classes need a read_classes")

    def classes(self, path: Path) -> np.ndarray:
        """(H, W) uint8 indices of ``space``'s classes."""
        if self.read_classes is None:
            return labels.ID_TO_TRAIN_ID[self.read_ids(path)]
        return self.read_classes(path)


def read_cityscapes_ids(path: Path) -> np.ndarray:
    """A labelIds PNG (Cityscapes, veis-gen, pseudo-labels)."""
    ids = read_png(path)
    if ids.ndim != 2:
        raise UserError(f"{path}: expected a single-channel label image")
    return ids


def read_gta5(path: Path) -> np.ndarray:
    """A GTA5 label: palette indices that are Cityscapes ids, or Cityscapes colours."""
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode == "P":
                return np.asarray(image).copy()
            rgb = np.asarray(image.convert("RGB"))
    except OSError as exc:
        raise UserError(f"{path}: not a readable image ({exc})") from None
    return labels.color_to_id(rgb, unknown=labels.BY_NAME["unlabeled"].id)


def read_synthia(path: Path) -> np.ndarray:
    """A SYNTHIA GT/LABELS PNG (16 bits, the class in the first channel), its 16 shared classes as Cityscapes ids."""
    import pyspng

    try:
        data = pyspng.load(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: not a readable PNG ({exc})") from None
    classes = data[..., 0] if data.ndim == 3 else data
    return labels.SYNTHIA_TO_ID[classes.astype(np.uint16)]


def read_camvid(path: Path) -> np.ndarray:
    """(H, W) uint8 CamVid values: 0..10 the classes of ``labels.CAMVID_CLASSES``, 11 void."""
    values = read_png(path)
    if values.ndim != 2 or values.dtype != np.uint8:
        raise UserError(f"{path}: expected a single-channel 8-bit CamVid label image")
    if values.max(initial=0) > labels.CAMVID_VOID:
        raise UserError(f"{path}: holds value {int(values.max())}; CamVid labels are 0..{labels.CAMVID_VOID}")
    return values


def read_camvid_ids(path: Path) -> np.ndarray:
    """CamVid values as the label ids of their representative Cityscapes classes, for training on CamVid."""
    return labels.CAMVID_TO_ID[read_camvid(path)]


CITYSCAPES_IDS = LabelFormat("cityscapes_ids", read_cityscapes_ids)
GTA5 = LabelFormat("gta5", read_gta5)
SYNTHIA = LabelFormat("synthia", read_synthia)
CAMVID = LabelFormat("camvid", read_camvid_ids, labels.CAMVID_SPACE, read_camvid)

FORMATS: dict[str, LabelFormat] = {f.name: f for f in (CITYSCAPES_IDS, GTA5, SYNTHIA, CAMVID)}
# The class spaces by ``label_set`` name, for reading metrics back.
SPACES: dict[str, labels.ClassSpace] = {f.space.name: f.space for f in FORMATS.values()}
