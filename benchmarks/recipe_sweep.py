"""Which training recipe spends a CPU budget best: DeepLab trained on CamVid's real labels (the oracle) and on the
synthetic CamVid-style images (synthetic only), each recipe evaluated on CamVid val; and Mask R-CNN recipes,
judged by how much of CamVid val's thing pixels their pasted masks cover (recall) and get right (precision).

    python benchmarks/recipe_sweep.py --camvid DIR [--runs runs/recipes] [--recipe NAME ...] [--row oracle|deeplab]
                                      [--seg-from NAME]

A detector recipe runs `--only ours` with the synthetic-only DeepLab of ``--seg-from`` (copied, not retrained).

Each run is `segkit bench sim2real --only oracle|deeplab` with the recipe's `--seg-*` settings, on one synthetic
set made once (600 images with the CamVid target's generator settings, as the suite makes them, seed 0) in RUNS/source. Stages are
cached: a rerun continues where it stopped and adds what is missing. The table (markdown, JSON, chart) is
written to benchmarks/results/recipe_sweep/ from every run finished so far. Numbers are CamVid val numbers:
tune on val, keep test apart.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from segkit.bench.charts import grouped_bars
from segkit.bench.sim2real import CPU_DEEPLAB, CPU_MASK_RCNN

RESULTS = Path(__file__).parent / "results" / "recipe_sweep"
ADAMW_WHOLE = dataclasses.replace(CPU_DEEPLAB, optimizer="adamw", lr=1e-3, weight_decay=0.01, betas=(0.9, 0.999),
                                  schedule="onecycle", warmup=40, iterations=400, resize=240, crop=(), random_scale=(),
                                  color_jitter=False)
# name -> (what it changes, the recipe)
RECIPES = {
    "sgd_crop": ("today's CPU_DEEPLAB: SGD lr 0.01 poly, 300 steps of 8 random 240x320 crops at scale 0.75-1.25 of "
                 "the full-size image, colour jitter", CPU_DEEPLAB),
    "adamw_whole": ("AdamW lr 1e-3 (wd 0.01), one-cycle with 40 warm-up steps, 400 steps of 8 whole images resized "
                    "to 240x320, flip only", ADAMW_WHOLE),
    "adamw_crop": ("adamw_whole's optimiser and schedule on today's input: random 240x320 crops at scale 0.75-1.25 "
                   "of the full-size image, colour jitter",
                   dataclasses.replace(ADAMW_WHOLE, resize=0, crop=(240, 320), random_scale=(0.75, 1.25),
                                       color_jitter=True)),
    "adamw_whole_frozen_bn": ("adamw_whole with the backbone's BatchNorm statistics frozen at ImageNet's",
                              dataclasses.replace(ADAMW_WHOLE, batch_norm="frozen")),
    "sgd_whole": ("adamw_whole's input and one-cycle schedule with SGD lr 0.01 (momentum 0.9, wd 5e-4)",
                  dataclasses.replace(ADAMW_WHOLE, optimizer="sgd", lr=0.01, weight_decay=5e-4)),
    "adamw_whole_head10": ("adamw_whole with the backbone at lr 1e-4 and the new layers at 10x (1e-3)",
                           dataclasses.replace(ADAMW_WHOLE, lr=1e-4, head_lr_mult=10.0)),
}
DET_RECIPES = {
    "det_sgd_step": ("today's CPU_MASK_RCNN: SGD lr 0.01, step at 240, 300 steps of 2 at 360x480, clip 10",
                     CPU_MASK_RCNN),
    "det_sgd_warmup_cosine": ("SGD lr 0.02 with 30 warm-up steps and a cosine decay",
                              dataclasses.replace(CPU_MASK_RCNN, lr=0.02, warmup=30, schedule="cosine")),
    "det_adamw": ("AdamW lr 2e-4 (wd 0.05), 30 warm-up steps, cosine",
                  dataclasses.replace(CPU_MASK_RCNN, optimizer="adamw", lr=2e-4, weight_decay=0.05, warmup=30,
                                      schedule="cosine")),
}
ROWS = {"oracle": "oracle", "deeplab": "synthetic only"}


def run(name: str, row: str, camvid: Path, runs: Path) -> dict:
    from segkit.bench.sim2real import Sim2RealConfig, run_sim2real

    config = Sim2RealConfig(out=runs / name, only=row, veis=str(runs / "source"), seg=RECIPES[name][1],
                            roots={"camvid": str(camvid)}, progress=False)
    report = run_sim2real(config)
    return {"row": report["rows"][row], "stage_seconds": report["stage_seconds"], "machine": report["machine"]}


def run_detector(name: str, camvid: Path, runs: Path, seg_from: str) -> dict:
    """`--only ours` with ``seg_from``'s synthetic-only DeepLab, copied with its stage marker so it is not retrained."""
    import shutil

    from segkit.bench.sim2real import Sim2RealConfig, run_sim2real

    seeded = runs / name / "models" / "seg_veis"
    if not seeded.exists():
        source = runs / seg_from / "models" / "seg_veis"
        if not (source / "stage_done.json").is_file():
            raise SystemExit(f"--seg-from {seg_from}: its synthetic-only DeepLab is not trained yet (run it first)")
        shutil.copytree(source, seeded)
    config = Sim2RealConfig(out=runs / name, only="ours", veis=str(runs / "source"), seg=RECIPES[seg_from][1],
                            det=DET_RECIPES[name][1], roots={"camvid": str(camvid)}, progress=False)
    report = run_sim2real(config)
    return {"row": report["rows"]["ours"], "detector": report["detector"]["ours"], "seg_from": seg_from,
            "stage_seconds": report["stage_seconds"], "machine": report["machine"]}


