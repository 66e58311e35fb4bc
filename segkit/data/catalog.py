"""Datasets found by name, as lists of file records built without reading pixels (detectron2's
DatasetCatalog). Names:

    cityscapes:<split>      train, val, test, train_extra (images only); root: --cityscapes or CITYSCAPES_DATASET
    gta5[:<split>]          "Playing for Data": images/NNNNN.png, labels/NNNNN.png, split.mat; root: --gta5 or GTA5_DATASET
    synthia                 SYNTHIA-RAND-CITYSCAPES: RGB/, GT/LABELS/; root: --synthia or SYNTHIA_DATASET
    veis:<DIR>[:<split>]    what veis-gen writes (Cityscapes layout, COCO in annotations/)
    pseudo:<DIR>[:<split>]  pseudo-labels written by segkit (Cityscapes layout, train ids may be 255)
    folder:<DIR>            images only, for prediction and pseudo-labelling
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from segkit.errors import UserError
from segkit.formats.cityscapes import IMAGE_DIR, list_records

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Record:
    """One image of a dataset and its label files; ``label_format`` says how to read ``label``."""

    dataset: str
    name: str
    image: Path
    label: Path | None = None
    label_format: str = "none"  # cityscapes_ids, gta5, synthia or none
    instances: Path | None = None  # Cityscapes-encoded instance ids (labelId*1000+k)
    split: str = ""
    city: str = ""


def _root(option: str | os.PathLike | None, variable: str, dataset: str, flag: str) -> Path:
    root = option or os.environ.get(variable)
    if not root:
        raise UserError(f"{dataset}: no dataset folder given: pass {flag} DIR or set {variable}")
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder (the {dataset} root)")
    return root


def cityscapes(split: str, *, root=None) -> list[Record]:
    root = _root(root, "CITYSCAPES_DATASET", "cityscapes", "--cityscapes")
    return cityscapes_layout(root, split, "cityscapes", instances_kind="instanceIds")


def cityscapes_layout(root: Path, split: str | None, dataset: str, *, instances_kind: str | None) -> list[Record]:
    """Records of a Cityscapes-layout tree (one split, or all); ``instances_kind`` names the instance map
    to use when it exists beside labelIds (veisInstanceIds for generated data)."""
    splits = [split] if split else sorted(p.name for p in (root / IMAGE_DIR).glob("*") if p.is_dir())
    if split and not (root / IMAGE_DIR / split).is_dir():
        raise UserError(f"{root}: expected a folder {root / IMAGE_DIR / split} (Cityscapes layout)")
    if not splits:
        raise UserError(f"{root}: expected a folder {root / IMAGE_DIR}/<split> (Cityscapes layout)")
    records = []
    for entry in list_records(root, splits=splits):
        if entry.image is None:
            continue
        instances = entry.instance_ids
        if instances_kind and instances_kind != "instanceIds" and entry.label_ids is not None:
            own = entry.label_ids.with_name(entry.label_ids.name.replace("labelIds", instances_kind))
            instances = own if own.is_file() else instances
        records.append(Record(dataset, entry.name, entry.image, entry.label_ids,
                              "cityscapes_ids" if entry.label_ids else "none", instances, entry.split, entry.city))
    return records


def gta5(split: str = "all", *, root=None) -> list[Record]:
    """GTA5 images with their labels; pairs whose sizes differ (a few in the release) are skipped with a warning."""
    root = _root(root, "GTA5_DATASET", "gta5", "--gta5")
    images, label_dir = root / "images", root / "labels"
    if not images.is_dir() or not label_dir.is_dir():
        raise UserError(f"{root}: expected folders {images} and {label_dir} (the Playing for Data layout)")
    names = sorted(p.stem for p in images.glob("*.png"))
    if split != "all":
        split_file = root / "split.mat"
        if not split_file.is_file():
            raise UserError(f"{split_file}: missing; it holds the official train/val/test split (or use gta5:all)")
        from scipy.io import loadmat

        key = {"train": "trainIds", "val": "valIds", "test": "testIds"}.get(split)
        if key is None:
            raise UserError(f"gta5:{split}: unknown split (train, val, test or all)")
        wanted = {int(v) for v in loadmat(split_file)[key].ravel()}
        names = [n for n in names if int(n) in wanted]
    from segkit.formats.png import read_image_size

    records, mismatched = [], []
    for name in names:
        image, label = images / f"{name}.png", label_dir / f"{name}.png"
        if not label.is_file():
            mismatched.append(f"{name} (no label)")
            continue
        if read_image_size(image) != read_image_size(label):
            mismatched.append(name)
            continue
        records.append(Record("gta5", name, image, label, "gta5", None, split))
    if mismatched:
        print(f"gta5: skipped {len(mismatched)} image(s) whose label is missing or of another size: "
              f"{', '.join(mismatched)}", file=sys.stderr)
    return records


def synthia(split: str = "all", *, root=None) -> list[Record]:
    root = _root(root, "SYNTHIA_DATASET", "synthia", "--synthia")
    images, label_dir = root / "RGB", root / "GT" / "LABELS"
    if not images.is_dir() or not label_dir.is_dir():
        raise UserError(f"{root}: expected folders {images} and {label_dir} (SYNTHIA-RAND-CITYSCAPES)")
    return [Record("synthia", p.stem, p, label_dir / p.name, "synthia", None, split)
            for p in sorted(images.glob("*.png")) if (label_dir / p.name).is_file()]


def veis(folder: str, split: str | None = None) -> list[Record]:
    root = Path(folder)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder (a veis-gen output)")
    return cityscapes_layout(root, split, "veis", instances_kind="veisInstanceIds")


def pseudo(folder: str, split: str | None = None) -> list[Record]:
    root = Path(folder)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder (pseudo-labels)")
    return cityscapes_layout(root, split, "pseudo", instances_kind=None)


def folder(path: str) -> list[Record]:
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder of images")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise UserError(f"{root}: no images (.png, .jpg) in this folder")
    return [Record("folder", p.stem.removesuffix("_leftImg8bit"), p) for p in files]


def get(spec: str, *, cityscapes_root=None, gta5_root=None, synthia_root=None) -> list[Record]:
    """The records of a dataset named like ``cityscapes:val`` or ``veis:/data/veis:train``."""
    name, _, argument = spec.partition(":")
    if name == "cityscapes":
        if not argument:
            raise UserError("cityscapes: name a split, e.g. cityscapes:val")
        return cityscapes(argument, root=cityscapes_root)
    if name == "gta5":
        return gta5(argument or "all", root=gta5_root)
    if name == "synthia":
        return synthia(argument or "all", root=synthia_root)
    if name in ("veis", "pseudo", "folder"):
        if not argument:
            raise UserError(f"{name}: name a folder, e.g. {name}:/data/{name}")
        path, _, split = argument.rpartition(":") if ":" in argument else (argument, "", "")
        if name == "folder":
            return folder(argument)
        return (veis if name == "veis" else pseudo)(path, split or None)
    raise UserError(f"unknown dataset {spec!r} (cityscapes:<split>, gta5[:<split>], synthia, veis:<DIR>, pseudo:<DIR>, folder:<DIR>)")


def records_for(data: str, *, cityscapes_root=None, gta5_root=None, synthia_root=None) -> list[Record]:
    """A folder of images, or else a dataset name."""
    if Path(data).is_dir():
        return folder(data)
    return get(data, cityscapes_root=cityscapes_root, gta5_root=gta5_root, synthia_root=synthia_root)
