"""`segkit bench table2`: the rows of the paper's Table 2, re-run end to end, beside the paper's numbers.

Rows: DeepLab on GTA5, on VEIS, on GTA5+VEIS; Ours (DeepLab on GTA5 + Mask R-CNN on VEIS, fused); DeepLab
retrained on GTA5+VEIS and real pseudo-GT; Ours & ps-GT (that DeepLab fused with the Mask R-CNN). Every stage
(train, predict, fuse, pseudo-label, retrain, evaluate) caches its outputs and is skipped once done.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from segkit import labels
from segkit.bench.stages import run_stage
from segkit.data.catalog import roots_field
from segkit.device import check_device_name
from segkit.errors import UserError, check_at_least, check_fraction
from segkit.train_config import DetRecipe, SegRecipe, TrainConfig

PAPER = Path(__file__).with_name("paper_table2.json")  # package data: a wheel install has it too
ROWS = {  # our row -> (the paper's row, what it needs)
    "gta5": ("GTA5", "seg:gta5"),
    "veis": ("VEIS", "seg:veis"),
    "gta5_veis": ("GTA5+VEIS", "seg:gta5_veis"),
    "ours": ("Ours (DeepLab + Mask R-CNN)", "fuse:gta5"),
    "gta5_veis_psgt": ("GTA5+VEIS & ps-GT", "seg:retrain"),
    "ours_psgt": ("Ours & ps-GT", "fuse:retrain"),
}
DOWNLOAD = {
    "cityscapes": "download leftImg8bit_trainvaltest (and leftImg8bit_trainextra for pseudo-labels) and gtFine_trainvaltest from the Cityscapes website into that folder",
    "gta5": "download the images and labels of GTA5 ('Playing for Data') into <folder>/images and <folder>/labels",
    "veis": "make it with: veis-gen generate --out <folder> --scenes mixed --count 61000",
}

ROUNDS_HELP = ("self-training rounds: each round after the first pseudo-labels the unlabeled images again with the "
               "last round's retrained DeepLab and retrains from it")


def retrain_key(round_: int) -> str:
    """The models, predictions and pseudo-labels of self-training round ``round_`` (1: the paper's): the first keeps
    the single-round names, so a finished run's first round serves a run of more rounds."""
    return "retrain" if round_ == 1 else f"retrain_round{round_}"


def pseudo_folder(out: Path, round_: int) -> Path:
    return out / ("pseudo" if round_ == 1 else f"pseudo_round{round_}")


def row_key(config, row_need: str) -> tuple[str, str]:
    """A row's (kind, key) from its need ("seg:retrain"): the retrain rows take the last round's."""
    kind, key = row_need.split(":")
    return kind, retrain_key(config.pseudo_rounds) if key == "retrain" else key


PAPER_DEEPLAB = SegRecipe(model="deeplab_largefov_vgg16", init="imagenet", iterations=120000, batch_size=1, lr=2.5e-4,
                       schedule="step", step_every=40000, scale=0.5, random_scale=())
PAPER_MASK_RCNN = DetRecipe(model="maskrcnn_resnext101_64x4d_fpn", init="imagenet", iterations=200000, batch_size=1,
                         lr=1e-3, weight_decay=1e-4, schedule="step", step_every=100000, random_scale=(), crop=(),
                         min_size=1024, max_size=2048, clip_grad=10.0)


@dataclass
class Table2Config:
    out: Path = field(default=Path("results/table2"), metadata={"help": "where models, predictions and reports go"})
    roots: dict[str, str] = roots_field()
    veis: str | None = field(default=None, metadata={"help": "a veis-gen output folder"})
    val: str = "cityscapes:val"
    unlabeled: tuple[str, ...] = field(default=("cityscapes:train", "cityscapes:train_extra"),
                                       metadata={"help": "real images for pseudo-labels"})
    only: tuple[str, ...] = field(default=(), metadata={"help": f"run only this row (repeat for several): {', '.join(ROWS)}"})
    seg: SegRecipe = field(default_factory=lambda: PAPER_DEEPLAB, metadata={"prefix": "seg"})
    det: DetRecipe = field(default_factory=lambda: PAPER_MASK_RCNN, metadata={"prefix": "det"})
    retrain_iterations: int = 120000
    retrain_finetune: bool = field(default=False, metadata={"help": "start the retrain from the model that made the pseudo-labels"})
    pseudo_mode: str = field(default="background", metadata={"help": "background or fused"})
    pseudo_class_share: float = field(default=0.0, metadata={"help": "class-balanced pseudo-labels: each class keeps "
                                                                    "its most confident share (0: off)"})
    pseudo_rounds: int = field(default=1, metadata={"help": ROUNDS_HELP})
    predict_scale: float = field(default=0.5, metadata={"help": "DeepLab sees val images at this scale"})
    seed: int = field(default=0, metadata={"help": "every model's training seed (data order, augmentation, init)"})
    workers: int = 4
    device: str = "auto"
    progress: bool = True

    def __post_init__(self):
        self.out = Path(self.out)
        check_suite_settings(self, ROWS)


def check_suite_settings(config, rows) -> None:
    """The checks every suite's config shares: each ``--only`` names one of ``rows``, a known ``--pseudo-mode``, and
    the training recipes' values."""
    if isinstance(config.only, str):  # one row, as Python callers write it
        config.only = (config.only,)
    for row in config.only:
        if row not in rows:
            raise UserError(f"--only: unknown row {row!r} (one of: {', '.join(rows)})")
    if config.pseudo_mode not in ("background", "fused"):
        raise UserError(f"--pseudo-mode: expected background or fused, got {config.pseudo_mode!r}")
    check_at_least(config, {"retrain_iterations": 1, "pseudo_rounds": 1, "workers": 0, "seed": 0})
    if not (math.isfinite(config.predict_scale) and config.predict_scale > 0):
        raise UserError(f"--predict-scale: expected a number above 0, got {config.predict_scale}")
    check_device_name(config.device)
    check_fraction("--pseudo-class-share", config.pseudo_class_share)
    config.seg.check("seg")
    config.det.check("det")


def selected_rows(config, rows) -> list[str]:
    """The rows ``--only`` names, in the table's order; all of them without it."""
    return [row for row in rows if not config.only or row in config.only]


class Suite:
    rows = ROWS  # row name -> (the paper's row, what it needs)
    pseudo_source = "gta5"  # the DeepLab whose predictions (fused with the detector's) become pseudo-labels

    def __init__(self, config: Table2Config):
        self.config = config
        self.target = config.val

    # --- data
    def check_data(self, rows: list[str]) -> None:
        from segkit.data import catalog

        needed = {"cityscapes"}
        if any(r in rows for r in ("gta5", "gta5_veis", "ours", "gta5_veis_psgt", "ours_psgt")):
            needed.add("gta5")
        if any(r != "gta5" for r in rows):
            needed.add("veis")
        for name in sorted(needed):
            try:
                if name == "veis":
                    if not self.config.veis:
                        raise UserError("veis: no folder given: pass --veis DIR")
                    catalog.get(f"veis:{self.config.veis}")
                elif name == "gta5":
                    catalog.get("gta5", roots=self.config.roots)
                else:
                    catalog.get(self.config.val, roots=self.config.roots)
            except UserError as exc:
                raise UserError(f"{exc} ({DOWNLOAD[name]})") from None

    def datasets(self, key: str) -> tuple[str, ...]:
        veis = f"veis:{self.config.veis}"
        if key.startswith("retrain"):
            return ("gta5", veis, f"pseudo:{pseudo_folder(self.config.out, self.round_of(key))}")
        return {"gta5": ("gta5",), "veis": (veis,), "gta5_veis": ("gta5", veis)}[key]

    @staticmethod
    def round_of(key: str) -> int:
        return 1 if key == "retrain" else int(key.removeprefix("retrain_round"))

    def teacher(self, round_: int) -> str:
        """The DeepLab whose predictions make round ``round_``'s pseudo-labels (and whose weights its retrain starts
        from with --retrain-finetune): the source one, then each round's retrained one."""
        return self.pseudo_source if round_ == 1 else retrain_key(round_ - 1)

    # --- stages
    def train_seg(self, key: str) -> Path:
        folder = self.config.out / "models" / f"seg_{key}"
        recipe = self.config.seg.settings()
        if key.startswith("retrain"):
            round_ = self.round_of(key)
            self.pseudo_labels(round_)
            # The warm-up keeps its share of a retrain of another length.
            share = self.config.retrain_iterations / recipe.get("iterations", TrainConfig.iterations)
            recipe["warmup"] = round(recipe.get("warmup", 0) * share)
            recipe["iterations"] = self.config.retrain_iterations
            if self.config.retrain_finetune:
                recipe["init"] = str(self.train_seg(self.teacher(round_)))
        return self._train("seg", key, folder, recipe)

    def train_det(self) -> Path:
        return self._train("det", "veis", self.config.out / "models" / "det_veis", self.config.det.settings())

    def _train(self, task: str, key: str, folder: Path, recipe: dict) -> Path:
        from segkit.train import train

        c = self.config
        # resume: a killed stage continues from its last checkpoint, or starts over if it had none yet
        settings = TrainConfig(task=task, out=folder, train=self.datasets(key), **recipe, seed=c.seed, workers=c.workers,
                               device=c.device, progress=c.progress, resume=True, roots=c.roots)
        # What the model depends on (init is a path of this run: its folder can move when a run is copied).
        recorded = {k: v for k, v in json.loads(json.dumps(recipe)).items() if k != "init"} | {"seed": c.seed}
        run_stage(folder, f"train {task} {key}", lambda: {"steps": train(settings)["steps"]}, settings=recorded)
        return folder / "last.pt"

    def predict(self, task: str, checkpoint: Path, key: str) -> Path:
        from segkit.predict import PredictConfig, predict

        folder = self.config.out / "predictions" / f"{task}_{key}"
        settings = PredictConfig(task=task, checkpoint=checkpoint, data=self.target, out=folder,
                                 scale=self.config.predict_scale if task == "seg" else 1.0, device=self.config.device,
                                 roots=self.config.roots, score_threshold=0.0)
        run_stage(folder, f"predict {task} {key}", lambda: predict(settings))
        return folder

    def fuse(self, key: str) -> Path:
        from segkit.fuse import FusionRules, fuse_folder

        semantic = self.predict("seg", self.train_seg(key), key)
        detections = self.predict("det", self.train_det(), "veis") / "instances.json"
        folder = self.config.out / "predictions" / f"fused_{key}"
        run_stage(folder, f"fuse {key}", lambda: fuse_folder(semantic, detections, folder, FusionRules()))
        return folder

    def pseudo_labels(self, round_: int) -> Path:
        from segkit.pseudo_label import PseudoLabelConfig, run

        folder = pseudo_folder(self.config.out, round_)
        seg, det = self.train_seg(self.teacher(round_)), self.train_det()

        def work():
            images = 0
            for data in self.config.unlabeled:
                settings = PseudoLabelConfig(seg=seg, det=det, data=data, mode=self.config.pseudo_mode, out=folder,
                                             class_share=self.config.pseudo_class_share,
                                             scale=self.config.predict_scale, device=self.config.device,
                                             roots=self.config.roots)
                images += run(settings)["images"]
            return {"images": images}

        run_stage(folder, "pseudo-label" if round_ == 1 else f"pseudo-label round {round_}", work,
                  settings={"pseudo_mode": self.config.pseudo_mode, "pseudo_class_share": self.config.pseudo_class_share})
        return folder

    def row(self, name: str) -> dict:
        from segkit.evaluation.files import evaluate_predictions

        kind, key = row_key(self.config, self.rows[name][1])
        predictions = self.fuse(key) if kind == "fuse" else self.predict("seg", self.train_seg(key), key)
        folder = self.config.out / "rows" / (name + key.removeprefix("retrain") if key.startswith("retrain") else name)

        def work():
            from segkit.data import catalog

            records = catalog.get(self.target, roots=self.config.roots)
            from segkit.evaluation import strict_json

            return {"metrics": strict_json(evaluate_predictions(records, predictions))["sem_seg"]}

        return run_stage(folder, f"evaluate {folder.name}", work)["metrics"]


def run_table2(config: Table2Config) -> dict:
    from segkit.device import choose_device

    choose_device(config.device)  # before any stage: a missing GPU is found now, not after hours of work
    rows = selected_rows(config, ROWS)
    suite = Suite(config)
    suite.check_data(rows)
    results = {name: suite.row(name) for name in rows}
    return write_report(config.out, results)


def write_report(out: Path, results: dict[str, dict]) -> dict:
    """table2.md and table2.json with our IoU beside the paper's, their differences, and a chart per row."""
    from segkit.formats.atomic import write_json, write_text

    paper = json.loads(PAPER.read_text())
    classes = labels.TRAIN_CLASSES
    report = {"paper_source": paper["source"], "rows": {}}
    lines = ["# Table 2, re-run", "", f"IoU (%) on the validation set; the paper's figure in brackets: {paper['source']}.", "",
             "| row | " + " | ".join(classes) + " | mIoU |", "|---|" + "---|" * (len(classes) + 1)]
    for name, metrics in results.items():
        paper_row = paper["rows"][ROWS[name][0]]
        ours = {c: (None if metrics.get(f"IoU-{c}") is None else 100 * metrics[f"IoU-{c}"]) for c in classes}
        miou = None if metrics.get("mIoU") is None else 100 * metrics["mIoU"]
        report["rows"][name] = {"paper_row": ROWS[name][0], "iou": ours, "mIoU": miou, "paper_iou": paper_row["iou"],
                                "paper_mIoU": paper_row["mIoU"],
                                "difference_mIoU": None if miou is None else miou - paper_row["mIoU"],
                                "mIoU_foreground": _percent(metrics.get("mIoU_foreground")),
                                "mIoU_background": _percent(metrics.get("mIoU_background"))}
        cells = [f"{'n/a' if ours[c] is None else f'{ours[c]:.1f}'} ({paper_row['iou'][c]:.1f})" for c in classes]
        lines.append(f"| {name} ({ROWS[name][0]}) | " + " | ".join(cells) +
                     f" | {'n/a' if miou is None else f'{miou:.1f}'} ({paper_row['mIoU']:.1f}) |")
        _chart(out / f"table2_{name}.png", name, classes, ours, paper_row["iou"])
    write_text(out / "table2.md", "\n".join(lines) + "\n")
    write_json(out / "table2.json", report, indent=1)
    return report


def _percent(value):
    return None if value is None else 100 * value


def _chart(path: Path, name: str, classes, ours: dict, paper: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    figure, axes = plt.subplots(figsize=(12, 3.5))
    x = np.arange(len(classes))
    axes.bar(x - 0.2, [ours[c] or 0 for c in classes], 0.4, label="this run")
    axes.bar(x + 0.2, [paper[c] for c in classes], 0.4, label="paper")
    axes.set_xticks(x, classes, rotation=45, ha="right")
    axes.set_ylabel("IoU (%)")
    axes.set_title(f"{name}: {ROWS[name][0]}")
    axes.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
