"""`segkit pseudo-label`: labels for unlabeled real images from the trained models (the paper's pseudo-GT).

mode ``background``: DeepLab's label where it is a background class; ignored (255) where it is a foreground
class. mode ``fused``: the fused map (Mask R-CNN's instances pasted over DeepLab's labels). Pixels whose
confidence is under the threshold (one for all, or per class) are ignored too. Writes a Cityscapes-layout
tree (images linked, not copied) that the catalog reads as ``pseudo:<DIR>``, so retraining on synthetic GT +
real pseudo-GT is a config listing both datasets.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from segkit import labels
from segkit.config import check_choices, to_toml
from segkit.data.catalog import roots_field
from segkit.data.transforms import check_input_size
from segkit.device import Device, choose_device
from segkit.errors import UserError, check_fraction

PseudoMode = Literal["background", "fused"]


@dataclass
class PseudoLabelConfig:
    seg: Path = field(default=None, metadata={"help": "the DeepLab checkpoint"})
    det: Path | None = field(default=None, metadata={"help": "the Mask R-CNN checkpoint (mode fused)"})
    data: str = field(default=None, metadata={"help": "unlabeled images: a dataset name or a folder"})
    mode: PseudoMode = field(default="background", metadata={"help": "DeepLab's background classes, or the fused map "
                                                                     "(needs --det)"})
    out: Path = field(default=None, metadata={"help": "output folder (Cityscapes layout)"})
    split: str = field(default="train", metadata={"help": "the split folder to write"})
    min_confidence: float = field(default=0.0, metadata={"help": "ignore pixels less confident than this"})
    class_confidence: dict[str, float] = field(default_factory=dict, metadata={"help": "per class, e.g. car=0.9"})
    class_share: float = field(default=0.0, metadata={"help": "class-balanced (CBST): each class keeps the most confident "
                                                             "share of the pixels predicted as it, e.g. 0.5 (0: off)"})
    scale: float = 1.0
    resize: int | None = field(default=None, metadata={"help": "resize to this shorter side before DeepLab "
                                                              "(default: its training run's --resize; 0: off)"})
    flip: bool = False
    score_threshold: float = field(default=0.0, metadata={"help": "det: keep detections scoring at least this"})
    device: Device = "auto"
    roots: dict[str, str] = roots_field()

    def __post_init__(self):
        for name in ("seg", "data", "out"):
            if getattr(self, name) is None:
                raise UserError(f"--{name} is required")
        self.seg, self.out = Path(self.seg), Path(self.out)
        check_choices(self)
        if self.mode == "fused" and self.det is None:
            raise UserError("--mode fused needs --det (the Mask R-CNN checkpoint)")
        check_input_size(self.scale, self.resize)
        unknown = set(self.class_confidence) - set(labels.TRAIN_CLASSES)
        if unknown:
            raise UserError(f"--class-confidence: unknown class(es) {', '.join(sorted(unknown))}")
        check_fraction("--min-confidence", self.min_confidence)
        check_fraction("--class-share", self.class_share)
        check_fraction("--score-threshold", self.score_threshold)
        for name, value in self.class_confidence.items():
            check_fraction(f"--class-confidence {name}", value)


def pseudo_labels(semantic: np.ndarray, confidence: np.ndarray, *, mode: PseudoMode, thresholds: np.ndarray,
                  fused: np.ndarray | None = None) -> np.ndarray:
    """(H, W) uint8 train ids of the pseudo-labels; 255 where ignored."""
    foreground = np.zeros(256, dtype=bool)
    foreground[labels.train_ids_of(labels.FOREGROUND_CLASSES)] = True
    result = semantic.copy() if mode == "background" else fused.copy()
    if mode == "background":
        result[foreground[semantic]] = labels.IGNORE_TRAIN_ID
    uncertain = confidence < thresholds[semantic]
    if mode == "fused":  # a pasted instance is as sure as its detection passed the score threshold
        uncertain &= fused == semantic
    result[uncertain] = labels.IGNORE_TRAIN_ID
    return result


BINS = 1000  # confidence histogram bins over [0, 1]: class shares are kept to 1/BINS of confidence


def share_thresholds(histograms: np.ndarray, share: float) -> np.ndarray:
    """Per class, the confidence from which its most confident ``share`` of predicted pixels begins (CBST's
    class-balanced thresholds, so small classes keep as large a share as large ones). ``histograms``: (classes,
    BINS) pixel counts of the confidences of the pixels predicted as each class."""
    from_top = np.cumsum(histograms[:, ::-1], axis=1)
    wanted = share * histograms.sum(axis=1, keepdims=True)
    first = np.argmax(from_top >= np.maximum(wanted, 1e-9), axis=1)  # bins from the top needed to hold the share
    return ((BINS - 1 - first) / BINS).astype(np.float32)


def confidence_histograms(semantic: np.ndarray, confidence: np.ndarray, classes: int = 256) -> np.ndarray:
    bins = np.minimum((confidence * BINS).astype(np.int64), BINS - 1)
    return np.bincount(semantic.astype(np.int64).ravel() * BINS + bins.ravel(), minlength=classes * BINS).reshape(classes, BINS)


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.link")
    if temporary.exists() or temporary.is_symlink():
        temporary.unlink()
    os.symlink(os.path.abspath(source), temporary)
    os.replace(temporary, target)


def run(config: PseudoLabelConfig) -> dict:
    import torch

    from segkit.data import catalog
    from segkit.data.torch_data import normalise, read_image
    from segkit.formats.atomic import write_text
    from segkit.formats.cityscapes import image_path, write_gt
    from segkit.fuse import FusionRules, decode_detections, fuse
    from segkit.models.outputs import detections_to_coco
    from segkit.predict import input_resize, load_model, segment

    device = choose_device(config.device)
    records = catalog.records_for(config.data, roots=config.roots)
    seg_model, trained = load_model(config.seg, "seg", device)
    resize = input_resize(trained, config.scale, config.resize)
    det_model = load_model(Path(config.det), "det", device)[0] if config.mode == "fused" else None
    thresholds = np.full(256, config.min_confidence, dtype=np.float32)
    for name, value in config.class_confidence.items():
        thresholds[labels.BY_NAME[name].train_id] = value

    def predicted(image):
        probabilities = segment(seg_model, normalise(image)[None].to(device), scale=config.scale, resize=resize,
                                flip=config.flip)[0]
        confidence, semantic = (t.cpu().numpy() for t in probabilities.max(0))
        return semantic.astype(np.uint8), confidence

    if config.class_share > 0:  # a first pass for the class-balanced thresholds: predictions are deterministic
        with torch.no_grad():
            counts = sum(confidence_histograms(*predicted(read_image(r.image))) for r in records)
        thresholds = np.maximum(thresholds, share_thresholds(counts, config.class_share))
    config.out.mkdir(parents=True, exist_ok=True)
    write_text(config.out / "pseudo_label.toml", to_toml(config))
    ignored = total = 0
    with torch.no_grad():
        for record in records:
            image = read_image(record.image)
            semantic, confidence = predicted(image)
            fused = None
            if det_model is not None:
                tensor = torch.from_numpy(image.astype(np.float32).transpose(2, 0, 1) / 255.0).to(device)
                detections = detections_to_coco(det_model([tensor])[0], 0, score_threshold=config.score_threshold)
                masks, classes, scores, _ = decode_detections(detections, semantic.shape, record.image)
                fused = fuse(semantic, masks, classes, scores, FusionRules())[0]
            train_ids = pseudo_labels(semantic, confidence, mode=config.mode, thresholds=thresholds, fused=fused)
            label_ids = labels.TRAIN_ID_TO_ID[train_ids]
            city = record.city or "pseudo"
            write_gt(config.out, config.split, city, record.name, label_ids=label_ids, instance_ids=label_ids.astype(np.uint16),
                     polygons=False, color=False)
            _link(record.image, image_path(config.out, config.split, city, record.name))
            ignored += int((train_ids == labels.IGNORE_TRAIN_ID).sum())
            total += train_ids.size
    return {"images": len(records), "ignored": ignored / max(total, 1), "out": str(config.out)}
