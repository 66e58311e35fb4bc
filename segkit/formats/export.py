"""Cityscapes-layout ground truth to COCO instances, with file names relative to the dataset root."""
from __future__ import annotations

from pathlib import Path

from segkit import labels
from segkit.errors import UserError
from segkit.formats.cityscapes import list_records, read_instance_ids
from segkit.formats.coco import CocoBuilder, add_instance_map

CLASS_SETS = {"foreground": labels.FOREGROUND_CLASSES, "instance": labels.INSTANCE_CLASSES}


def export_cityscapes_to_coco(root, out, *, split: str, classes: str = "foreground") -> dict[str, int]:
    root = Path(root)
    records = [r for r in list_records(root, splits=[split]) if r.image is not None]
    if not records:
        raise UserError(f"{root}: no images in split '{split}' (expected {root}/leftImg8bit/{split}/<city>/)")
    builder = CocoBuilder(class_names=CLASS_SETS[classes])
    for record in records:
        if record.instance_ids is None:
            raise UserError(f"{record.image}: no gtFine instanceIds file to export")
        instance_ids = read_instance_ids(record.instance_ids)
        height, width = instance_ids.shape
        image_id = builder.add_image(record.image.relative_to(root).as_posix(), height, width)
        add_instance_map(builder, image_id, instance_ids)
    builder.write(out)
    return {"images": len(builder.images), "annotations": len(builder.annotations)}
