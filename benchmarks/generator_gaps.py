"""The generator's next gaps (roadmap 16, issue 23): each new veis-gen setting over the CamVid style, on CamVid val.

    python benchmarks/generator_gaps.py --camvid DIR [--runs runs/generator_gaps] [--variant NAME ...]
        [--seeds 0 1] [--rows deeplab ours] [--results DIR]

Every variant is `segkit bench sim2real` with sim2real's defaults of the day (its training recipe, 600 images at
CamVid's size), the generator's settings those of ``TARGET_GENERATOR["camvid"]`` plus the variant's own. Seed S
draws both the images and the training: a variant's seeds are independent repeats, and a difference is read against
their spread. Rows: synthetic-only DeepLab, and Ours (DeepLab fused with Mask R-CNN, whose per-class pixel recall
is reported). A killed run continues where it stopped (sim2real's stages are cached in --runs).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from segkit.bench.charts import grouped_bars
from segkit.bench.sim2real_report import describe_machine
from segkit.bench.suite import mean_sd
from segkit.bench.targets import TARGET_GENERATOR
from segkit.config import settings_toml

RESULTS = Path(__file__).parent / "results" / "generator_gaps"
CAMVID_STYLE = TARGET_GENERATOR["camvid"]
# name -> (what changes, veis-gen settings over the CamVid style)
VARIANTS = {
    "camvid": ("today's CamVid style: left-hand mixed streets and seasons, CamVid rig, furniture, camera effects", {}),
    "cyclists_ahead": ("cyclists riding 5-20 m ahead in the camera's lane or the next on half the streets",
                       {"cyclists_ahead": 0.5}),
    "walking_groups": ("half the sidewalks' people walk with one to three others", {"walking_groups": 0.5}),
    "shop_fronts": ("half the facades' ground floors are shops: fascias, display windows, doors",
                    {"shop_fronts": 0.5}),
    "kerb_lines": ("double yellow lines along the kerbs of the streets without parking", {"kerb_lines": 1.0}),
    "car_detail": ("cars with wheel wells, bumpers, a grille, number plates and door seams", {"car_detail": True}),
    "sky": ("graded skies with clouds", {"sky": "graded"}),
    "shadows": ("the sun's cast shadows (shadow map, fast shading)", {"shadows": True}),
    "metered": ("camera effects exposed for each image's brightness (auto-exposure)", {"effects": "metered"}),
}
VARIANTS["all"] = ("every setting above together",
                   {key: value for _, settings in VARIANTS.values() for key, value in settings.items()})
BASELINE = "camvid"
ROWS = ("deeplab", "ours")
CLASSES = ("Road", "Pavement", "Car", "Pedestrian", "Bicyclist", "SignSymbol", "Pole", "Fence")
RECALL = ("Car", "Pedestrian", "Bicyclist")


def variant_toml(name: str) -> str:
    return settings_toml({**CAMVID_STYLE, **VARIANTS[name][1]})


def command(name: str, seed: int, camvid: Path, runs: Path, rows: list[str]) -> list[str]:
    return [str(Path(sys.executable).parent / "segkit"), "bench", "sim2real", "--camvid", str(camvid),
            "--seed", str(seed), "--out", str(runs / f"{name}_s{seed}"), "--generate-config", str(runs / f"{name}.toml"),
            "--progress", "false", *[a for row in rows for a in ("--only", row)]]


def run(name: str, seed: int, camvid: Path, runs: Path, rows: list[str]) -> dict:
    runs.mkdir(parents=True, exist_ok=True)
    (runs / f"{name}.toml").write_text(variant_toml(name))
    if subprocess.run(command(name, seed, camvid, runs, rows)).returncode != 0:  # segkit said why, above
        raise SystemExit(f"generator_gaps: {name} seed {seed} failed; rerun to continue it ({runs / f'{name}_s{seed}'})")
    report = json.loads((runs / f"{name}_s{seed}" / "sim2real.json").read_text())
    detector = report.get("detector", {}).get("ours", {})
    return {"rows": {row: report["rows"][row] for row in rows},
            "recall": {c: detector[c]["recall"] for c in RECALL if c in detector},
            "minutes": round(sum(report["stage_seconds"].values()) / 60, 1),
            "generate_minutes": round(report["stage_seconds"].get("generate source", 0.0) / 60, 1),
            "machine": report.get("machine") or {}}


def _values(results: dict, name: str, row: str, key=lambda r: r["mIoU"]) -> list[float]:
    return [key(seed["rows"][row]) or 0.0 for seed in results[name].values() if row in seed["rows"]]


def _delta(results: dict, name: str, row: str) -> str:
    shared = sorted(set(results[name]) & set(results.get(BASELINE, {})))
    pairs = [(results[name][s]["rows"][row]["mIoU"], results[BASELINE][s]["rows"][row]["mIoU"]) for s in shared
             if row in results[name][s]["rows"] and row in results[BASELINE][s]["rows"]]
    if name == BASELINE or not pairs:
        return ""
    return f"{statistics.fmean(a - b for a, b in pairs):+.1f}"


def write_table(results: dict, folder: Path | None = None) -> Path:
    """``results``: variant -> seed -> ``run``'s dict. Writes generator_gaps.md, .json and .png to ``folder``."""
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    machines = sorted({describe_machine(s["machine"]) for seeds in results.values() for s in seeds.values()})
    lines = ["# The generator's next gaps: CamVid val", "",
             "mIoU (%) mean ± sd over the seeds (seed S draws the images and the training); Δ: the mean difference to "
             f"`{BASELINE}` on the seeds both ran. Per-class columns: synthetic-only DeepLab, mean IoU. Recall: the % of "
             "each thing class's real pixels that the detector's fused masks cover. Minutes: every stage of a run "
             "(of them, generating the 600 images).", "",
             "| variant | change | seeds | DeepLab | Δ | Ours | Δ | " + " | ".join(CLASSES) + " | recall "
             + " / ".join(RECALL) + " | minutes (generate) |",
             "|---|---|---|---|---|---|---|" + "---|" * len(CLASSES) + "---|---|"]
    for name, seeds in results.items():
        deeplab, ours = _values(results, name, "deeplab"), _values(results, name, "ours")
        per_class = [statistics.fmean(_values(results, name, "deeplab", lambda r, c=c: r["iou"].get(c))) if deeplab else 0.0
                     for c in CLASSES]
        recall = [[s["recall"][c] for s in seeds.values() if s["recall"].get(c) is not None] for c in RECALL]
        lines.append(
            f"| {name} | {VARIANTS[name][0]} | {', '.join(map(str, seeds))} | "
            f"{'**' + mean_sd(deeplab) + '**' if deeplab else '–'} | {_delta(results, name, 'deeplab')} | "
            f"{'**' + mean_sd(ours) + '**' if ours else '–'} | {_delta(results, name, 'ours') if ours else ''} | "
            + " | ".join(f"{v:.1f}" for v in per_class) + " | "
            + " / ".join(f"{statistics.fmean(r):.1f}" if r else "–" for r in recall) + " | "
            + f"{statistics.fmean(s['minutes'] for s in seeds.values()):.0f} "
              f"({statistics.fmean(s['generate_minutes'] for s in seeds.values()):.1f}) |")
    lines += ["", "Machine: " + "; ".join(machines) + (" (runs of more than one machine: compare with care)."
                                                        if len(machines) > 1 else ".")]
    (folder / "generator_gaps.md").write_text("\n".join(lines) + "\n")
    (folder / "generator_gaps.json").write_text(json.dumps(
        {"variants": {n: {"change": VARIANTS[n][0], "settings": {**CAMVID_STYLE, **VARIANTS[n][1]}} for n in results},
         "results": results}, indent=1) + "\n")
    series = {f"{name} ({statistics.fmean(_values(results, name, 'deeplab')):.1f})":
              [statistics.fmean(_values(results, name, "deeplab", lambda r, c=c: r["iou"].get(c))) for c in CLASSES]
              for name in results if _values(results, name, "deeplab")}
    if series:
        grouped_bars(folder / "generator_gaps.png", list(CLASSES), series, value_label="IoU (%), CamVid val",
                     title="Synthetic-only DeepLab: the generator's new settings")
    return folder / "generator_gaps.md"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camvid", type=Path, required=True)
    parser.add_argument("--runs", type=Path, default=Path("runs/generator_gaps"))
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), help="default: every variant")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--rows", nargs="+", choices=ROWS, default=list(ROWS))
    parser.add_argument("--results", type=Path, help=f"where the table, JSON and chart go (default: {RESULTS})")
    args = parser.parse_args(argv)
    if not (args.camvid / "val.txt").is_file():
        parser.error(f"--camvid {args.camvid}: no val.txt there (a CamVid folder as distributed)")
    names = args.variant or list(VARIANTS)
    if BASELINE not in names:
        names.insert(0, BASELINE)  # every Δ is read against it, on this machine
    results = {}
    for name in names:
        results[name] = {seed: run(name, seed, args.camvid.resolve(), args.runs, args.rows) for seed in args.seeds}
        table = write_table(results, args.results)
    print(table.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
