"""Learning more from synthetic images alone (issue 22): each option alone, on CamVid val, over two seeds.

    python benchmarks/generalisation.py --camvid DIR --base runs/sim2real_seeds [--runs runs/generalisation]
                                        [--variant NAME ...] [--seeds 0 1] [--final NAME ... --final-seeds 0 1 2]
                                        [--recorded benchmarks/results/generalisation/generalisation.json]

``--base`` is the runs folder of ``benchmarks/sim2real_seeds.py`` (its seedS/ folders: the synthetic data and the
trained models of ``segkit bench sim2real --seed S``). Two kinds of variant:
- appearance (``--seg-augment``, ``--seg-copy-paste``, ``--seg-rare-class-sampling``, ``--seg-feature-*``): the
  synthetic-only DeepLab retrained on seed 0's synthetic images with the training seed S, so only the option and
  the training seed change;
- pseudo-labels (``--pseudo-mode``, ``--pseudo-class-share``, ``--pseudo-rounds``): seed S's DeepLab and Mask R-CNN
  copied from the base run (not retrained), then pseudo-labels, the retrain and its fusion.
Each compares with its own baseline row. Stages are cached (a rerun continues); ``--recorded`` takes the results of
runs whose folders are gone from an earlier JSON, and the table says which. The table, JSON and chart go to
benchmarks/results/generalisation/. CamVid val numbers: tuned on, not a test.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from segkit.bench.sim2real_report import describe_machine
from segkit.bench.suite import mean_sd

RESULTS = Path(__file__).parent / "results" / "generalisation"
# name -> (kind, what it changes, extra `segkit bench sim2real` flags)
VARIANTS = {
    "baseline": ("appearance", "issue 20's recipe, no augmentation", []),
    "photometric": ("appearance", "strong colour, hue, gamma, blur, noise, JPEG", ["--seg-augment", "photometric"]),
    "fourier": ("appearance", "PASTA amplitude-spectrum perturbation", ["--seg-augment", "fourier"]),
    "copy_paste": ("appearance", "another synthetic image's people, riders, two-wheelers, signs, lights pasted into half "
                   "the images", ["--seg-copy-paste", "0.5"]),
    "rare_class": ("appearance", "rare-class sampling, temperature 0.01 (DAFormer)", ["--seg-rare-class-sampling", "0.01"]),
    "mixstyle": ("appearance", "MixStyle after the backbone's stride-4 and stride-8 stages",
                 ["--seg-feature-style", "mixstyle"]),
    "feature_distance": ("appearance", "distance to the frozen ImageNet backbone's features on thing pixels, weight 0.005",
                         ["--seg-feature-distance", "0.005"]),
    "combined": ("appearance", "copy-paste, rare-class sampling and MixStyle together",
                 ["--seg-copy-paste", "0.5", "--seg-rare-class-sampling", "0.01", "--seg-feature-style", "mixstyle"]),
    "background": ("pseudo", "the paper's background-mode pseudo-labels", ["--pseudo-class-share", "0"]),
    "fused": ("pseudo", "pseudo-labels from the fused map: the detector's things kept",
              ["--pseudo-mode", "fused", "--pseudo-class-share", "0"]),
    "share50": ("pseudo", "background mode, each class keeps its most confident 50% (CBST)",
                ["--pseudo-class-share", "0.5"]),
    "fused_share50": ("pseudo", "fused mode and class shares of 50%",
                      ["--pseudo-mode", "fused", "--pseudo-class-share", "0.5"]),
    "share50_round2": ("pseudo", "share50, then a second round: pseudo-labels from its retrained DeepLab, retrained again",
                       ["--pseudo-class-share", "0.5", "--pseudo-rounds", "2"]),
}
# A variant that continues another's run: its first self-training round is copied from that run, not redone.
CONTINUES = {"share50_round2": "share50"}
ROWS = {"appearance": ("deeplab",), "pseudo": ("deeplab_psgt", "ours_psgt")}
CLASSES = ("Car", "Pavement", "Pedestrian", "Bicyclist", "SignSymbol")


def copied(name: str, seed: int, base: Path, runs: Path) -> tuple[Path, tuple[str, ...]]:
    """Where a pseudo-label variant's run starts from (seed S's base run, or the run it continues) and what it copies:
    the models, and a continuing variant's first round."""
    earlier = runs / f"{CONTINUES[name]}_s{seed}" if name in CONTINUES else base / f"seed{seed}"
    parts = ("models/seg_veis", "models/det_veis", "predictions/det_veis")
    return earlier, parts + (("models/seg_retrain", "pseudo") if name in CONTINUES else ())


