"""`segkit bench table2`: the rows of the paper's Table 2, re-run end to end, beside the paper's numbers.

Rows: DeepLab on GTA5, on VEIS, on GTA5+VEIS; Ours (DeepLab on GTA5 + Mask R-CNN on VEIS, fused); DeepLab
retrained on GTA5+VEIS and real pseudo-GT; Ours & ps-GT (that DeepLab fused with the Mask R-CNN). Every stage
(train, predict, fuse, pseudo-label, retrain, evaluate) caches its outputs and is skipped once done.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from segkit import labels
from segkit.bench.charts import grouped_bars
from segkit.bench.suite import ROUNDS_HELP, Suite, check_suite_settings, percent, pseudo_folder, selected_rows
from segkit.config import check_choices
from segkit.data.catalog import roots_field
from segkit.device import Device
from segkit.errors import UserError
from segkit.pseudo_label import PseudoMode
from segkit.train_config import DetRecipe, SegRecipe

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
# DeepLab's key (ROWS' "seg:KEY" and "fuse:KEY") -> the labelled data it trains on: a retrain adds its round's
# pseudo-labels, and a fusion row's Mask R-CNN trains on VEIS.
TRAINED_ON = {"gta5": ("gta5",), "veis": ("veis",), "gta5_veis": ("gta5", "veis"), "retrain": ("gta5", "veis")}
DETECTOR_TRAINED_ON = "veis"

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
    pseudo_mode: PseudoMode = field(default="background", metadata={"help": "what the pseudo-labels keep (segkit "
                                                                            "pseudo-label's --mode)"})
    pseudo_class_share: float = field(default=0.0, metadata={"help": "class-balanced pseudo-labels: each class keeps "
                                                                    "its most confident share (0: off)"})
    pseudo_rounds: int = field(default=1, metadata={"help": ROUNDS_HELP})
    predict_scale: float = field(default=0.5, metadata={"help": "DeepLab sees val images at this scale"})
    seed: int = field(default=0, metadata={"help": "every model's training seed (data order, augmentation, init)"})
    workers: int = 4
    device: Device = "auto"
    progress: bool = True

    def __post_init__(self):
        self.out = Path(self.out)
        check_choices(self)
        check_suite_settings(self, ROWS)


def needed_data(rows: list[str]) -> set[str]:
    """The datasets ``rows`` train or evaluate on: Cityscapes, and what each row's models train on."""
    needed = {"cityscapes"}
    for row in rows:
        kind, key = ROWS[row][1].split(":")
        needed.update(TRAINED_ON[key], [DETECTOR_TRAINED_ON] if kind == "fuse" else [])
    return needed


class Table2Suite(Suite):
    rows = ROWS
    pseudo_source = "gta5"

    def __init__(self, config: Table2Config):
        super().__init__(config, target=config.val)

    def check_data(self, rows: list[str]) -> None:
        from segkit.data import catalog

        for name in sorted(needed_data(rows)):
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
        names = {"gta5": "gta5", "veis": f"veis:{self.config.veis}"}
        if key.startswith("retrain"):
            pseudo = f"pseudo:{pseudo_folder(self.config.out, self.round_of(key))}"
            return (*(names[name] for name in TRAINED_ON["retrain"]), pseudo)
        return tuple(names[name] for name in TRAINED_ON[key])


def run_table2(config: Table2Config) -> dict:
    from segkit.device import choose_device

    choose_device(config.device)  # before any stage: a missing GPU is found now, not after hours of work
    rows = selected_rows(config, ROWS)
    suite = Table2Suite(config)
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
        ours = {c: percent(metrics.get(f"IoU-{c}")) for c in classes}
        miou = percent(metrics.get("mIoU"))
        report["rows"][name] = {"paper_row": ROWS[name][0], "iou": ours, "mIoU": miou, "paper_iou": paper_row["iou"],
                                "paper_mIoU": paper_row["mIoU"],
                                "difference_mIoU": None if miou is None else miou - paper_row["mIoU"],
                                "mIoU_foreground": percent(metrics.get("mIoU_foreground")),
                                "mIoU_background": percent(metrics.get("mIoU_background"))}
        cells = [f"{'n/a' if ours[c] is None else f'{ours[c]:.1f}'} ({paper_row['iou'][c]:.1f})" for c in classes]
        lines.append(f"| {name} ({ROWS[name][0]}) | " + " | ".join(cells) +
                     f" | {'n/a' if miou is None else f'{miou:.1f}'} ({paper_row['mIoU']:.1f}) |")
        grouped_bars(out / f"table2_{name}.png", classes,
                     {"this run": [ours[c] for c in classes], "paper": [paper_row["iou"][c] for c in classes]},
                     value_label="IoU (%)", title=f"{name}: {ROWS[name][0]}")
    write_text(out / "table2.md", "\n".join(lines) + "\n")
    write_json(out / "table2.json", report, indent=1)
    return report
