"""COCO instances JSON with RLE masks, numbered after Cityscapes label ids.

Ground truth and predictions share one format: a prediction is an annotation with a ``score``. Such a file
loads in pycocotools' ``COCO`` as it is, and its ``annotations`` list goes to ``COCO.loadRes``; detectron2's
``register_coco_instances(name, {}, json_file, image_root)`` reads it with ``file_name`` relative to the root.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np
from pycocotools import mask as mask_utils

from segkit import labels
from segkit.errors import UserError
from segkit.formats.atomic import write_json
from segkit.labels import INSTANCE_ID_OFFSET


def encode_mask(mask: np.ndarray) -> dict:
    """Compressed RLE of a boolean (H, W) mask, with ``counts`` as text so it serialises to JSON."""
    if mask.dtype == bool:
        mask = mask.view(np.uint8)  # no copy; a column-major mask then goes to pycocotools as it is
    rle = mask_utils.encode(np.asfortranarray(mask, dtype=np.uint8))
    return {"size": [int(rle["size"][0]), int(rle["size"][1])], "counts": rle["counts"].decode("ascii")}


def decode_mask(rle: dict | list, size: tuple[int, int] | None = None) -> np.ndarray:
    """Boolean (H, W) mask of an RLE (compressed text/bytes counts, or uncompressed list counts), or of
    COCO polygons (a list of [x1, y1, x2, y2, ...]), which need the image's ``size`` (height, width)."""
    if isinstance(rle, list):
        if size is None:
            raise ValueError("polygon segmentations need the image's size")
        return mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(rle, *size))).astype(bool)
    if isinstance(rle.get("counts"), list):
        rle = mask_utils.frPyObjects(rle, *rle["size"])
    elif isinstance(rle.get("counts"), str):
        rle = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
    return mask_utils.decode(rle).astype(bool)


def categories(class_names=labels.FOREGROUND_CLASSES) -> list[dict]:
    return [
        {"id": labels.BY_NAME[name].id, "name": name, "supercategory": labels.BY_NAME[name].category}
        for name in class_names
    ]


@dataclass
class CocoBuilder:
    """Collects images and annotations; ids are given in the order things are added."""

    class_names: tuple[str, ...] = labels.FOREGROUND_CLASSES
    images: list[dict] = field(default_factory=list)
    annotations: list[dict] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def add_image(self, file_name: str, height: int, width: int, **extra) -> int:
        image_id = len(self.images) + 1
        self.images.append({"id": image_id, "file_name": file_name, "height": int(height), "width": int(width), **extra})
        return image_id

    def add_annotation(self, image_id: int, category_id: int, mask: np.ndarray, *, iscrowd: int = 0,
                       score: float | None = None, **extra) -> dict:
        rle = encode_mask(mask)
        compressed = {"size": rle["size"], "counts": rle["counts"].encode("ascii")}
        annotation = {
            "id": len(self.annotations) + 1,
            "image_id": int(image_id),
            "category_id": int(category_id),
            "segmentation": rle,
            "area": int(mask_utils.area(compressed)),
            "bbox": [float(v) for v in mask_utils.toBbox(compressed)],
            "iscrowd": int(iscrowd),
        }
        if score is not None:
            annotation["score"] = float(score)
        annotation.update(extra)
        self.annotations.append(annotation)
        return annotation

    def add_encoded(self, image_id: int, **fields) -> dict:
        """An annotation whose mask is encoded already (segmentation, area and bbox among ``fields``), its
        fields in the order given after its id and image id."""
        annotation = {"id": len(self.annotations) + 1, "image_id": int(image_id), **fields}
        self.annotations.append(annotation)
        return annotation

    def to_dict(self) -> dict:
        return {
            "info": {"description": "veis", **self.info},
            "licenses": [],
            "images": self.images,
            "annotations": self.annotations,
            "categories": categories(self.class_names),
        }

    def write(self, path: str | os.PathLike) -> None:
        write_json(path, self.to_dict())


def add_instance_map(builder: CocoBuilder, image_id: int, instance_ids: np.ndarray, *, crowd: bool = True) -> int:
    """Add one annotation per instance of ``instance_ids`` (Cityscapes encoding) of the builder's classes.

    Pixels of an instance class that carry only its plain label id (Cityscapes' groups) become one
    ``iscrowd=1`` region per class when ``crowd`` is set. Returns the number of annotations added.
    """
    wanted = np.zeros(256, dtype=bool)
    wanted[labels.ids_of(builder.class_names)] = True
    added = 0
    for value in np.unique(instance_ids):
        label_id = int(value) // INSTANCE_ID_OFFSET if value >= INSTANCE_ID_OFFSET else int(value)
        if label_id > 255 or not wanted[label_id]:
            continue
        is_group = value < INSTANCE_ID_OFFSET
        if is_group and not (crowd and labels.HAS_INSTANCES_ID[label_id]):
            continue
        builder.add_annotation(image_id, label_id, instance_ids == value, iscrowd=int(is_group))
        added += 1
    return added


REQUIRED_KEYS = {"images": list, "annotations": list, "categories": list}


def read_json(path: str | os.PathLike):
    """A JSON file's content; a missing or malformed file is a UserError naming it."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None


def load_coco(path: str | os.PathLike) -> dict:
    """Read and check a COCO instances file; problems are UserErrors naming the file."""
    return check_coco(read_json(path), path)


def check_coco(data, path) -> dict:
    """``data`` (read from ``path``) as a COCO instances object, checked; problems are UserErrors naming the file."""
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a COCO object with images, annotations and categories")
    for key, kind in REQUIRED_KEYS.items():
        if not isinstance(data.get(key), kind):
            raise UserError(f"{path}: missing or malformed '{key}' list")
    image_ids = {image.get("id") for image in data["images"]}
    category_ids = {category.get("id") for category in data["categories"]}
    for annotation in data["annotations"]:
        if annotation.get("image_id") not in image_ids:
            raise UserError(f"{path}: annotation {annotation.get('id')} names unknown image {annotation.get('image_id')}")
        if annotation.get("category_id") not in category_ids:
            raise UserError(f"{path}: annotation {annotation.get('id')} has unknown category {annotation.get('category_id')}")
        if "segmentation" not in annotation:
            raise UserError(f"{path}: annotation {annotation.get('id')} has no segmentation")
    return data
