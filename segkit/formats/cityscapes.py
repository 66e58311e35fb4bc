"""The Cityscapes folder layout and label images, read and written as the official scripts expect.

Layout under a root:
    leftImg8bit/<split>/<city>/<name>_leftImg8bit.png
    gtFine/<split>/<city>/<name>_gtFine_{labelIds,instanceIds,labelTrainIds,color}.png
    gtFine/<split>/<city>/<name>_gtFine_polygons.json
labelIds: uint8 ids; instanceIds: uint16, ``labelId*1000+k`` for instances of instance classes and the plain
label id elsewhere; labelTrainIds: uint8 train ids, 255 ignored; color: RGBA palette colours.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segkit import labels
from segkit.formats.png import read_png, write_png

IMAGE_DIR = "leftImg8bit"
IMAGE_SUFFIX = "_leftImg8bit.png"
GT_KINDS = ("labelIds", "instanceIds", "labelTrainIds", "color")


@dataclass(frozen=True)
class CityscapesRecord:
    """One image and its label files (None where a file is absent)."""

    name: str
    split: str
    city: str
    image: Path | None
    label_ids: Path | None = None
    instance_ids: Path | None = None
    label_train_ids: Path | None = None
    color: Path | None = None
    polygons: Path | None = None


_KEY = re.compile(r"^(.+_\d{6}_\d{6})(?:_|$)")


def image_key(file_name: str) -> str:
    """The name by which files of one image find each other: the Cityscapes key ``<city>_<seq>_<frame>``
    where the name has one (what the official scripts match on), else the file stem without ``_pred`` and
    ``_leftImg8bit``. ``frankfurt_000000_000294_leftImg8bit_pred.png`` and ``.../frankfurt_000000_000294.jpg``
    share a key; so do ``0001TP_006690_pred.png`` and ``train/0001TP_006690.png``."""
    stem = Path(file_name).stem
    match = _KEY.match(stem)
    if match:
        return match.group(1)
    return stem.removesuffix("_pred").removesuffix("_leftImg8bit")


def image_path(root, split: str, city: str, name: str) -> Path:
    return Path(root) / IMAGE_DIR / split / city / f"{name}{IMAGE_SUFFIX}"


def gt_path(root, split: str, city: str, name: str, kind: str, *, gt: str = "gtFine") -> Path:
    suffix = "polygons.json" if kind == "polygons" else f"{kind}.png"
    return Path(root) / gt / split / city / f"{name}_{gt}_{suffix}"


def _kind_field(kind: str) -> str:
    return {"labelIds": "label_ids", "instanceIds": "instance_ids", "labelTrainIds": "label_train_ids",
            "color": "color", "polygons": "polygons"}[kind]


def list_records(root, *, splits=None, gt: str = "gtFine") -> list[CityscapesRecord]:
    """Every image or label file set under ``root``, sorted by split, city and name; reads no pixels."""
    root = Path(root)
    found: dict[tuple[str, str, str], dict[str, Path]] = {}
    for top, marker in ((IMAGE_DIR, IMAGE_SUFFIX), (gt, f"_{gt}_")):
        base = root / top
        if not base.is_dir():
            continue
        for split_dir in sorted(p for p in base.iterdir() if p.is_dir()):
            if splits is not None and split_dir.name not in splits:
                continue
            for city_dir in sorted(p for p in split_dir.iterdir() if p.is_dir()):
                for entry in os.scandir(city_dir):
                    fname = entry.name
                    if marker not in fname:
                        continue
                    name, _, rest = fname.partition(marker)
                    key = (split_dir.name, city_dir.name, name)
                    files = found.setdefault(key, {})
                    if top == IMAGE_DIR:
                        if rest == "":
                            files["image"] = Path(entry.path)
                    else:
                        kind = rest.removesuffix(".png").removesuffix(".json")
                        if kind in GT_KINDS or kind == "polygons":
                            files[_kind_field(kind)] = Path(entry.path)
    return [
        CityscapesRecord(name=name, split=split, city=city, image=files.get("image"),
                         **{k: v for k, v in files.items() if k != "image"})
        for (split, city, name), files in sorted(found.items())
    ]


def label_ids_from_instance_ids(instance_ids: np.ndarray) -> np.ndarray:
    return np.where(instance_ids >= labels.INSTANCE_ID_OFFSET, instance_ids // labels.INSTANCE_ID_OFFSET, instance_ids).astype(np.uint8)


_RGBA = np.concatenate([labels.ID_TO_COLOR, np.full((256, 1), 255, np.uint8)], axis=1).view("<u4")[:, 0]


def color_image(label_ids: np.ndarray) -> np.ndarray:
    """RGBA colour image, as the official json2labelImg writes it."""
    return _RGBA[label_ids].view(np.uint8).reshape(label_ids.shape + (4,))


def check_consistent(label_ids: np.ndarray, instance_ids: np.ndarray) -> str | None:
    """Describe the first disagreement between the two maps, or None if they agree."""
    if label_ids.shape != instance_ids.shape:
        return f"labelIds is {label_ids.shape[1]}x{label_ids.shape[0]} but instanceIds is {instance_ids.shape[1]}x{instance_ids.shape[0]}"
    bad = label_ids_from_instance_ids(instance_ids) != label_ids
    if bad.any():
        y, x = np.argwhere(bad)[0]
        return (f"{int(bad.sum())} pixels where instanceIds disagrees with labelIds "
                f"(first at x={x}, y={y}: instance id {instance_ids[y, x]}, label id {label_ids[y, x]})")
    instance_labels = np.unique(instance_ids[instance_ids >= labels.INSTANCE_ID_OFFSET] // labels.INSTANCE_ID_OFFSET)
    no_instances = [int(i) for i in instance_labels if i > 255 or not labels.HAS_INSTANCES_ID[i]]
    if no_instances:
        names = ", ".join(labels.BY_ID[i].name if i in labels.BY_ID else str(i) for i in no_instances)
        return f"instance ids (>= {labels.INSTANCE_ID_OFFSET}) given to classes without instances: {names}"
    return None


def write_image(root, split: str, city: str, name: str, rgb: np.ndarray, *, compress_level: int | None = None) -> Path:
    path = image_path(root, split, city, name)
    write_png(path, rgb, compress_level=compress_level)
    return path


def encode_gt(label_ids: np.ndarray, instance_ids: np.ndarray, *, polygons: bool = True,
              color: bool = True, compress_level: int | None = None) -> dict[str, bytes]:
    """The gtFine files of one image as bytes, by kind. Raises ValueError if the maps disagree."""
    import json

    from segkit.formats.png import encode_png

    label_ids = np.asarray(label_ids, dtype=np.uint8)
    instance_ids = np.asarray(instance_ids, dtype=np.uint16)
    problem = check_consistent(label_ids, instance_ids)
    if problem:
        raise ValueError(problem)
    level = {"compress_level": compress_level}
    files = {"labelIds": encode_png(label_ids, **level), "instanceIds": encode_png(instance_ids, **level),
             "labelTrainIds": encode_png(labels.ID_TO_TRAIN_ID[label_ids], **level)}
    if color:
        files["color"] = encode_png(color_image(label_ids), **level)
    if polygons:
        from segkit.formats.polygons import polygons_from_maps

        files["polygons"] = (json.dumps(polygons_from_maps(label_ids, instance_ids)) + "\n").encode()
    return files


def write_gt(root, split: str, city: str, name: str, *, label_ids: np.ndarray, instance_ids: np.ndarray,
             polygons: bool = True, color: bool = True, gt: str = "gtFine") -> dict[str, Path]:
    """Write every gtFine file of one image. Raises ValueError if the maps disagree."""
    from segkit.formats.atomic import write_bytes

    files = encode_gt(label_ids, instance_ids, polygons=polygons, color=color)
    paths = {}
    for kind, data in files.items():
        paths[kind] = gt_path(root, split, city, name, kind, gt=gt)
        write_bytes(paths[kind], data)
    return paths


def read_label_ids(path) -> np.ndarray:
    return _read_single_channel(path, np.uint8)


def read_instance_ids(path) -> np.ndarray:
    return _read_single_channel(path, np.uint16)


def _read_single_channel(path, dtype) -> np.ndarray:
    from segkit.errors import UserError

    array = read_png(path)
    if array.ndim != 2:
        raise UserError(f"{path}: expected a single-channel label image, got {array.shape[2]} channels")
    if dtype == np.uint8 and array.dtype != np.uint8:
        raise UserError(f"{path}: expected an 8-bit label image, got {array.dtype}")
    return array.astype(dtype, copy=False)
