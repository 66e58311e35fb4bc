"""Detection-based semantic segmentation (the paper's fusion): instance masks sorted by score are pasted
over the semantic map, highest first; a pixel taken is never overwritten; every pixel left keeps its
semantic label. Defaults as the paper: no score or area threshold, the 10 foreground classes.

No torch here: `segkit fuse` reads what `segkit predict` wrote (train-id PNGs and a COCO instances file).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from segkit import labels
from segkit.errors import UserError

CLASS_SETS = {"foreground": labels.FOREGROUND_CLASSES, "instance": labels.INSTANCE_CLASSES}


@dataclass(frozen=True)
class FusionRules:
    classes: tuple[str, ...] = labels.FOREGROUND_CLASSES
    score_threshold: float = 0.0
    min_area: int = 0
    min_visible: float = 0.0  # drop a detection whose unclaimed part is below this fraction of its mask


def fuse(semantic: np.ndarray, masks: np.ndarray, label_ids: np.ndarray, scores: np.ndarray,
         rules: FusionRules = FusionRules(), boxes: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Fuse one image.

    semantic: (H, W) uint8 train ids; masks: (N, H, W) bool; label_ids, scores: (N,).
    Returns the fused train ids, an instance map in Cityscapes' encoding (labelId*1000+k for every pasted
    detection, lights and signs included, the plain label id elsewhere) and the indices of the detections kept.
    ``boxes`` (N, 4) x, y, w, h bound each mask (RLE gives them free): each mask's work is then its box's.
    """
    fused = semantic.copy()
    instances = labels.TRAIN_ID_TO_ID[semantic].astype(np.uint16)
    allowed = np.zeros(256, dtype=bool)
    allowed[labels.ids_of(rules.classes)] = True
    taken = np.zeros(semantic.shape, dtype=bool)
    counts: dict[int, int] = {}
    kept = []
    for index in np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable"):
        label_id = int(label_ids[index])
        if not allowed[label_id] or scores[index] < rules.score_threshold:
            continue
        window = _window(masks[index], None if boxes is None else boxes[index])
        mask = masks[index][window]
        area = int(mask.sum())
        if area == 0 or area < rules.min_area:
            continue
        free = mask & ~taken[window]
        visible = int(free.sum())
        if visible == 0 or visible < rules.min_visible * area:
            continue
        fused[window][free] = labels.ID_TO_TRAIN_ID[label_id]
        k = counts.get(label_id, 0)
        counts[label_id] = k + 1
        instances[window][free] = label_id * 1000 + k
        taken[window] |= free
        kept.append(int(index))
    return fused, instances, kept


def _window(mask: np.ndarray, box) -> tuple[slice, slice]:
    if box is None:
        rows, columns = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        if rows.size == 0:
            return slice(0, 0), slice(0, 0)
        return slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)
    x, y, w, h = (int(round(v)) for v in box)
    return slice(y, y + h), slice(x, x + w)


def detections_by_image(instances_json) -> dict[str, list[dict]]:
    """COCO predictions grouped by image file stem (without _leftImg8bit)."""
    from segkit.evaluation.instances import _stem, load_predictions

    data = load_predictions(instances_json)
    stems = {image["id"]: _stem(image["file_name"]) for image in data["images"]}
    grouped: dict[str, list[dict]] = {stem: [] for stem in stems.values()}
    for annotation in data["annotations"]:
        grouped[stems[annotation["image_id"]]].append(annotation)
    return grouped


def decode_detections(detections: list[dict], shape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from segkit.formats.coco import decode_mask

    from pycocotools import mask as mask_utils

    if not detections:
        return np.zeros((0, *shape), dtype=bool), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 4))
    masks = np.stack([decode_mask(d["segmentation"]) for d in detections])
    if masks.shape[1:] != tuple(shape):
        raise UserError(f"detections are {masks.shape[2]}x{masks.shape[1]} but the semantic map is {shape[1]}x{shape[0]}")
    boxes = np.array([mask_utils.toBbox({"size": d["segmentation"]["size"], "counts": d["segmentation"]["counts"].encode()
                                         if isinstance(d["segmentation"]["counts"], str) else d["segmentation"]["counts"]})
                      for d in detections])
    return (masks, np.array([d["category_id"] for d in detections]), np.array([d["score"] for d in detections], dtype=float),
            np.ceil(boxes + [0, 0, 1, 1]).astype(int))


def fuse_folder(semantic_dir: Path, instances_json: Path, out: Path, rules: FusionRules) -> dict:
    """Fuse every ``<name>_pred.png`` with its detections; writes ``<name>_pred.png`` and ``<name>_instanceIds.png``."""
    from segkit.formats.png import read_png, write_png

    grouped = detections_by_image(instances_json)
    files = sorted(p for p in Path(semantic_dir).glob("*_pred.png"))
    if not files:
        raise UserError(f"{semantic_dir}: no <name>_pred.png files (what segkit predict seg writes)")
    pasted = 0
    for path in files:
        name = path.name.removesuffix("_pred.png")
        semantic = read_png(path)
        if semantic.ndim != 2 or semantic.dtype != np.uint8:
            raise UserError(f"{path}: expected an 8-bit train-id map")
        masks, label_ids, scores, boxes = decode_detections(grouped.get(name, []), semantic.shape)
        fused, instances, kept = fuse(semantic, masks, label_ids, scores, rules, boxes)
        write_png(out / f"{name}_pred.png", fused)
        write_png(out / "instances" / f"{name}_instanceIds.png", instances)
        pasted += len(kept)
    return {"images": len(files), "pasted": pasted}