def needs(name: str, seed: int, base: Path, runs: Path) -> list[Path]:
    """What a variant's run reads from earlier runs: seed 0's images, or what it copies."""
    if VARIANTS[name][0] == "appearance":
        return [base / "seed0" / "data" / "source"]
    earlier, parts = copied(name, seed, base, runs)
    return [earlier / part for part in parts]


def run(name: str, seed: int, camvid: Path, base: Path, runs: Path) -> dict:
    kind, _, flags = VARIANTS[name]
    source = base / ("seed0" if kind == "appearance" else f"seed{seed}")
    out = runs / f"{name}_s{seed}"
    if kind == "pseudo":
        earlier, parts = copied(name, seed, base, runs)
        for part in parts:
            if not (out / part).exists():
                shutil.copytree(earlier / part, out / part)
    command = [str(Path(sys.executable).parent / "segkit"), "bench", "sim2real", "--camvid", str(camvid),
               "--veis", str(source / "data" / "source"), "--seed", str(seed), "--out", str(out),
               "--progress", "false", *[a for row in ROWS[kind] for a in ("--only", row)], *flags]
    if subprocess.run(command).returncode != 0:
        raise SystemExit(f"generalisation: {name} seed {seed} failed; rerun to continue it ({out})")
    report = json.loads((out / "sim2real.json").read_text())
    return {row: report["rows"][row] for row in ROWS[kind]} | {"minutes": _minutes(name, report["stage_seconds"]),
                                                                "machine": report.get("machine")}


def _minutes(name: str, stage_seconds: dict) -> float:
    """The stages a variant runs itself: DeepLab's training and prediction, or the pseudo-labels, the retrain and
    its fusion, or a continuing variant's later rounds (a base run's other stages, and what a variant copied, not
    counted)."""
    if name in CONTINUES:
        own = ("round",)
    else:
        own = ("seg veis", "deeplab") if VARIANTS[name][0] == "appearance" else ("pseudo", "retrain", "psgt")
    return round(sum(v for k, v in stage_seconds.items() if any(part in k for part in own)) / 60, 1)


def _against(results: dict, name: str, row: str) -> str:
    """The mean difference to the variant's own baseline (appearance: baseline; pseudo: background) on shared seeds."""
    base = "baseline" if VARIANTS[name][0] == "appearance" else "background"
    shared = [s for s in results[name] if s in results.get(base, {})]
    if name == base or not shared:
        return ""
    return f"{statistics.fmean(results[name][s][row]['mIoU'] - results[base][s][row]['mIoU'] for s in shared):+.1f}"


def write_table(results: dict, seeds: list[int], recorded: dict | None = None, folder: Path | None = None) -> None:
    """``recorded``: variant -> the seeds whose results came from an earlier generalisation.json, not a run here;
    ``folder``: where the table, JSON and chart go (RESULTS)."""
    recorded = {name: seeds for name, seeds in (recorded or {}).items() if seeds and name in results}
    folder = folder or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# Learning more from synthetic images alone: CamVid val", "",
             "mIoU (%) per seed and mean ± sd over the seeds run; Δ: the mean difference to the variant's own baseline "
             "(appearance: baseline; pseudo: background) on the same seeds. Appearance variants: the synthetic-only "
             "DeepLab retrained on seed 0's 600 images with training seed S; pseudo-label variants: seed S's models, "
             "new pseudo-labels of CamVid train (labels unused), the retrain and its fusion.", "",
             "| variant | kind | change | row | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± sd | Δ | things |"
             " stuff | " + " | ".join(CLASSES) + " | minutes |", "|---|---|---|---|" + "---|" * (len(seeds) + 5 + len(CLASSES))]
    for name, per_seed in results.items():
        kind, change, _ = VARIANTS[name]
        for row in ROWS[kind]:
            cells = [per_seed[s][row] for s in seeds if s in per_seed]
            miou = [c["mIoU"] for c in cells]
            lines.append(f"| {name} | {kind} | {change} | {row} | "
                         + " | ".join(f"{per_seed[s][row]['mIoU']:.1f}" if s in per_seed else "–" for s in seeds) + " | "
                         f"**{mean_sd(miou)}** | {_against(results, name, row)} | "
                         f"{mean_sd([c['mIoU_things'] for c in cells])} | {mean_sd([c['mIoU_stuff'] for c in cells])} | "
                         + " | ".join(mean_sd([c["iou"][k] or 0.0 for c in cells]) if all(k in c["iou"] for c in cells)
                                      else "–" for k in CLASSES)
                         + f" | {mean_sd([per_seed[s]['minutes'] for s in seeds if s in per_seed])} |")
    lines += ["", "Minutes: the stages a variant runs itself (appearance: training and predicting DeepLab; pseudo: "
              "pseudo-labels, the retrain, its prediction and fusion). Machine: " + _machines(results) + "."]
    if recorded:
        lines += ["", "Taken from an earlier run's generalisation.json (its run folders not kept): "
                  + "; ".join(f"{name} seed{'s' * (len(s) > 1)} {', '.join(map(str, s))}" for name, s in recorded.items())
                  + "."]
    (folder / "generalisation.md").write_text("\n".join(lines) + "\n")
    (folder / "generalisation.json").write_text(json.dumps({"variants": {n: VARIANTS[n][:2] for n in results},
                                                             "results": results, "recorded": recorded}, indent=1) + "\n")
    _chart(results, seeds, folder / "generalisation.png")


