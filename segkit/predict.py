"""`segkit predict seg|det`: semantic predictions as train-id PNGs, instance predictions as one COCO file.

Semantic: ``<image name>_pred.png`` (train ids, 255 nowhere) and, with ``--confidence``,
``confidence/<name>_conf.png`` (16-bit, the winning class's probability times 65535). Full resolution, optionally by sliding windows, with
optional horizontal-flip test-time augmentation. Instances: ``instances.json`` whose images name the input
files and whose annotations hold RLE masks, boxes, Cityscapes category ids and ``score``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segkit.config import check_choices, to_toml
from segkit.data.catalog import roots_field
from segkit.data.transforms import check_input_size
from segkit.device import Device, choose_device
from segkit.errors import UserError, check_at_least, check_fraction
from segkit.train_config import Task


@dataclass
class PredictConfig:
    task: Task = field(default="seg", metadata={"help": "semantic (PNGs) or instances (COCO)"})
    checkpoint: Path = field(default=None, metadata={"help": "a checkpoint written by segkit train"})
    data: str = field(default=None, metadata={"help": "a dataset name (cityscapes:val) or a folder of images"})
    out: Path = field(default=None, metadata={"help": "output folder"})
    scale: float = field(default=1.0, metadata={"help": "resize the input by this before the network"})
    resize: int | None = field(default=None, metadata={"help": "seg: resize the input to this shorter side before the "
                                                              "network (default: the training run's --resize; 0: off)"})
    window: tuple[int, ...] = field(default=(), metadata={"help": "sliding-window height and width (seg)"})
    flip: bool = field(default=False, metadata={"help": "average with the horizontally flipped image (seg)"})
    confidence: bool = field(default=False, metadata={"help": "also write 16-bit confidence PNGs (seg)"})
    score_threshold: float = field(default=0.05, metadata={"help": "det: keep detections scoring at least this"})
    mask_threshold: float = 0.5
    batch_size: int = 1
    device: Device = "auto"
    roots: dict[str, str] = roots_field()

    def __post_init__(self):
        for name in ("checkpoint", "data", "out"):
            if getattr(self, name) is None:
                raise UserError(f"--{name} is required")
        self.checkpoint, self.out = Path(self.checkpoint), Path(self.out)
        check_choices(self, positional=("task",))
        check_input_size(self.scale, self.resize)
        check_fraction("--score-threshold", self.score_threshold)
        check_fraction("--mask-threshold", self.mask_threshold)
        check_at_least(self, {"batch_size": 1})
        if self.window and (len(self.window) != 2 or min(self.window) < 1):
            raise UserError(f"--window: expected a height and a width of at least 1 pixel, got {list(self.window)}")


def input_resize(saved: dict, scale: float, resize: int | None) -> int:
    """The shorter side a segmenter sees its inputs at: ``resize`` where given, else the training run's
    ``--resize`` (``saved``: its config) unless a ``scale`` is asked for; 0 for none."""
    if resize is not None:
        return resize
    return saved.get("resize", 0) if scale == 1.0 else 0


def load_model(checkpoint: Path, task: str, device):
    """The model in eval mode on ``device`` and the config it was trained with."""
    from segkit.checkpoint import load_checkpoint
    from segkit.models import build_model

    state = load_checkpoint(checkpoint)
    saved = state.get("config", {})
    if saved.get("task") != task:
        raise UserError(f"{checkpoint}: a {saved.get('task')} checkpoint, not {task}")
    # Mask R-CNN's resize as the run set it; where it did not, the model's own (as training built it)
    extra = {k: saved[k] for k in ("min_size", "max_size") if task == "det" and saved.get(k) is not None}
    model = build_model(saved["model"], task=task, init="none", **extra)
    model.load_state_dict(state["model"])
    return model.to(device).eval(), saved


def segment(model, batch, *, scale: float = 1.0, resize: int = 0, flip: bool = False, window: tuple[int, ...] = ()):
    """(B, C, H, W) class probabilities of normalised (B, 3, H, W) images, at their full size: the model run at
    ``scale`` (or with the shorter side at ``resize`` pixels), on the image and its mirror averaged (``flip``), in
    overlapping ``window``s (height, width)."""
    import torch.nn.functional as F

    from segkit.data.transforms import short_side_scale

    height, width = batch.shape[-2:]
    if resize:
        scale = short_side_scale(height, width, resize)
    if scale != 1.0:
        batch = F.interpolate(batch, scale_factor=scale, mode="bilinear", align_corners=False)
    views = [batch, batch.flip(-1)] if flip else [batch]
    total = 0
    for index, view in enumerate(views):
        if window:
            probabilities = sliding_window(model, view, tuple(window))
        else:
            probabilities = model(view).softmax(1)
        total = total + (probabilities.flip(-1) if index == 1 else probabilities)
    total = total / len(views)
    return F.interpolate(total, size=(height, width), mode="bilinear", align_corners=False)


def sliding_window(model, batch, window: tuple[int, int]):
    """Windows of ``window`` overlapping by a third, their probabilities averaged."""
    import torch

    count, _, height, width = batch.shape
    win_h, win_w = min(window[0], height), min(window[1], width)
    stride_h, stride_w = max(1, win_h * 2 // 3), max(1, win_w * 2 // 3)
    tops = list(range(0, max(height - win_h, 0) + 1, stride_h))
    lefts = list(range(0, max(width - win_w, 0) + 1, stride_w))
    if tops[-1] + win_h < height:
        tops.append(height - win_h)
    if lefts[-1] + win_w < width:
        lefts.append(width - win_w)
    total, counts = None, torch.zeros((count, 1, height, width), device=batch.device)
    for top in tops:
        for left in lefts:
            probabilities = model(batch[:, :, top:top + win_h, left:left + win_w]).softmax(1)
            if total is None:
                total = torch.zeros((count, probabilities.shape[1], height, width), device=batch.device)
            total[:, :, top:top + win_h, left:left + win_w] += probabilities
            counts[:, :, top:top + win_h, left:left + win_w] += 1
    return total / counts


def _batches(records, size: int):
    """Consecutive records in groups of ``size``, split where the image size changes (a batch is one tensor)."""
    from segkit.formats.png import read_image_size

    batch, shape = [], None
    for record in records:
        this = read_image_size(record.image) if str(record.image).endswith(".png") else None
        if batch and (len(batch) == size or this != shape or this is None):
            yield batch
            batch = []
        batch.append(record)
        shape = this
    if batch:
        yield batch


def predict(config: PredictConfig) -> dict:
    import torch

    from segkit.data import catalog
    from segkit.data.torch_data import normalise, read_image
    from segkit.formats.atomic import write_json, write_text
    from segkit.formats.coco import CocoBuilder
    from segkit.formats.png import write_png
    from segkit.models.outputs import detections_to_coco

    device = choose_device(config.device)
    records = catalog.records_for(config.data, roots=config.roots)
    model, saved = load_model(config.checkpoint, config.task, device)
    resize = input_resize(saved, config.scale, config.resize)
    config.out.mkdir(parents=True, exist_ok=True)
    write_text(config.out / "config.toml", to_toml(config))
    builder = CocoBuilder()
    with torch.no_grad():
        for batch in _batches(records, config.batch_size):
            images = [read_image(record.image) for record in batch]
            if config.task == "seg":
                probabilities = segment(model, torch.stack([normalise(i) for i in images]).to(device), scale=config.scale,
                                        resize=resize, flip=config.flip, window=tuple(config.window))
                confidences, classes = probabilities.max(1)
                for record, confidence, labels_map in zip(batch, confidences, classes):
                    write_png(config.out / f"{record.name}_pred.png", labels_map.cpu().numpy().astype(np.uint8))
                    if config.confidence:
                        write_png(config.out / "confidence" / f"{record.name}_conf.png",
                                  np.round(confidence.cpu().numpy() * 65535).astype(np.uint16))
            else:
                tensors = [torch.from_numpy(i.astype(np.float32).transpose(2, 0, 1) / 255.0).to(device) for i in images]
                for record, image, output in zip(batch, images, model(tensors)):
                    image_id = builder.add_image(str(record.image), *image.shape[:2])
                    for result in detections_to_coco(output, image_id, mask_threshold=config.mask_threshold,
                                                     score_threshold=config.score_threshold):
                        builder.add_encoded(result.pop("image_id"), **result, iscrowd=0)
    if config.task == "det":
        write_json(config.out / "instances.json", builder.to_dict())
    return {"images": len(records), "device": str(device), "out": str(config.out)}

