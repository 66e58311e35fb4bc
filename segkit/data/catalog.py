"""Datasets found by name, as lists of file records built without reading pixels (detectron2's
DatasetCatalog). Names:

    cityscapes:<split>      train, val, test, train_extra (images only); root: --cityscapes or CITYSCAPES_DATASET
    gta5[:<split>]          "Playing for Data": images/NNNNN.png, labels/NNNNN.png, split.mat; root: --gta5 or GTA5_DATASET
    synthia                 SYNTHIA-RAND-CITYSCAPES: RGB/, GT/LABELS/; root: --synthia or SYNTHIA_DATASET
    camvid:<split>          CamVid, 11 classes, 480x360: <split>.txt, as SegNet ships it; root: --camvid or CAMVID_DATASET
    veis:<DIR>[:<split>]    what veis-gen writes (Cityscapes layout, COCO in annotations/)
    pseudo:<DIR>[:<split>]  pseudo-labels written by segkit (Cityscapes layout, train ids may be 255)
    folder:<DIR>            images only, for prediction and pseudo-labelling

A new dataset joins with a function listing its records and an entry of ``DATASETS``, which names its label format
(``label_formats``: how its label files are read and the classes they are scored in); labels of a format of their own
add it there. Commands get a ``--<name> DIR`` flag for each dataset with a root folder from that table.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from segkit.data.label_formats import CAMVID, CITYSCAPES_IDS, GTA5, SYNTHIA, LabelFormat
from segkit.errors import UserError
from segkit.formats.cityscapes import IMAGE_DIR, list_records

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class Record:
    """One image of a dataset and its label files; ``label_format`` names how ``label`` is read (its
    ``label_formats.FORMATS`` key, or none)."""

    dataset: str
    name: str
    image: Path
    label: Path | None = None
    label_format: str = "none"
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
                              CITYSCAPES_IDS.name if entry.label_ids else "none", instances, entry.split, entry.city))
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
        records.append(Record("gta5", name, image, label, GTA5.name, None, split))
    if mismatched:
        print(f"gta5: skipped {len(mismatched)} image(s) whose label is missing or of another size: "
              f"{', '.join(mismatched)}", file=sys.stderr)
    return records


def synthia(split: str = "all", *, root=None) -> list[Record]:
    root = _root(root, "SYNTHIA_DATASET", "synthia", "--synthia")
    images, label_dir = root / "RGB", root / "GT" / "LABELS"
    if not images.is_dir() or not label_dir.is_dir():
        raise UserError(f"{root}: expected folders {images} and {label_dir} (SYNTHIA-RAND-CITYSCAPES)")
    return [Record("synthia", p.stem, p, label_dir / p.name, SYNTHIA.name, None, split)
            for p in sorted(images.glob("*.png")) if (label_dir / p.name).is_file()]


def camvid(split: str, *, root=None) -> list[Record]:
    """CamVid's 11-class copy: ``<split>.txt`` lists ``IMAGE LABEL`` pairs relative to the root (SegNet's own
    lists name /SegNet/CamVid/<split>/..., read as <root>/<split>/...)."""
    root = _root(root, "CAMVID_DATASET", "camvid", "--camvid")
    listing = root / f"{split}.txt"
    if not listing.is_file():
        raise UserError(f"{listing}: missing; it lists the {split} split's image and label files (camvid:train, val or test)")
    from segkit.formats.png import read_image_size

    records = []
    for number, line in enumerate(listing.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 2:
            raise UserError(f"{listing}:{number}: expected 'IMAGE LABEL', got {line.strip()!r}")
        image, label = (_listed(root, part) for part in parts)
        for path in (image, label):
            if not path.is_file():
                raise UserError(f"{listing}:{number}: {path} does not exist")
        (height, width), (label_height, label_width) = read_image_size(image), read_image_size(label)
        if (height, width) != (label_height, label_width):
            raise UserError(f"{label}: {label_width}x{label_height} differs from its image's {width}x{height} ({image})")
        records.append(Record("camvid", image.stem, image, label, CAMVID.name, None, split))
    if not records:
        raise UserError(f"{listing}: lists no images")
    return records


def _listed(root: Path, entry: str) -> Path:
    path = Path(entry)
    if path.is_absolute() and not path.exists():
        return root / Path(*path.parts[-2:])
    return root / path


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


def _in_folder(reader):
    """``DIR`` or ``DIR:<split>`` for the datasets that live in a folder named on the command line."""
    def read(argument: str) -> list[Record]:
        path, _, split = argument.rpartition(":") if ":" in argument else (argument, "", "")
        return reader(path, split or None)
    return read


@dataclass(frozen=True)
class Dataset:
    """One entry of the catalog. ``read`` takes the text after ``name:`` (``default`` when none is given) and lists
    records whose labels are read as ``labels`` says (None: images only); datasets with a ``variable`` live in a
    root folder given by ``--<name> DIR`` or that variable."""

    name: str
    usage: str
    read: Callable[..., list[Record]]
    variable: str | None = None
    default: str | None = None
    labels: LabelFormat | None = None


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("cityscapes", "cityscapes:<split>", cityscapes, "CITYSCAPES_DATASET", labels=CITYSCAPES_IDS),
    Dataset("gta5", "gta5[:<split>]", gta5, "GTA5_DATASET", default="all", labels=GTA5),
    Dataset("synthia", "synthia", synthia, "SYNTHIA_DATASET", default="all", labels=SYNTHIA),
    Dataset("camvid", "camvid:<split>", camvid, "CAMVID_DATASET", labels=CAMVID),
    Dataset("veis", "veis:<DIR>[:<split>]", _in_folder(veis), labels=CITYSCAPES_IDS),
    Dataset("pseudo", "pseudo:<DIR>[:<split>]", _in_folder(pseudo), labels=CITYSCAPES_IDS),
    Dataset("folder", "folder:<DIR>", folder),
)}
ROOTED: tuple[str, ...] = tuple(name for name, d in DATASETS.items() if d.variable)


def roots_field():
    """A config field ``roots``: one ``--<dataset> DIR`` flag (and TOML key) per dataset with a root folder."""
    from dataclasses import field

    variables = ", ".join(f"${DATASETS[name].variable}" for name in ROOTED)
    return field(default_factory=dict, metadata={"keys": ROOTED, "help": f"dataset folders (else {variables})"})


def get(spec: str, *, roots: Mapping[str, str | os.PathLike | None] | None = None) -> list[Record]:
    """The records of a dataset named like ``cityscapes:val`` or ``veis:/data/veis:train``; ``roots`` maps a
    dataset's name to its folder (else its environment variable is read)."""
    name, _, argument = spec.partition(":")
    dataset = DATASETS.get(name)
    if dataset is None:
        raise UserError(f"unknown dataset {spec!r} ({', '.join(d.usage for d in DATASETS.values())})")
    argument = argument or dataset.default
    if not argument:
        raise UserError(f"{name}: name a {'split' if dataset.variable else 'folder'}, e.g. {dataset.usage}")
    if dataset.variable:
        return dataset.read(argument, root=(roots or {}).get(name))
    return dataset.read(argument)


def records_for(data: str, *, roots: Mapping[str, str | os.PathLike | None] | None = None) -> list[Record]:
    """A folder of images, or else a dataset name."""
    if Path(data).is_dir():
        return folder(data)
    return get(data, roots=roots)
