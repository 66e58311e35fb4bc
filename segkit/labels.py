"""The project's one Cityscapes label table, built on ``cityscapesscripts.helpers.labels``.

Every other module asks this one for ids, train ids, colours and class subsets; none spells an id out.
Lookup tables are 256-entry numpy arrays so that ``TABLE[label_map]`` converts a whole image at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from cityscapesscripts.helpers import labels as _cs

IGNORE_TRAIN_ID = 255


@dataclass(frozen=True)
class Label:
    name: str
    id: int
    train_id: int  # IGNORE_TRAIN_ID for classes outside the 19 evaluated ones
    category: str
    has_instances: bool
    ignore_in_eval: bool
    color: tuple[int, int, int]


@dataclass(frozen=True)
class ClassSpace:
    """The classes a dataset's labels are scored in: names in index order, the thing classes, the index of
    unlabelled pixels (``void``, not below the class count) and a 256-entry table taking predicted train ids
    (255 too) to indices. ``name`` is the evaluation's ``label_set``; ``title`` names it to people."""

    name: str
    title: str
    classes: tuple[str, ...]
    things: tuple[str, ...]
    void: int
    from_train_id: np.ndarray = field(repr=False, compare=False)

    def __post_init__(self):
        if self.void < len(self.classes) or not set(self.things) <= set(self.classes):
            raise ValueError(f"{self.name}: void must follow the classes, and the things be among them")


LABELS: tuple[Label, ...] = tuple(
    Label(
        name=lab.name,
        id=lab.id,
        train_id=lab.trainId if 0 <= lab.trainId < IGNORE_TRAIN_ID else IGNORE_TRAIN_ID,
        category=lab.category,
        has_instances=lab.hasInstances,
        ignore_in_eval=lab.ignoreInEval,
        color=tuple(lab.color),
    )
    for lab in _cs.labels
)
# License plate (id -1) is never drawn into a label image; only ids 0..33 can appear in one.
IMAGE_LABELS: tuple[Label, ...] = tuple(lab for lab in LABELS if lab.id >= 0)
BY_NAME: dict[str, Label] = {lab.name: lab for lab in LABELS}
BY_ID: dict[int, Label] = {lab.id: lab for lab in IMAGE_LABELS}
KNOWN_IDS: frozenset[int] = frozenset(BY_ID)

TRAIN_LABELS: tuple[Label, ...] = tuple(
    sorted((lab for lab in IMAGE_LABELS if lab.train_id != IGNORE_TRAIN_ID), key=lambda lab: lab.train_id)
)
TRAIN_CLASSES: tuple[str, ...] = tuple(lab.name for lab in TRAIN_LABELS)
NUM_TRAIN_CLASSES = len(TRAIN_CLASSES)

# SYNTHIA comparisons drop terrain, truck and train (16 classes); the 13-class variant also drops
# wall, fence and pole.
SYNTHIA_16_CLASSES: tuple[str, ...] = tuple(c for c in TRAIN_CLASSES if c not in {"terrain", "truck", "train"})
SYNTHIA_13_CLASSES: tuple[str, ...] = tuple(c for c in SYNTHIA_16_CLASSES if c not in {"wall", "fence", "pole"})

# The paper's detector classes. Cityscapes gives traffic lights and signs no instances; the paper does.
FOREGROUND_CLASSES: tuple[str, ...] = (
    "traffic light", "traffic sign", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
)
BACKGROUND_CLASSES: tuple[str, ...] = tuple(c for c in TRAIN_CLASSES if c not in FOREGROUND_CLASSES)
# Classes whose pixels get labelId*INSTANCE_ID_OFFSET+k in Cityscapes instanceIds images (and every
# foreground class in ours); an id below the offset is a plain label id.
INSTANCE_ID_OFFSET = 1000
INSTANCE_CLASSES: tuple[str, ...] = tuple(lab.name for lab in IMAGE_LABELS if lab.has_instances)
CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(lab.category for lab in IMAGE_LABELS))


def _lookup(pairs, fill: int) -> np.ndarray:
    table = np.full(256, fill, dtype=np.uint8)
    for key, value in pairs:
        table[key] = value
    return table


ID_TO_TRAIN_ID: np.ndarray = _lookup(((lab.id, lab.train_id) for lab in IMAGE_LABELS), IGNORE_TRAIN_ID)
# Predictions go to the official evaluation as label ids; ignored train ids become "unlabeled".
TRAIN_ID_TO_ID: np.ndarray = _lookup(((lab.train_id, lab.id) for lab in TRAIN_LABELS), BY_NAME["unlabeled"].id)
ID_TO_COLOR: np.ndarray = np.zeros((256, 3), dtype=np.uint8)
for _lab in IMAGE_LABELS:
    ID_TO_COLOR[_lab.id] = _lab.color
TRAIN_ID_TO_COLOR: np.ndarray = np.zeros((256, 3), dtype=np.uint8)
for _lab in TRAIN_LABELS:
    TRAIN_ID_TO_COLOR[_lab.train_id] = _lab.color
IS_KNOWN_ID: np.ndarray = np.zeros(256, dtype=bool)
IS_KNOWN_ID[list(KNOWN_IDS)] = True
HAS_INSTANCES_ID: np.ndarray = np.zeros(256, dtype=bool)
HAS_INSTANCES_ID[[BY_NAME[c].id for c in INSTANCE_CLASSES]] = True

