"""`segkit bench sim2real`: trained on synthetic images only, segment real ones (the paper's claim, measured).

veis-gen makes a synthetic training set at the target's size; DeepLab and Mask R-CNN train on it from ImageNet;
they predict the real target, their outputs are fused; the target's unlabeled training images (their labels
unused) get pseudo-labels; DeepLab is trained again on synthetic + pseudo-labels. An oracle, the same DeepLab
trained on the target's real training labels, is the ceiling. Every stage caches its outputs as in
`bench table2`, so a killed run continues where it stopped.

The report gives each row's per-class IoU beside the paper's CamVid numbers (Table 4: mIoU only), the
things and stuff means, and for each thing class how much of its real pixels the detector's pasted masks
cover (recall) and how much of what it pasted is right (precision).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from segkit.bench.sim2real_report import ROWS, prediction_folder, write_report
from segkit.bench.stages import run_stage
from segkit.bench.suite import ROUNDS_HELP, Suite, check_suite_settings, pseudo_folder, row_key, selected_rows
from segkit.bench.targets import generator_flags
from segkit.config import check_choices
from segkit.data.catalog import roots_field
from segkit.data.labels_io import read_classes, space_of
from segkit.device import Device
from segkit.errors import UserError, check_at_least
from segkit.pseudo_label import PseudoMode
from segkit.train_config import DetRecipe, SegRecipe

# The best of benchmarks/results/recipe_sweep (CamVid val: oracle 54.3, synthetic only 34.2; the former SGD recipe
# on random crops, 39.5 and 27.2).
CPU_DEEPLAB = SegRecipe(model="deeplabv3plus_efficientnet_lite0", init="imagenet", iterations=400, batch_size=8,
                        optimizer="adamw", lr=1e-3, weight_decay=0.01, betas=(0.9, 0.999), schedule="onecycle", warmup=40,
                        scale=1.0, resize=240, crop=(), random_scale=(), color_jitter=False)
CPU_MASK_RCNN = DetRecipe(model="maskrcnn_efficientnet_lite0_fpn", init="imagenet", iterations=300, batch_size=2, lr=0.01,
                       weight_decay=1e-4, schedule="step", step_every=240, random_scale=(), crop=(), min_size=360,
                       max_size=480, clip_grad=10.0)


@dataclass
class Sim2RealConfig:
    out: Path = field(default=Path("results/sim2real"), metadata={"help": "data, models, predictions, report"})
    target: str = field(default="camvid:val", metadata={"help": "the real labelled images to segment"})
    unlabeled: tuple[str, ...] = field(default=("camvid:train",), metadata={"help": "real images for pseudo-labels (labels unused)"})
    oracle: str = field(default="camvid:train", metadata={"help": "the target's real training labels (the oracle row)"})
    roots: dict[str, str] = roots_field()
    only: tuple[str, ...] = field(default=(), metadata={"help": f"run only this row (repeat for several): {', '.join(ROWS)}"})
    veis: str | None = field(default=None, metadata={"help": "an existing veis-gen output to train on (else generated)"})
    source_count: int = field(default=600, metadata={"help": "synthetic images to generate"})
    size: str = field(default="", metadata={"help": "WIDTHxHEIGHT of the synthetic images (default: the target's)"})
    scenes: str = "mixed"
    seed: int = field(default=0, metadata={"help": "the synthetic data's and every model's training seed"})
    generate_workers: int = 2
    generate_config: Path | None = field(default=None, metadata={"help": "a veis-gen TOML with the generator's settings "
                                                                        "(default: the target's best known, segkit.bench.targets)"})
    seg: SegRecipe = field(default_factory=lambda: CPU_DEEPLAB, metadata={"prefix": "seg"})
    det: DetRecipe = field(default_factory=lambda: CPU_MASK_RCNN, metadata={"prefix": "det"})
    retrain_iterations: int = 150
    retrain_finetune: bool = field(default=True, metadata={"help": "start the retrain from the synthetic DeepLab"})
    pseudo_mode: PseudoMode = field(default="background", metadata={"help": "what the pseudo-labels keep (segkit "
                                                                            "pseudo-label's --mode)"})
    # 0.5: benchmarks/results/generalisation (seeds 0, 1: DeepLab & ps-GT +4.8, Ours & ps-GT +1.9 over 0).
    pseudo_class_share: float = field(default=0.5, metadata={"help": "class-balanced pseudo-labels: each class keeps "
                                                                    "its most confident share (0: off, the paper's)"})
    pseudo_rounds: int = field(default=1, metadata={"help": ROUNDS_HELP})
    predict_scale: float = 1.0
    workers: int = 2
    device: Device = "auto"
    progress: bool = True

    def __post_init__(self):
        self.out = Path(self.out)
        check_choices(self)
        check_suite_settings(self, ROWS)
        check_at_least(self, {"source_count": 1, "generate_workers": 1})
        if self.generate_config is not None and not Path(self.generate_config).is_file():
            raise UserError(f"--generate-config {self.generate_config}: file not found")


class Sim2RealSuite(Suite):
    rows = {name: (title, need) for name, (title, need, _) in ROWS.items()}
    pseudo_source = "veis"

    def __init__(self, config: Sim2RealConfig, source: Path | None):
        super().__init__(config, target=config.target)
        self.source = source  # the synthetic training set (None: the oracle alone needs none)

    def datasets(self, key: str) -> tuple[str, ...]:
        veis = f"veis:{self.source}"
        if key.startswith("retrain"):
            return (veis, f"pseudo:{pseudo_folder(self.config.out, self.round_of(key))}")
        return {"veis": (veis,), "oracle": (self.config.oracle,)}[key]


def _generate(config: Sim2RealConfig, folder: Path, size: str) -> dict:
    """veis-gen in its own process (its renderer and torch do not share one); segkit needs none of its packages."""
    veis_gen = shutil.which("veis-gen", path=str(Path(sys.executable).parent)) or shutil.which("veis-gen")
    if veis_gen is None:
        raise UserError("veis-gen is not installed here: install the generator (pip install 'veis[generate]') "
                        "or pass --veis DIR with a dataset made elsewhere")
    command = [veis_gen, "generate", "--out", str(folder), "--count", str(config.source_count), "--size", size,
               "--seed", str(config.seed), "--scenes", config.scenes, "--workers", str(config.generate_workers),
               "--progress", "false"]
    if config.generate_config is not None:
        command += ["--config", str(config.generate_config)]
    command += generator_flags(config)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        last = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        raise UserError(f"veis-gen failed for {folder}: {last}")
    return {"images": config.source_count, "size": size}


def _target_size(config: Sim2RealConfig) -> str:
    from segkit.data import catalog
    from segkit.formats.png import read_image_size

    if config.size:
        return config.size
    first = catalog.get(config.target, roots=config.roots)[0]
    height, width = read_image_size(first.image)
    return f"{width}x{height}"


def run_sim2real(config: Sim2RealConfig) -> dict:
    from segkit.data import catalog
    from segkit.device import choose_device

    choose_device(config.device)  # before any stage: a missing GPU is found now, not after the data is made

    records = [r for r in catalog.get(config.target, roots=config.roots) if r.label is not None]
    if not records:
        raise UserError(f"{config.target}: no labelled images to evaluate on")
    rows = selected_rows(config, ROWS)
    if "oracle" in rows:
        catalog.get(config.oracle, roots=config.roots)
    if any(ROWS[r][1].endswith("retrain") for r in rows):
        for data in config.unlabeled:
            catalog.records_for(data, roots=config.roots)
    if config.veis:
        source = Path(config.veis)
        catalog.get(f"veis:{source}")
    elif rows == ["oracle"]:  # trained on real labels alone: no synthetic data to make
        source = None
    else:
        source = config.out / "data" / "source"
        size = _target_size(config)
        run_stage(source, "generate source", lambda: _generate(config, source, size))
    suite = Sim2RealSuite(config, source)
    results = {name: suite.row(name) for name in rows}
    detector = {}
    for name in rows:
        kind, key = row_key(config, ROWS[name][1])
        if kind == "fuse":
            detector[name] = detector_pixels(records, config.out / "predictions" / f"seg_{key}",
                                             prediction_folder(config, name) / "instances")
    return write_report(config, results, detector)


def detector_pixels(records, semantic_dir: Path, instances_dir: Path) -> dict:
    """Per thing class: real pixels, what the detector pasted there (recall, precision) and DeepLab's own recall.

    A pixel is pasted where the fused instance map holds an instance id (label id * INSTANCE_ID_OFFSET + k)."""
    from segkit import labels
    from segkit.formats.cityscapes import label_ids_from_instance_ids
    from segkit.formats.png import read_png

    space = space_of(records)
    classes, void = space.classes, space.void
    size = max(len(classes), void) + 1
    real, pasted, hit, seg_hit = (np.zeros(size, dtype=np.int64) for _ in range(4))
    for record in records:
        gt = read_classes(record)
        instances = read_png(instances_dir / f"{record.name}_instanceIds.png")
        semantic = space.from_train_id[read_png(semantic_dir / f"{record.name}_pred.png")]
        is_pasted = instances >= labels.INSTANCE_ID_OFFSET
        pasted_class = np.full(gt.shape, void, dtype=np.int64)
        pasted_class[is_pasted] = space.from_train_id[labels.ID_TO_TRAIN_ID[label_ids_from_instance_ids(instances)[is_pasted]]]
        labelled = gt != void
        real += np.bincount(gt[labelled], minlength=size)
        pasted += np.bincount(pasted_class[is_pasted & labelled], minlength=size)
        hit += np.bincount(gt[is_pasted & labelled & (pasted_class == gt)], minlength=size)
        seg_hit += np.bincount(gt[labelled & (semantic == gt)], minlength=size)
    result = {}
    for name in space.things:
        index = classes.index(name)
        result[name] = {"real_pixels": int(real[index]), "pasted_pixels": int(pasted[index]),
                        "recall": _fraction(hit[index], real[index]), "precision": _fraction(hit[index], pasted[index]),
                        "deeplab_recall": _fraction(seg_hit[index], real[index])}
    return result


def _fraction(part, whole):
    return None if whole == 0 else float(part) / float(whole)
