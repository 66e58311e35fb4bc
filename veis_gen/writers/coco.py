"""The COCO instances file of a generated split, built from its per-image metadata (so a resumed or
merged run writes the same file as an uninterrupted one)."""
from __future__ import annotations

from segkit import labels
from segkit.formats.coco import CocoBuilder


def coco_from_metas(metas: list[dict]) -> dict:
    """``metas`` in image order. Visible masks are ``segmentation``; ``amodal_segmentation``,
    ``visible_fraction``, ``instance_id`` and ``asset`` are extra fields that COCO tools ignore."""
    builder = CocoBuilder(class_names=labels.FOREGROUND_CLASSES, info={"description": "veis-gen synthetic urban scenes"})
    for meta in metas:
        image_id = builder.add_image(meta["files"]["image"], meta["height"], meta["width"],
                                     scene=meta["city"], seed=meta["seed"])
        for obj in meta["objects"]:
            builder.add_encoded(
                image_id, category_id=obj["category_id"], segmentation=obj["segmentation"], area=obj["area"],
                bbox=obj["bbox"], iscrowd=obj["iscrowd"], amodal_segmentation=obj["amodal_segmentation"],
                visible_fraction=obj["visible_fraction"], instance_id=obj["instance_id"], asset=obj["asset"])
    return builder.to_dict()
