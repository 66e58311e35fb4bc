"""What the suites (`bench table2`, `bench sim2real`) share: their settings' checks, the rows ``--only`` picks, the
names of self-training rounds, percentages for reports, and ``Suite``, the cached stages (train, predict, fuse,
pseudo-label, evaluate) their rows are made of. A suite says which data trains each DeepLab; the rest is here."""
from __future__ import annotations

import json
import math
from pathlib import Path

from segkit.bench.stages import run_stage
from segkit.errors import UserError, check_at_least, check_fraction
from segkit.train_config import TrainConfig

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


def check_suite_settings(config, rows) -> None:
    """The checks every suite's config shares (after ``check_choices``): each ``--only`` names one of ``rows``, and the
    training recipes' values."""
    if isinstance(config.only, str):  # one row, as Python callers write it
        config.only = (config.only,)
    for row in config.only:
        if row not in rows:
            raise UserError(f"--only: unknown row {row!r} (one of: {', '.join(rows)})")
    check_at_least(config, {"retrain_iterations": 1, "pseudo_rounds": 1, "workers": 0, "seed": 0})
    if not (math.isfinite(config.predict_scale) and config.predict_scale > 0):
        raise UserError(f"--predict-scale: expected a number above 0, got {config.predict_scale}")
    check_fraction("--pseudo-class-share", config.pseudo_class_share)
    config.seg.check("seg")
    config.det.check("det")


def selected_rows(config, rows) -> list[str]:
    """The rows ``--only`` names, in the table's order; all of them without it."""
    return [row for row in rows if not config.only or row in config.only]


def percent(fraction: float | None, *, digits: int | None = None) -> float | None:
    """A metric's fraction as a percentage, rounded to ``digits`` if given; None where the metric has no value (None
    or NaN: strict JSON has no NaN)."""
    if fraction is None or fraction != fraction:
        return None
    return 100 * fraction if digits is None else round(100 * fraction, digits)


def mean_sd(values: list[float]) -> str:
    """Repeated runs' numbers as "mean ± sd" to one decimal (the mean alone for one run)."""
    import statistics

    mean = statistics.fmean(values)
    return f"{mean:.1f} ± {statistics.stdev(values):.1f}" if len(values) > 1 else f"{mean:.1f}"


class Suite:
    """The stages of a suite's rows, each cached in its folder under ``config.out``. A subclass gives ``rows`` (row name
    -> (title, what it needs: "seg:KEY" or "fuse:KEY", ...)), ``pseudo_source`` (the DeepLab whose predictions, fused
    with the detector's, become the first pseudo-labels) and ``datasets`` (what trains the DeepLab of a key)."""

    rows: dict[str, tuple]
    pseudo_source: str

    def __init__(self, config, *, target: str):
        self.config = config
        self.target = target  # the labelled images every row is evaluated on

    def datasets(self, key: str) -> tuple[str, ...]:
        raise NotImplementedError

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
        settings = TrainConfig(task=task, out=folder, train=self.datasets(key), **recipe, seed=c.seed,
                               workers=c.workers, device=c.device, progress=c.progress, resume=True, roots=c.roots)
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

        recorded = {"pseudo_mode": self.config.pseudo_mode, "pseudo_class_share": self.config.pseudo_class_share}
        run_stage(folder, "pseudo-label" if round_ == 1 else f"pseudo-label round {round_}", work, settings=recorded)
        return folder

    def row(self, name: str) -> dict:
        from segkit.evaluation.files import evaluate_predictions

        kind, key = row_key(self.config, self.rows[name][1])
        predictions = self.fuse(key) if kind == "fuse" else self.predict("seg", self.train_seg(key), key)
        folder = self.config.out / "rows" / (name + key.removeprefix("retrain") if key.startswith("retrain") else name)

        def work():
            from segkit.data import catalog
            from segkit.evaluation import strict_json

            records = catalog.get(self.target, roots=self.config.roots)
            return {"metrics": strict_json(evaluate_predictions(records, predictions))["sem_seg"]}

        return run_stage(folder, f"evaluate {folder.name}", work)["metrics"]