# SYNTHIA-RAND-CITYSCAPES: its class ids (the first channel of GT/LABELS) by name, and the Cityscapes class
# each of the 16 shared ones becomes. Lane markings are road in Cityscapes; the rest is ignored.
SYNTHIA_CLASSES: tuple[str, ...] = (
    "void", "sky", "building", "road", "sidewalk", "fence", "vegetation", "pole", "car", "traffic sign",
    "pedestrian", "bicycle", "motorcycle", "parking-slot", "road-work", "traffic light", "terrain", "rider",
    "truck", "bus", "train", "wall", "lanemarking",
)
SYNTHIA_TO_CITYSCAPES: dict[str, str] = {
    "sky": "sky", "building": "building", "road": "road", "sidewalk": "sidewalk", "fence": "fence",
    "vegetation": "vegetation", "pole": "pole", "car": "car", "traffic sign": "traffic sign",
    "pedestrian": "person", "bicycle": "bicycle", "motorcycle": "motorcycle", "traffic light": "traffic light",
    "rider": "rider", "bus": "bus", "wall": "wall", "lanemarking": "road",
}
SYNTHIA_TO_ID: np.ndarray = np.full(65536, BY_NAME["unlabeled"].id, dtype=np.uint8)
for _index, _name in enumerate(SYNTHIA_CLASSES):
    if _name in SYNTHIA_TO_CITYSCAPES:
        SYNTHIA_TO_ID[_index] = BY_NAME[SYNTHIA_TO_CITYSCAPES[_name]].id

# CamVid (the 11-class, 480x360 SegNet copy): label values 0..10 are these classes, 11 is void. Each of the
# 19 train classes counts as one CamVid class (the usual mapping); training on CamVid labels uses one
# representative train class per CamVid class, which maps back to the same CamVid class.
CAMVID_CLASSES: tuple[str, ...] = (
    "Sky", "Building", "Pole", "Road", "Pavement", "Tree", "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist",
)
CAMVID_VOID = len(CAMVID_CLASSES)
CAMVID_OF_TRAIN_CLASS: dict[str, str] = {
    "road": "Road", "sidewalk": "Pavement", "building": "Building", "wall": "Building", "fence": "Fence",
    "pole": "Pole", "traffic light": "SignSymbol", "traffic sign": "SignSymbol", "vegetation": "Tree",
    "terrain": "Tree", "sky": "Sky", "person": "Pedestrian", "rider": "Bicyclist", "car": "Car", "truck": "Car",
    "bus": "Car", "train": "Car", "motorcycle": "Bicyclist", "bicycle": "Bicyclist",
}
CAMVID_REPRESENTATIVE: dict[str, str] = {
    "Sky": "sky", "Building": "building", "Pole": "pole", "Road": "road", "Pavement": "sidewalk", "Tree": "vegetation",
    "SignSymbol": "traffic sign", "Fence": "fence", "Car": "car", "Pedestrian": "person", "Bicyclist": "rider",
}
# Things: CamVid classes made only of the detector's foreground classes.
CAMVID_FOREGROUND: tuple[str, ...] = tuple(
    c for c in CAMVID_CLASSES if all(t in FOREGROUND_CLASSES for t, v in CAMVID_OF_TRAIN_CLASS.items() if v == c))
CAMVID_BACKGROUND: tuple[str, ...] = tuple(c for c in CAMVID_CLASSES if c not in CAMVID_FOREGROUND)
# Train ids (255 included) to CamVid values; an ignored prediction is void, which counts against the class.
TRAIN_ID_TO_CAMVID: np.ndarray = _lookup(
    ((BY_NAME[name].train_id, CAMVID_CLASSES.index(c)) for name, c in CAMVID_OF_TRAIN_CLASS.items()), CAMVID_VOID)
# CamVid values (void and anything above it included) to Cityscapes label ids, for training on CamVid.
CAMVID_TO_ID: np.ndarray = _lookup(
    ((CAMVID_CLASSES.index(c), BY_NAME[name].id) for c, name in CAMVID_REPRESENTATIVE.items()), BY_NAME["unlabeled"].id)

# The 19 train classes themselves (scored by the official evaluator), and CamVid's 11.
CITYSCAPES_SPACE = ClassSpace("cityscapes", "Cityscapes", TRAIN_CLASSES, FOREGROUND_CLASSES, IGNORE_TRAIN_ID,
                              np.arange(256))
CAMVID_SPACE = ClassSpace("camvid", "CamVid", CAMVID_CLASSES, CAMVID_FOREGROUND, CAMVID_VOID, TRAIN_ID_TO_CAMVID)

# Several ids share a colour (all void classes are black; license plate is car blue): the lowest id wins.
_COLOR_TO_ID: dict[tuple[int, int, int], int] = {}
for _lab in sorted(IMAGE_LABELS, key=lambda lab: lab.id):
    _COLOR_TO_ID.setdefault(_lab.color, _lab.id)


def color_to_id(rgb: np.ndarray, *, unknown: int | None = None) -> np.ndarray:
    """Map an (H, W, 3) uint8 colour label image to uint8 Cityscapes ids.

    Colours not in the palette become ``unknown``; if it is None they raise ValueError.
    """
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    keys = np.array([(r << 16) | (g << 8) | b for (r, g, b) in _COLOR_TO_ID], dtype=np.uint32)
    values = np.array(list(_COLOR_TO_ID.values()), dtype=np.uint8)
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    pos = np.clip(np.searchsorted(keys, packed), 0, len(keys) - 1)
    found = keys[pos] == packed
    if not found.all():
        if unknown is None:
            bad = int(packed[~found][0])
            raise ValueError(f"colour {(bad >> 16) & 255, (bad >> 8) & 255, bad & 255} is not a Cityscapes label colour")
        return np.where(found, values[pos], np.uint8(unknown)).astype(np.uint8)
    return values[pos]


def train_ids_of(names) -> list[int]:
    """Train ids of the named classes, in the given order."""
    return [BY_NAME[name].train_id for name in names]


def ids_of(names) -> list[int]:
    """Cityscapes label ids of the named classes, in the given order."""
    return [BY_NAME[name].id for name in names]
