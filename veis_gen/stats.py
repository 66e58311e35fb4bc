"""Table-1-style statistics of a generated dataset, from its meta files (no pixels read)."""
from __future__ import annotations

from pathlib import Path

from segkit import labels
from segkit.errors import UserError
from veis_gen.writers.files import read_meta


def dataset_stats(root: Path) -> dict:
    metas = sorted((root / "meta").glob("*/*/*.json"))
    if not metas:
        raise UserError(f"{root}: no generated images (expected meta/<split>/<city>/*.json)")
    instances = {c: 0 for c in labels.FOREGROUND_CLASSES}
    models: dict[str, set] = {c: set() for c in labels.FOREGROUND_CLASSES}
    pixels: dict[str, int] = {}
    images: dict[str, int] = {}
    splits: dict[str, int] = {}
    for path in metas:
        meta = read_meta(path)
        images[meta["city"]] = images.get(meta["city"], 0) + 1
        splits[meta["split"]] = splits.get(meta["split"], 0) + 1
        for obj in meta["objects"]:
            instances[obj["class"]] += 1
            models[obj["class"]].add(obj["asset"])
        for name, count in meta["pixels"].items():
            pixels[name] = pixels.get(name, 0) + count
    return {"images": len(metas), "images_per_scene": images, "images_per_split": splits,
            "instances_per_class": instances, "models_per_class": {c: len(m) for c, m in models.items()},
            "pixels_per_class": dict(sorted(pixels.items(), key=lambda item: -item[1]))}


def format_stats(stats: dict) -> str:
    kinds = ", ".join(f"{k}: {v}" for k, v in sorted(stats["images_per_scene"].items()))
    lines = [f"{stats['images']} images ({kinds})", "",
             f"{'':<16}" + "".join(f"{c.replace('traffic ', ''):>11}" for c in labels.FOREGROUND_CLASSES),
             f"{'unique models':<16}" + "".join(f"{stats['models_per_class'][c]:>11}" for c in labels.FOREGROUND_CLASSES),
             f"{'instances':<16}" + "".join(f"{stats['instances_per_class'][c]:>11,}" for c in labels.FOREGROUND_CLASSES),
             "", f"{'class':<16}{'pixels':>16}{'share':>9}"]
    total = sum(stats["pixels_per_class"].values()) or 1
    for name, count in stats["pixels_per_class"].items():
        lines.append(f"{name:<16}{count:>16,}{100 * count / total:>8.2f}%")
    return "\n".join(lines)
