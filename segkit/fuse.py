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
from segkit.errors import UserError, check_fraction

CLASS_SETS = {"foreground": labels.FOREGROUND_CLASSES, "instance": labels.INSTANCE_CLASSES}


@dataclass(frozen=True)
class FusionRules:
    classes: tuple[str, ...] = labels.FOREGROUND_CLASSES
    score_threshold: float = 0.0
    min_area: int = 0
    min_visible: float = 0.0  # drop a detection whose unclaimed part is below this fraction of its mask

    def __post_init__(self):
        if not 0.0 <= self.min_visible <= 1.0:
            raise UserError(f"--min-visible: a fraction of the mask, 0..1, got {self.min_visible}")
        if self.min_area < 0:
            raise UserError(f"--min-area: expected 0 or more pixels, got {self.min_area}")
        check_fraction("--score-threshold", self.score_threshold)  # above 1 nothing would be pasted, silently


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
        instances[window][free] = label_id * labels.INSTANCE_ID_OFFSET + k
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


def detections_by_image(instances_json, gt_coco=None) -> dict[str, list[dict]]:
    """COCO predictions grouped by image key (``formats.cityscapes.image_key``); detectron2's list of results
    takes its images from ``gt_coco``."""
    from segkit.evaluation.instances import load_predictions
    from segkit.formats.cityscapes import image_key

    data = load_predictions(instances_json, gt_coco=gt_coco)
    keys = {image["id"]: image_key(image["file_name"]) for image in data["images"]}
    grouped: dict[str, list[dict]] = {key: [] for key in keys.values()}
    for annotation in data["annotations"]:
        grouped[keys[annotation["image_id"]]].append(annotation)
    return grouped


def decode_detections(detections: list[dict], shape, source) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masks (N, H, W) bool, label ids (N,), scores (N,) and boxes (N, 4: x, y, w, h, rounded out) of one
    image's detections; RLE or polygon segmentations. A mask of another size than ``shape`` is an error."""
    from segkit.formats.coco import decode_mask

    if not detections:
        return np.zeros((0, *shape), dtype=bool), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros((0, 4), dtype=int)
    masks = []
    for detection in detections:
        segmentation = detection["segmentation"]
        if isinstance(segmentation, dict) and tuple(segmentation.get("size", ())) != tuple(shape):
            size = segmentation.get("size") or ("?", "?")
            raise UserError(f"{source}: annotation {detection.get('id')} has a {size[1]}x{size[0]} mask, but the "
                            f"semantic map is {shape[1]}x{shape[0]}")
        try:
            masks.append(decode_mask(segmentation, tuple(shape)))
        except (ValueError, TypeError, KeyError) as exc:
            raise UserError(f"{source}: annotation {detection.get('id')}: unreadable segmentation ({exc})") from None
    masks = np.stack(masks)
    boxes = np.array([_box(d["segmentation"], mask) for d, mask in zip(detections, masks)], dtype=float).reshape(-1, 4)
    return (masks, np.array([d["category_id"] for d in detections]), np.array([d["score"] for d in detections], dtype=float),
            np.ceil(boxes + [0, 0, 1, 1]).astype(int))


def _box(segmentation, mask: np.ndarray) -> list[float]:
    """x, y, w, h: from the RLE itself where there is one (no pass over the mask), else from the mask."""
    from pycocotools import mask as mask_utils

    if isinstance(segmentation, dict) and not isinstance(segmentation.get("counts"), list):
        counts = segmentation["counts"]
        return mask_utils.toBbox({"size": segmentation["size"], "counts": counts.encode() if isinstance(counts, str) else counts}).tolist()
    rows, columns = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    if rows.size == 0:
        return [0.0, 0.0, 0.0, 0.0]
    return [float(columns[0]), float(rows[0]), float(columns[-1] - columns[0] + 1), float(rows[-1] - rows[0] + 1)]


def fuse_folder(semantic_dir: Path, instances_json: Path, out: Path, rules: FusionRules, *, gt_coco=None) -> dict:
    """Fuse every ``<name>_pred.png`` with its detections; writes ``<name>_pred.png`` and ``<name>_instanceIds.png``.

    Semantic maps and detections meet by image key: the Cityscapes ``<city>_<seq>_<frame>`` or the file stem.
    A map without detections keeps its labels (said on stderr); none matching at all is an error."""
    import sys

    from segkit.formats.cityscapes import image_key
    from segkit.formats.png import read_png, write_png

    if Path(out).exists() and not Path(out).is_dir():
        raise UserError(f"{out}: exists and is not a folder (--out)")
    grouped = detections_by_image(instances_json, gt_coco)
    files = sorted(p for p in Path(semantic_dir).glob("*_pred.png"))
    if not files:
        raise UserError(f"{semantic_dir}: no <name>_pred.png files (what segkit predict seg writes)")
    keys = {path: image_key(path.name) for path in files}
    unmatched = [path.name for path, key in keys.items() if key not in grouped]
    if grouped and len(unmatched) == len(files):
        raise UserError(f"{instances_json}: none of its {len(grouped)} images matches a semantic map in {semantic_dir} "
                        f"(by <city>_<seq>_<frame> or file stem): e.g. {next(iter(grouped))!r} and {keys[files[0]]!r}")
    if unmatched and any(grouped.values()):
        print(f"fuse: {len(unmatched)} of {len(files)} semantic maps have no entry in {instances_json} and keep their "
              f"labels, e.g. {unmatched[0]}", file=sys.stderr)
    mapped = set(keys.values())
    orphans = sorted(key for key, detections in grouped.items() if detections and key not in mapped)
    if orphans:
        print(f"fuse: the detections of {len(orphans)} images in {instances_json} have no semantic map in {semantic_dir} "
              f"and are not used, e.g. {orphans[0]}", file=sys.stderr)
    pasted = 0
    for path in files:
        name = path.name.removesuffix("_pred.png")
        semantic = read_png(path)
        if semantic.ndim != 2 or semantic.dtype != np.uint8:
            raise UserError(f"{path}: expected an 8-bit train-id map")
        masks, label_ids, scores, boxes = decode_detections(grouped.get(keys[path], []), semantic.shape, instances_json)
        fused, instances, kept = fuse(semantic, masks, label_ids, scores, rules, boxes)
        write_png(out / f"{name}_pred.png", fused)
        write_png(out / "instances" / f"{name}_instanceIds.png", instances)
        pasted += len(kept)
    return {"images": len(files), "pasted": pasted}