def _machines(results: dict) -> str:
    """The machines the runs recorded."""
    seen = sorted({describe_machine(m) for per_seed in results.values() for run in per_seed.values()
                   if (m := run.get("machine"))})
    return "; ".join(seen) if seen else "this project's 2-core CPU, no GPU (not recorded per run)"


def _chart(results: dict, seeds: list[int], path: Path) -> None:
    from segkit.bench.charts import seed_bars

    bars = [(f"{name}\n{row}", [results[name][s][row]["mIoU"] for s in seeds if s in results[name]])
            for name in results for row in ROWS[VARIANTS[name][0]]]
    seed_bars(path, [label for label, _ in bars], [values for _, values in bars],
              value_label="mIoU on CamVid val (%)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camvid", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True, help="benchmarks/sim2real_seeds.py's runs folder")
    parser.add_argument("--runs", type=Path, default=Path("runs/generalisation"))
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), help="default: every variant")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--final", action="append", default=[], choices=list(VARIANTS),
                        help="a variant run over --final-seeds instead (the chosen combination)")
    parser.add_argument("--final-seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--results", type=Path, help=f"where the table, JSON and chart go (default: {RESULTS})")
    parser.add_argument("--recorded", type=Path, help="an earlier generalisation.json: its results stand in for the "
                        "variants and seeds that --runs has no finished run of (the table names them)")
    args = parser.parse_args(argv)
    if not (args.camvid / "val.txt").is_file():
        parser.error(f"--camvid {args.camvid}: no val.txt there (a CamVid folder as distributed)")
    everywhere = sorted(set(args.seeds) | (set(args.final_seeds) if args.final else set()))
    recorded = _recorded(parser, args.recorded)
    # variant -> seed -> whether it runs here (else its recorded result stands in)
    plan = {name: {seed: seed not in recorded.get(name, {}) or (args.runs / f"{name}_s{seed}" / "sim2real.json").is_file()
                   for seed in (args.final_seeds if name in args.final else args.seeds)}
            for name in args.variant or list(VARIANTS)}
    for name, seeds in plan.items():
        if name in CONTINUES and (CONTINUES[name] not in plan or list(plan).index(CONTINUES[name]) > list(plan).index(name)):
            parser.error(f"--variant {name} continues {CONTINUES[name]}'s runs: name that variant before it")
        for seed in (s for s, runs in seeds.items() if runs and not (name in CONTINUES and plan[CONTINUES[name]].get(s))):
            missing = [p for p in needs(name, seed, args.base, args.runs) if not p.exists()]
            if missing:
                parser.error(f"{name} seed {seed} needs {missing[0]}: make it first (benchmarks/sim2real_seeds.py "
                             f"--seeds {seed}, or the variant it continues)")
    results = {}
    for name, seeds in plan.items():
        results[name] = {seed: run(name, seed, args.camvid.resolve(), args.base, args.runs) if runs else recorded[name][seed]
                         for seed, runs in seeds.items()}
        write_table(results, everywhere, {n: [s for s, runs in seeds.items() if not runs] for n, seeds in plan.items()},
                    args.results)
    print(((args.results or RESULTS) / "generalisation.md").read_text())
    return 0


def _recorded(parser: argparse.ArgumentParser, path: Path | None) -> dict:
    if path is None:
        return {}
    try:
        results = json.loads(path.read_text())["results"]
        return {name: {int(seed): row for seed, row in per_seed.items()} for name, per_seed in results.items()
                if name in VARIANTS}
    except (OSError, ValueError, KeyError, AttributeError) as error:
        parser.error(f"--recorded {path}: not a generalisation.json ({error})")


if __name__ == "__main__":
    sys.exit(main())
