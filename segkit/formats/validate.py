"""Checks a Cityscapes-layout tree: files present, sizes, known ids, instanceIds and trainIds agreeing."""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segkit import labels
from segkit.errors import UserError
from segkit.labels import INSTANCE_ID_OFFSET
from segkit.formats.cityscapes import IMAGE_DIR, CityscapesRecord, check_consistent, list_records
from segkit.formats.png import read_png


@dataclass
class RecordReport:
    problems: list[str] = field(default_factory=list)
    pixels: np.ndarray = field(default_factory=lambda: np.zeros(256, dtype=np.int64))
    instances: np.ndarray = field(default_factory=lambda: np.zeros(256, dtype=np.int64))
    labelled: bool = False


def _read(path: Path, report: RecordReport) -> np.ndarray | None:
    try:
        return read_png(path)
    except UserError as exc:
        report.problems.append(str(exc))
        return None


def _size(array: np.ndarray) -> str:
    return f"{array.shape[1]}x{array.shape[0]}"


def check_record(record: CityscapesRecord, labelled_split: bool) -> RecordReport:
    report = RecordReport()
    any_gt = record.label_ids or record.instance_ids or record.label_train_ids
    if record.image is None:
        report.problems.append(f"{any_gt}: label files but no image (expected {record.name}_leftImg8bit.png)")
        return report
    image = _read(record.image, report)
    if image is not None and (image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] not in (3, 4)):
        report.problems.append(f"{record.image}: expected an 8-bit RGB image, got {image.dtype} with shape {image.shape}")
    if not labelled_split:
        return report
    for kind, path in (("labelIds", record.label_ids), ("instanceIds", record.instance_ids)):
        if path is None:
            report.problems.append(f"{record.image}: missing gtFine {kind} file ({record.name}_gtFine_{kind}.png)")
    if record.label_ids is None or image is None:
        return report
    label_ids = _read(record.label_ids, report)
    if label_ids is None:
        return report
    if label_ids.ndim != 2 or label_ids.dtype != np.uint8:
        report.problems.append(f"{record.label_ids}: expected an 8-bit single-channel label image, got {label_ids.dtype} with shape {label_ids.shape}")
        return report
    if label_ids.shape != image.shape[:2]:
        report.problems.append(f"{record.label_ids}: size {_size(label_ids)} differs from the image's {_size(image)}")
        return report
    report.labelled = True
    counts = np.bincount(label_ids.ravel(), minlength=256)
    unknown = np.flatnonzero((counts > 0) & ~labels.IS_KNOWN_ID)
    if unknown.size:
        ids = ", ".join(str(i) for i in unknown)
        report.problems.append(f"{record.label_ids}: unknown label id(s) {ids} ({int(counts[unknown].sum())} pixels)")
    report.pixels += counts

    if record.instance_ids is not None:
        instance_ids = _read(record.instance_ids, report)
        if instance_ids is not None:
            if instance_ids.ndim != 2 or instance_ids.dtype != np.uint16:
                report.problems.append(f"{record.instance_ids}: expected a 16-bit single-channel image, got {instance_ids.dtype} with shape {instance_ids.shape}")
            elif instance_ids.shape != label_ids.shape:
                report.problems.append(f"{record.instance_ids}: size {_size(instance_ids)} differs from the image's {_size(image)}")
            else:
                problem = check_consistent(label_ids, instance_ids)
                if problem:
                    report.problems.append(f"{record.instance_ids}: {problem}")
                ids = np.unique(instance_ids[instance_ids >= INSTANCE_ID_OFFSET])
                np.add.at(report.instances, np.minimum(ids // INSTANCE_ID_OFFSET, 255), 1)

    if record.label_train_ids is not None:
        train_ids = _read(record.label_train_ids, report)
        if train_ids is not None:
            if train_ids.ndim != 2 or train_ids.shape != label_ids.shape:
                report.problems.append(f"{record.label_train_ids}: shape {train_ids.shape} differs from labelIds' {label_ids.shape}")
            else:
                expected = labels.ID_TO_TRAIN_ID[label_ids]
                bad = train_ids != expected
                if bad.any():
                    y, x = np.argwhere(bad)[0]
                    report.problems.append(
                        f"{record.label_train_ids}: {int(bad.sum())} pixels whose train id disagrees with labelIds "
                        f"(first at x={x}, y={y}: {train_ids[y, x]}, expected {expected[y, x]})")
    return report


def _check_one(args) -> RecordReport:
    return check_record(*args)


def check_tree(root, *, splits=None, workers: int | None = None) -> dict:
    """Check every image under ``root``; returns the summary, with ``problems`` one line each."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: no such folder")
    if not (root / IMAGE_DIR).is_dir():
        raise UserError(f"{root}: not a Cityscapes-layout tree (expected a folder {root / IMAGE_DIR})")
    records = list_records(root, splits=splits)
    if not records:
        raise UserError(f"{root}: no images found under {root / IMAGE_DIR}/<split>/<city>/")
    # A split with no gtFine folder at all is unlabeled (like train_extra); elsewhere labels are required.
    labelled_splits = {split.name for split in (root / "gtFine").glob("*") if split.is_dir()}
    jobs = [(record, record.split in labelled_splits) for record in records]
    workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if workers > 1 and len(jobs) > 4 * workers:
        with ProcessPoolExecutor(workers) as pool:
            reports = list(pool.map(_check_one, jobs, chunksize=8))
    else:
        reports = [_check_one(job) for job in jobs]

    pixels = sum((r.pixels for r in reports), np.zeros(256, dtype=np.int64))
    instances = sum((r.instances for r in reports), np.zeros(256, dtype=np.int64))
    splits_summary: dict[str, dict[str, int]] = {}
    for record, report in zip(records, reports):
        entry = splits_summary.setdefault(record.split, {"images": 0, "labelled": 0})
        entry["images"] += record.image is not None
        entry["labelled"] += report.labelled
    return {
        "root": str(root),
        "images": sum(entry["images"] for entry in splits_summary.values()),
        "splits": splits_summary,
        "pixels_per_class": {lab.name: int(pixels[lab.id]) for lab in labels.IMAGE_LABELS if pixels[lab.id]},
        "instances_per_class": {lab.name: int(instances[lab.id]) for lab in labels.IMAGE_LABELS if instances[lab.id]},
        "problems": [problem for report in reports for problem in report.problems],
    }


def format_summary(summary: dict) -> str:
    splits = ", ".join(f"{name}: {s['images']} images, {s['labelled']} labelled" for name, s in summary["splits"].items())
    lines = [f"{summary['root']}: {summary['images']} images ({splits})"]
    total = sum(summary["pixels_per_class"].values()) or 1
    lines.append(f"{'class':<22}{'pixels':>14}{'share':>9}{'instances':>11}")
    for name, count in summary["pixels_per_class"].items():
        instances = summary["instances_per_class"].get(name, "")
        lines.append(f"{name:<22}{count:>14,}{100 * count / total:>8.2f}%{instances:>11}")
    problems = len(summary["problems"])
    lines.append(f"{problems} problem{'s' if problems != 1 else ''}" if problems else "no problems")
    return "\n".join(lines)