def generate(runs: Path) -> None:
    import subprocess

    from segkit.bench.sim2real import Sim2RealConfig
    from segkit.bench.targets import generator_flags

    source = runs / "source"
    if (source / "annotations").is_dir():  # written last, once every image is there
        return
    veis_gen = Path(sys.executable).parent / "veis-gen"
    config = Sim2RealConfig(out=runs, roots={"camvid": "unused"})  # CamVid's generator settings, as the suite's
    subprocess.run([str(veis_gen), "generate", "--out", str(source), "--count", "600", "--size", "480x360", "--seed", "0",
                    "--scenes", "mixed", "--workers", "2", "--progress", "false", *generator_flags(config)], check=True)


def minutes(stage_seconds: dict, row: str) -> float:
    """The minutes of the stages that row's own model took: training and prediction."""
    model = {"oracle": "seg oracle", "deeplab": "seg veis", "ours": "det veis"}[row]
    return round(sum(s for stage, s in stage_seconds.items() if stage.endswith(model)) / 60, 1)


def write_table(results: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    classes = None
    lines = ["# Recipe sweep: DeepLab-v3+ EfficientNet-Lite0 (ImageNet) on CamVid val", "",
             "Each recipe trains the same model twice: on CamVid's 367 real training images (oracle) and on 600 "
             "CamVid-style veis-gen images (synthetic only: segkit.bench.targets' CamVid settings, seed 0); both "
             "are evaluated on CamVid val (101 images, 11 classes, IoU %). Minutes: training and prediction of that "
             "row on this 2-core CPU (other work kept off it, but for a one-minute test beside adamw_whole's oracle). One seed each: read differences of a point or two as "
             "noise until seeds are run.", "",
             "| recipe | change | oracle mIoU | synthetic mIoU | oracle min | synthetic min |", "|---|---|---|---|---|---|"]
    for name, (change, _) in RECIPES.items():
        done = results.get(name, {})
        cells = [f"{done[row]['row']['mIoU']:.1f}" if row in done else "not run" for row in ROWS]
        times = [f"{done[row]['minutes']:.1f}" if row in done else "" for row in ROWS]
        lines.append(f"| {name} | {change} | " + " | ".join(cells + times) + " |")
    lines += ["", "Per class (IoU %):", ""]
    for name, done in results.items():
        for row, result in ((r, x) for r, x in done.items() if r in ROWS):
            iou = result["row"]["iou"]
            if classes is None:
                classes = list(iou)
                lines += ["| recipe | row | " + " | ".join(classes) + " |", "|---|---|" + "---|" * len(classes)]
            lines.append(f"| {name} | {ROWS[row]} | " + " | ".join("n/a" if iou[c] is None else f"{iou[c]:.1f}"
                                                                   for c in classes) + " |")
    detectors = {name: done["ours"] for name, done in results.items() if "ours" in done}
    if detectors:
        things = list(next(iter(detectors.values()))["detector"])
        lines += ["", "## Detector recipes", "",
                  "Mask R-CNN EfficientNet-Lite0 FPN (ImageNet) on the same synthetic images, fused with the synthetic-only "
                  "DeepLab of the recipe named; per CamVid thing class the share of its real val pixels the pasted masks "
                  "cover (recall) and of what they pasted that is right (precision), %.", "",
                  "| recipe | change | DeepLab from | Ours mIoU | " + " | ".join(f"{c} recall / precision" for c in things)
                  + " | minutes |", "|---|---|---|---|" + "---|" * (len(things) + 1)]
        for name, done in detectors.items():
            cells = [f"{_cell(done['detector'][c]['recall'])} / {_cell(done['detector'][c]['precision'])}" for c in things]
            lines.append(f"| {name} | {DET_RECIPES[name][0]} | {done['seg_from']} | {_cell(done['row']['mIoU'])} | "
                         + " | ".join(cells) + f" | {done['minutes']:.1f} |")
    machine = next(iter(next(iter(results.values())).values()))["machine"] if results else {}
    lines += ["", f"Machine: {machine.get('cpus')} CPU(s), {machine.get('platform')}, torch {machine.get('torch')}."]
    (RESULTS / "recipe_sweep.md").write_text("\n".join(lines) + "\n")
    settings = {name: {k: v for k, v in dataclasses.asdict(recipe).items() if v is not None}
                for name, (_, recipe) in {**RECIPES, **DET_RECIPES}.items()}
    (RESULTS / "recipe_sweep.json").write_text(json.dumps({"recipes": settings, "results": results}, indent=1) + "\n")
    _chart(results)


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _chart(results: dict) -> None:
    names = [n for n in RECIPES if any(row in results.get(n, {}) for row in ROWS)]
    series = {title: [results[n].get(row, {}).get("row", {}).get("mIoU") for n in names] for row, title in ROWS.items()}
    grouped_bars(RESULTS / "recipe_sweep.png", names, series, value_label="mIoU on CamVid val (%)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camvid", type=Path, required=True)
    parser.add_argument("--runs", type=Path, default=Path("runs/recipes"))
    parser.add_argument("--recipe", action="append", choices=[*RECIPES, *DET_RECIPES], help="default: every recipe")
    parser.add_argument("--row", action="append", choices=list(ROWS), help="DeepLab recipes' rows (default: both)")
    parser.add_argument("--seg-from", default="adamw_whole", choices=list(RECIPES),
                        help="the DeepLab recipe whose synthetic-only model the detectors are fused with")
    args = parser.parse_args(argv)
    if not (args.camvid / "val.txt").is_file():
        parser.error(f"--camvid {args.camvid}: no val.txt there (a CamVid folder as distributed)")
    generate(args.runs)
    saved = RESULTS / "recipe_sweep.json"
    results = json.loads(saved.read_text())["results"] if saved.exists() else {}
    camvid = args.camvid.resolve()
    for name in args.recipe or [*RECIPES, *DET_RECIPES]:
        for row in (args.row or ROWS) if name in RECIPES else ["ours"]:
            result = run(name, row, camvid, args.runs) if row != "ours" else run_detector(name, camvid, args.runs,
                                                                                           args.seg_from)
            result["minutes"] = minutes(result.pop("stage_seconds"), row)
            results.setdefault(name, {})[row] = result
            write_table(results)
            print(f"{name} {row}: mIoU {result['row']['mIoU']:.1f} in {result['minutes']} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
