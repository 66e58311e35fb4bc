"""`segkit bench proxy`: the Table 2 pipeline on a CPU in under half an hour, on generated data.

A source domain and a target domain come from veis-gen with the same shapes but another appearance (the
target: flat recoloured materials, blur, noise, another tone curve). Small models at low resolution run the
rows DeepLab on source, Ours (DeepLab + Mask R-CNN on source, fused), DeepLab + pseudo-GT of unlabeled target
images, and Ours & ps-GT; all are evaluated on labelled target images. It exercises every stage the real
suite uses and shows whether detection-based fusion helps under a texture shift. It is not Cityscapes.
"""
from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from segkit.bench.stages import run_stage
from segkit.bench.table2 import Suite, Table2Config
from segkit.errors import UserError

ROWS = {"source": ("DeepLab on source", "seg:gta5"), "ours": ("Ours: DeepLab + Mask R-CNN, fused", "fuse:gta5"),
        "source_psgt": ("DeepLab on source + target pseudo-GT", "seg:retrain"),
        "ours_psgt": ("Ours & ps-GT", "fuse:retrain")}


@dataclass
class ProxyConfig:
    out: Path = field(default=Path("results/proxy"), metadata={"help": "data, models, predictions, report"})
    size: str = "256x128"
    source_count: int = 400
    target_count: int = 100
    unlabeled_count: int = 200
    seed: int = 0
    generate_workers: int = 2
    seg_model: str = "deeplabv3_mobilenet_v3_large"
    det_model: str = "maskrcnn_resnet18_fpn_tiny"
    seg_iterations: int = 600
    det_iterations: int = 600
    retrain_iterations: int = 400
    batch_size: int = 4
    pseudo_mode: str = "background"
    workers: int = 2
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        self.out = Path(self.out)


def _generate(folder: Path, *, count: int, size: str, seed: int, split: str, appearance: str, workers: int) -> dict:
    """veis-gen in its own process: renderers and torchvision do not share a process."""
    command = [sys.executable, "-m", "veis_gen.cli", "generate", "--out", str(folder), "--count", str(count), "--size", size,
               "--seed", str(seed), "--split", split, "--appearance", appearance, "--workers", str(workers), "--progress", "false"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise UserError(f"veis-gen failed for {folder}: {result.stderr.strip().splitlines()[-1] if result.stderr else result.returncode}")
    return {"images": count, "appearance": appearance}


class ProxySuite(Suite):
    rows = ROWS

    def __init__(self, config: Table2Config, source: Path):
        super().__init__(config)
        self.source = source

    def check_data(self, rows) -> None:
        pass

    def datasets(self, key: str) -> tuple[str, ...]:
        source = f"veis:{self.source}"
        if key == "retrain":
            return source, f"pseudo:{self.config.out / 'pseudo'}"
        return (source,)


def run_proxy(config: ProxyConfig) -> dict:
    data = config.out / "data"
    jobs = {"source": (config.source_count, config.seed, "train", "default"),
            "target": (config.target_count, config.seed + 1000, "val", "shifted"),
            "target_unlabeled": (config.unlabeled_count, config.seed + 2000, "train", "shifted")}
    for name, (count, seed, split, appearance) in jobs.items():
        run_stage(data / name, f"generate {name}", lambda n=name, c=count, s=seed, sp=split, a=appearance: _generate(
            data / n, count=c, size=config.size, seed=s, split=sp, appearance=a, workers=config.generate_workers))
    width, height = (int(v) for v in config.size.split("x"))
    table = Table2Config(
        out=config.out, veis=str(data / "source"), val=f"veis:{data / 'target'}:val",
        unlabeled=(f"folder:{data / 'target_unlabeled' / 'leftImg8bit'}",), seg_model=config.seg_model, seg_init="none",
        seg_iterations=config.seg_iterations, seg_lr=0.02, seg_schedule="poly", seg_batch_size=config.batch_size,
        seg_scale=1.0, det_model=config.det_model, det_init="none", det_iterations=config.det_iterations, det_lr=0.01,
        det_step_every=max(1, int(config.det_iterations * 0.8)), det_batch_size=config.batch_size, det_min_size=height,
        det_max_size=width, retrain_iterations=config.retrain_iterations, pseudo_mode=config.pseudo_mode,
        predict_scale=1.0, workers=config.workers, device=config.device, progress=config.progress)
    suite = ProxySuite(table, data / "source")
    return write_report(config, {name: suite.row(name) for name in ROWS})


def write_report(config: ProxyConfig, results: dict) -> dict:
    from segkit import labels
    from segkit.formats.atomic import write_json, write_text

    rows = {}
    lines = ["# Proxy benchmark (generated data; not Cityscapes)", "",
             f"Source: {config.source_count} veis-gen images (default appearance); target: the same generator with a shifted "
             f"appearance (flat recoloured materials, blur, noise, tone curve): {config.unlabeled_count} unlabeled images "
             f"for pseudo-labels, {config.target_count} labelled for evaluation. {config.size}, {config.seg_model} and "
             f"{config.det_model} from scratch. IoU (%).", "",
             "| row | mIoU | foreground (10) | background (9) | " + " | ".join(labels.TRAIN_CLASSES) + " |",
             "|---|---|---|---|" + "---|" * len(labels.TRAIN_CLASSES)]
    for name, metrics in results.items():
        def pct(key):
            value = metrics.get(key)
            return None if value is None else round(100 * value, 2)
        rows[name] = {"row": ROWS[name][0], "mIoU": pct("mIoU"), "mIoU_foreground": pct("mIoU_foreground"),
                      "mIoU_background": pct("mIoU_background"),
                      "iou": {c: pct(f"IoU-{c}") for c in labels.TRAIN_CLASSES}}
        cells = ["n/a" if v is None else f"{v:.1f}" for v in rows[name]["iou"].values()]
        lines.append(f"| {ROWS[name][0]} | {rows[name]['mIoU']} | {rows[name]['mIoU_foreground']} | "
                     f"{rows[name]['mIoU_background']} | " + " | ".join(cells) + " |")
    write_text(config.out / "proxy.md", "\n".join(lines) + "\n")
    report = {"note": "generated data, not Cityscapes", "rows": rows}
    write_json(config.out / "proxy.json", report, indent=1)
    return report
