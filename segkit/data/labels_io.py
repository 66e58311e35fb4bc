"""Reading a record's labels through its label format (``label_formats.FORMATS``): as Cityscapes label ids, as train
ids, or as the classes of the space they are scored in."""
from __future__ import annotations

import numpy as np

from segkit import labels
from segkit.data.catalog import Record
from segkit.data.label_formats import FORMATS, LabelFormat
from segkit.errors import UserError


def label_format(record: Record) -> LabelFormat:
    """How the record's label file is read."""
    if record.label is None or record.label_format == "none":
        raise UserError(f"{record.image}: this {record.dataset} image has no labels")
    found = FORMATS.get(record.label_format)
    if found is None:
        raise UserError(f"{record.label}: unknown label format {record.label_format!r}")
    return found


def record_label_ids(record: Record) -> np.ndarray:
    """(H, W) uint8 Cityscapes label ids."""
    return label_format(record).read_ids(record.label)


def read_train_ids(record: Record) -> np.ndarray:
    """(H, W) uint8 train ids, 255 where ignored."""
    return labels.ID_TO_TRAIN_ID[record_label_ids(record)]


def read_classes(record: Record) -> np.ndarray:
    """(H, W) uint8 indices of the classes of the record's space (``space_of``), its void where unlabelled."""
    return label_format(record).classes(record.label)


def space_of(records: list[Record]) -> labels.ClassSpace:
    """The class space the labelled records are scored in (Cityscapes' when none is labelled); one only."""
    spaces = {label_format(record).space for record in records if record.label is not None}
    if len(spaces) > 1:
        titles = " and ".join(sorted(space.title for space in spaces))
        raise UserError(f"the labelled images mix {titles} classes: evaluate them apart")
    return spaces.pop() if spaces else labels.CITYSCAPES_SPACE
