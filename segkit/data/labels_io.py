"""Reading a record's label file as Cityscapes label ids or train ids, whatever the dataset's format."""
from __future__ import annotations

import numpy as np
from PIL import Image

from segkit import labels
from segkit.data.catalog import Record
from segkit.errors import UserError
from segkit.formats.png import read_png


def record_label_ids(record: Record) -> np.ndarray:
    """(H, W) uint8 Cityscapes label ids."""
    if record.label is None or record.label_format == "none":
        raise UserError(f"{record.image}: this {record.dataset} image has no labels")
    if record.label_format == "cityscapes_ids":
        ids = read_png(record.label)
        if ids.ndim != 2:
            raise UserError(f"{record.label}: expected a single-channel label image")
        return ids
    if record.label_format == "gta5":
        try:
            with Image.open(record.label) as image:
                image.load()
                if image.mode == "P":  # the palette indices are Cityscapes ids
                    return np.asarray(image).copy()
                rgb = np.asarray(image.convert("RGB"))
        except OSError as exc:
            raise UserError(f"{record.label}: not a readable image ({exc})") from None
        return labels.color_to_id(rgb, unknown=labels.BY_NAME["unlabeled"].id)
    if record.label_format == "synthia":
        import pyspng

        try:
            data = pyspng.load(record.label.read_bytes())
        except (OSError, ValueError) as exc:
            raise UserError(f"{record.label}: not a readable PNG ({exc})") from None
        classes = data[..., 0] if data.ndim == 3 else data
        return labels.SYNTHIA_TO_ID[classes.astype(np.uint16)]
    if record.label_format == "camvid":
        return labels.CAMVID_TO_ID[read_camvid(record)]
    raise UserError(f"{record.label}: unknown label format {record.label_format!r}")


def read_train_ids(record: Record) -> np.ndarray:
    """(H, W) uint8 train ids, 255 where ignored."""
    return labels.ID_TO_TRAIN_ID[record_label_ids(record)]


def read_camvid(record: Record) -> np.ndarray:
    """(H, W) uint8 CamVid values: 0..10 the classes of ``labels.CAMVID_CLASSES``, 11 void."""
    values = read_png(record.label)
    if values.ndim != 2 or values.dtype != np.uint8:
        raise UserError(f"{record.label}: expected a single-channel 8-bit CamVid label image")
    if values.max(initial=0) > labels.CAMVID_VOID:
        raise UserError(f"{record.label}: holds value {int(values.max())}; CamVid labels are 0..{labels.CAMVID_VOID}")
    return values
