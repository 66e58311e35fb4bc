"""Frame + metadata -> the files of one image, as bytes."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from segkit import labels
from segkit.formats.cityscapes import encode_gt, gt_path, image_path
from segkit.formats.coco import encode_mask
from segkit.formats.png import encode_png

DEPTH_MAX_MM = 65535
# Label maps and depth at level 1 (segkit.formats.png's Up-filtered zlib): far faster than segkit's default 6
# for its label maps, and still a few kB.
LABEL_LEVEL = 1


def read_meta(path) -> dict:
    """An image's meta file; a truncated or hand-edited one is a one-line error naming it."""
    from segkit.errors import UserError

    try:
        meta = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a valid meta file ({exc}); delete it and rerun generate to remake the image") from None
    if not isinstance(meta, dict) or not {"split", "city", "objects"} <= set(meta):
        raise UserError(f"{path}: not a veis-gen meta file (split, city, objects missing); delete it and rerun generate")
    return meta


def image_name(kind: str, index: int) -> str:
    return f"{kind}_000000_{index:06d}"


def relative_paths(split: str, city: str, name: str) -> dict[str, str]:
    paths = {"image": image_path("", split, city, name)}
    for kind in ("labelIds", "instanceIds", "labelTrainIds", "color", "polygons"):
        paths[kind] = gt_path("", split, city, name, kind)
    paths["veisInstanceIds"] = gt_path("", split, city, name, "veisInstanceIds")
    paths["depth"] = f"depth/{split}/{city}/{name}_depth.png"
    paths["meta"] = f"meta/{split}/{city}/{name}.json"
    return {k: str(v).lstrip("/") for k, v in paths.items()}


PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # every PNG's last 12 bytes


def is_whole(path: Path) -> bool:
    """The file is there and complete: a PNG ends with its IEND chunk, a JSON file parses. A crash can leave a
    file empty, cut short or zero-filled; each fails this. Reading a PNG's last bytes, not decoding it, keeps a
    resume over tens of thousands of images fast."""
    try:
        if path.suffix == ".png":
            with open(path, "rb") as handle:
                handle.seek(0, 2)
                if handle.tell() < 8 + 25 + len(PNG_END):  # signature, header chunk, end chunk
                    return False
                handle.seek(-len(PNG_END), 2)
                return handle.read() == PNG_END
        json.loads(path.read_bytes())
        return True
    except (OSError, ValueError):
        return False


def instance_maps(frame: dict) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Cityscapes instanceIds, our full instance map, and the visible objects with their ids.

    Objects are numbered per class in scene order, counting only those with visible pixels.
    """
    label_ids, instances = frame["label_ids"], frame["instances"]
    counts: dict[str, int] = {}
    visible = []
    areas = np.bincount(instances.ravel(), minlength=len(frame["objects"]) + 1)
    full_ids = np.zeros(len(areas), dtype=np.uint16)  # by frame["instances"] value; 0: keep the label id
    cityscapes_ids = np.zeros(len(areas), dtype=np.uint16)
    for index, obj in enumerate(frame["objects"]):
        if areas[index + 1] == 0:
            continue
        label_id = labels.BY_NAME[obj["class"]].id
        k = counts.get(obj["class"], 0)
        counts[obj["class"]] = k + 1
        instance_id = label_id * labels.INSTANCE_ID_OFFSET + k
        full_ids[index + 1] = instance_id
        if labels.HAS_INSTANCES_ID[label_id]:
            cityscapes_ids[index + 1] = instance_id
        visible.append({**obj, "frame_index": index, "instance_id": instance_id,
                        "cityscapes_instance": bool(labels.HAS_INSTANCES_ID[label_id])})
    full, cityscapes = full_ids[instances], cityscapes_ids[instances]
    return np.where(cityscapes > 0, cityscapes, label_ids), np.where(full > 0, full, label_ids), visible


def object_annotations(frame: dict, visible: list[dict], *, min_area: int) -> list[dict]:
    """Per visible object: class, asset, ids, COCO-style visible and amodal RLE masks, visible fraction."""
    from pycocotools import mask as mask_utils

    annotations = []
    columns = np.ascontiguousarray(frame["instances"].T)  # masks made from it are column-major, as RLE wants
    for obj in visible:
        mask = (columns == obj["frame_index"] + 1).T
        amodal = frame["amodal"][obj["frame_index"]] if "amodal" in frame else mask
        rle, amodal_rle = encode_mask(mask), encode_mask(amodal)
        area, amodal_area = int(np.count_nonzero(mask)), int(np.count_nonzero(amodal))
        bbox = mask_utils.toBbox({"size": rle["size"], "counts": rle["counts"].encode()}).tolist()
        annotations.append({
            "instance_id": int(obj["instance_id"]), "category_id": labels.BY_NAME[obj["class"]].id,
            "class": obj["class"], "asset": obj["asset"], "placement": obj["placement"],
            "bbox": [float(v) for v in bbox], "area": area, "iscrowd": int(area < min_area),
            "segmentation": rle, "amodal_segmentation": amodal_rle, "amodal_area": amodal_area,
            "visible_fraction": round(area / amodal_area, 6) if amodal_area else 1.0,
        })
    return annotations


def encode_frame(frame: dict, meta: dict, *, min_area: int = 10, rgb_level: int = 3) -> dict[str, bytes]:
    """Every file of one image, keyed by path relative to the dataset root. ``meta`` needs split, city,
    name, index, seed and scene (a dict); the objects and pixel counts are added here."""
    paths = relative_paths(meta["split"], meta["city"], meta["name"])
    cityscapes, full, visible = instance_maps(frame)
    files = {paths["image"]: encode_png(frame["rgb"], compress_level=rgb_level)}
    for kind, data in encode_gt(frame["label_ids"], cityscapes, compress_level=LABEL_LEVEL).items():
        files[paths[kind]] = data
    files[paths["veisInstanceIds"]] = encode_png(full, compress_level=LABEL_LEVEL)
    depth_mm = np.clip(np.round(frame["depth"] * 1000.0), 0, DEPTH_MAX_MM).astype(np.uint16)
    files[paths["depth"]] = encode_png(depth_mm, compress_level=LABEL_LEVEL)
    counts = np.bincount(frame["label_ids"].ravel(), minlength=256)
    height, width = frame["label_ids"].shape
    record = {
        **meta, "width": width, "height": height, "files": {k: v for k, v in paths.items() if k != "meta"},
        "objects": object_annotations(frame, visible, min_area=min_area),
        "pixels": {labels.BY_ID[i].name: int(counts[i]) for i in np.flatnonzero(counts)},
    }
    files[paths["meta"]] = (json.dumps(record, separators=(",", ":"), sort_keys=True) + "\n").encode()
    return files
