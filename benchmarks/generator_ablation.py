"""Which generator change bought what: `segkit bench sim2real` on CamVid, one generator setting changed at a time.

    python benchmarks/generator_ablation.py --camvid DIR [--runs runs/ablation] [--variant NAME ...] [--collect]

Every variant trains the same models with the same budget (sim2real's defaults of the day, recorded in each run's
settings; the committed table was measured with DeepLab 300 steps of 8 by SGD, Mask R-CNN 300 steps of 2, ImageNet
init) and changes only the generator's settings.
Variants other than ``full`` train DeepLab alone (``--only deeplab``, about 15 minutes each on 2 cores);
``full`` runs every row. Each run's sim2real.json and .md are copied to benchmarks/results/generator_ablation/
<variant>/, and the table (markdown, JSON, chart) is written from all that are there. Variants measured at
an earlier commit (``baseline``: issue 08's first run; ``old_pack``: before the new cars and signs;
``light_pavement``: before the paving slabs) cannot be rerun with today's code: their files are kept, with the
commit they came from.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from segkit.bench.charts import grouped_bars
from segkit.bench.targets import TARGET_GENERATOR
from segkit.config import settings_toml

RESULTS = Path(__file__).parent / "results" / "generator_ablation"
CAMVID_STYLE = TARGET_GENERATOR["camvid"]
# name -> (what changed, generator settings or None for a committed earlier run, rows)
VARIANTS = {
    "baseline": ("issue 08's generator: wide right-hand summer streets, no camera effects", None, "deeplab"),
    "old_pack": ("CamVid-like streets and camera effects, all trees leafless with the sky between their twigs labelled "
                 "sky, and the pack before the new cars and signs", None, "deeplab"),
    "light_pavement": ("CamVid-like streets, camera effects, 15 cars and 41 signs, sidewalks of light concrete",
                       None, "deeplab"),
    "effects_only": ("issue 08's streets (today's pack) with camera effects", {"effects": "camera"}, "deeplab"),
    "streets_only": ("CamVid-like streets (left-hand, narrow, winter, CamVid rig, furniture), no camera effects",
                     {**CAMVID_STYLE, "effects": "none"}, "deeplab"),
    "full": ("everything: CamVid-like streets, camera effects, 15 cars and 41 signs, sidewalks of grey paving slabs",
             CAMVID_STYLE, "all"),
}
COMMITTED_AT = {"baseline": "6f2dacc (issue 08's run, benchmarks/results/sim2real)", "old_pack": "e637390",
                "light_pavement": "af3f3bc", "full": "be205ee", "streets_only": "be205ee"}


def run_variant(name: str, camvid: Path, runs: Path) -> None:
    _, settings, rows = VARIANTS[name]
    if settings is None:
        raise SystemExit(f"--variant {name}: measured at commit {COMMITTED_AT[name]}; today's code cannot make it")
    runs.mkdir(parents=True, exist_ok=True)
    config = runs / f"{name}.toml"
    config.write_text(settings_toml(settings))
    command = [str(Path(sys.executable).parent / "segkit"), "bench", "sim2real", "--out", str(runs / name),
               "--camvid", str(camvid), "--generate-config", str(config), "--progress", "false"]
    if rows != "all":
        command += ["--only", rows]
    if subprocess.run(command).returncode != 0:  # segkit said why, in one line, above
        raise SystemExit(f"generator_ablation: variant {name} failed; rerun to continue it ({runs / name})")
    (RESULTS / name).mkdir(parents=True, exist_ok=True)
    for suffix in ("json", "md"):
        shutil.copyfile(runs / name / f"sim2real.{suffix}", RESULTS / name / f"sim2real.{suffix}")


def _row(name: str, report: dict) -> dict:
    deeplab = report["rows"]["deeplab"]
    row = {"variant": name, "change": VARIANTS[name][0], "generator": VARIANTS[name][1],
           "commit": COMMITTED_AT.get(name, "this one"), "deeplab_mIoU": deeplab["mIoU"],
           "things": deeplab["mIoU_things"], "stuff": deeplab["mIoU_stuff"], "iou": deeplab["iou"],
           "minutes": round(sum(v for k, v in report["stage_seconds"].items() if "oracle" not in k) / 60, 1),
           "machine": report["machine"]}
    if "ours_psgt" in report["rows"]:
        row["ours_psgt_mIoU"] = report["rows"]["ours_psgt"]["mIoU"]
        row["ours_mIoU"] = report["rows"]["ours"]["mIoU"]
        row["detector_recall"] = {c: s["recall"] for c, s in report["detector"]["ours"].items()}
    return row


def collect() -> list[dict]:
    rows = []
    for name in VARIANTS:
        path = RESULTS / name / "sim2real.json"
        if path.is_file():
            rows.append(_row(name, json.loads(path.read_text())))
    if not rows:
        raise SystemExit(f"no variant has results under {RESULTS}")
    classes = list(rows[0]["iou"])
    base = next((r for r in rows if r["variant"] == "baseline"), rows[0])
    lines = ["# Generator ablation: synthetic-only DeepLab on CamVid val", "",
             "Same models and budget in every row (sim2real's defaults: 600 synthetic images at 480x360, DeepLab-v3+ "
             "EfficientNet-Lite0 300 steps of 8, Mask R-CNN 300 steps of 2, ImageNet init, seed 0); only the "
             "generator's settings change. IoU (%) on CamVid val (its labels are never trained on). Minutes: every stage but "
             "the oracle's (it does not depend on the generator and was trained once, in the baseline run), on a 2-core "
             "CPU shared with other work.", "",
             "| variant | change | DeepLab mIoU | vs baseline | things | stuff | " + " | ".join(classes) + " | minutes |",
             "|---|---|---|---|---|---|" + "---|" * len(classes) + "---|"]
    for r in rows:
        delta = r["deeplab_mIoU"] - base["deeplab_mIoU"]
        lines.append(f"| {r['variant']} | {r['change']} | {r['deeplab_mIoU']:.1f} | {delta:+.1f} | {r['things']:.1f} | "
                     f"{r['stuff']:.1f} | " + " | ".join(f"{r['iou'][c]:.1f}" for c in classes) + f" | {r['minutes']:.0f} |")
    full = [r for r in rows if "ours_psgt_mIoU" in r]
    if full:
        lines += ["", "Rows with every stage run (fusion and pseudo-labels):", "",
                  "| variant | DeepLab | Ours | Ours & ps-GT | detector recall (% of each thing class's pixels) |",
                  "|---|---|---|---|---|"]
        for r in full:
            recall = ", ".join(f"{c} {v:.1f}" for c, v in r["detector_recall"].items() if v is not None)
            lines.append(f"| {r['variant']} | {r['deeplab_mIoU']:.1f} | {r['ours_mIoU']:.1f} | {r['ours_psgt_mIoU']:.1f} | {recall} |")
    lines += ["", "Commits: " + "; ".join(f"{r['variant']} at {r['commit']}" for r in rows) + ".",
              f"Machine: {base['machine']['cpus']} CPU(s), {base['machine']['platform']}, torch {base['machine']['torch']}."]
    (RESULTS / "ablation.md").write_text("\n".join(lines) + "\n")
    (RESULTS / "ablation.json").write_text(json.dumps(rows, indent=1) + "\n")
    _chart(rows, classes)
    return rows


def _chart(rows: list[dict], classes: list[str]) -> None:
    series = {f"{r['variant']} ({r['deeplab_mIoU']:.1f})": [r["iou"][c] for c in classes] + [r["deeplab_mIoU"]]
              for r in rows}
    grouped_bars(RESULTS / "ablation.png", classes + ["mIoU"], series, value_label="IoU (%), CamVid val",
                 title="Synthetic-only DeepLab: which generator change bought what")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--camvid", type=Path, help="the CamVid folder (train, val, their annotations)")
    parser.add_argument("--runs", type=Path, default=Path("runs/generator_ablation"), help="where the runs go")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS), help="run only these (repeatable)")
    parser.add_argument("--collect", action="store_true", help="only rebuild the table from the results there")
    args = parser.parse_args()
    if not args.collect:
        if args.camvid is None:
            parser.error("--camvid is required to run variants")
        if not (args.camvid / "val.txt").is_file():
            parser.error(f"--camvid {args.camvid}: no val.txt there (a CamVid folder as distributed)")
        for name in args.variant or [n for n, v in VARIANTS.items() if v[1] is not None]:
            run_variant(name, args.camvid, args.runs)
    for r in collect():
        print(f"{r['variant']:>14}: DeepLab {r['deeplab_mIoU']:.1f} mIoU ({r['minutes']:.0f} min)")


if __name__ == "__main__":
    main()
