"""The sim2real table over several seeds: how far one run's numbers can be trusted.

    python benchmarks/sim2real_seeds.py --camvid DIR [--runs runs/sim2real_seeds] [--seeds 0 1 2] [--oracle-seeds 0]
                                        [--results benchmarks/results/sim2real_seeds]

Each seed is one whole `segkit bench sim2real --seed S` with the suite's defaults (generation, both models' training
and their data order all follow the seed) in RUNS/seedS; the oracle, which uses no synthetic data, runs only for
``--oracle-seeds``. Stages are cached, so a rerun continues a killed seed and only re-reads finished ones. Writes
benchmarks/results/sim2real_seeds/ (or ``--results``; markdown, JSON, chart): each row's mIoU per seed, mean and
sample standard deviation, per class too, and the fusion and pseudo-label gains measured within each seed. CamVid
val numbers.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from segkit.bench.charts import seed_bars
from segkit.bench.sim2real_report import ROWS, describe_machine

RESULTS = Path(__file__).parent / "results" / "sim2real_seeds"
GAINS = {"fusion (Ours - DeepLab)": ("ours", "deeplab"), "ps-GT (Ours & ps-GT - Ours)": ("ours_psgt", "ours"),
         "Ours & ps-GT - DeepLab": ("ours_psgt", "deeplab")}


def run_seed(seed: int, camvid: Path, runs: Path, oracle: bool) -> dict:
    from segkit.bench.sim2real import Sim2RealConfig, run_sim2real

    rows = tuple(ROWS) if oracle else tuple(r for r in ROWS if r != "oracle")
    config = Sim2RealConfig(out=runs / f"seed{seed}", seed=seed, only=rows, roots={"camvid": str(camvid)}, progress=False)
    return run_sim2real(config)


def spread(values: list[float | None]) -> dict:
    """Mean and sample standard deviation of the seeds that have a value (a class never predicted has IoU 0)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"mean": None, "sd": None, "n": 0}
    return {"mean": round(statistics.fmean(values), 2), "sd": round(statistics.stdev(values), 2) if len(values) > 1 else None,
            "n": len(values)}


def summarise(reports: dict[int, dict]) -> dict:
    first = next(iter(reports.values()))
    rows = {}
    for name in ROWS:
        seeds = {s: r["rows"][name] for s, r in reports.items() if name in r["rows"]}
        if not seeds:
            continue
        rows[name] = {"row": ROWS[name][0], "per_seed": {s: row["mIoU"] for s, row in seeds.items()},
                      **{key: spread([row[key] for row in seeds.values()]) for key in ("mIoU", "mIoU_things", "mIoU_stuff")},
                      "iou": {c: spread([row["iou"][c] for row in seeds.values()]) for c in first["classes"]}}
    gains = {}
    for title, (a, b) in GAINS.items():
        per_seed = {s: round(r["rows"][a]["mIoU"] - r["rows"][b]["mIoU"], 2) for s, r in reports.items()
                    if a in r["rows"] and b in r["rows"]}
        if per_seed:
            gains[title] = {"per_seed": per_seed, **spread(list(per_seed.values()))}
    return {"target": first["target"], "classes": first["classes"], "seeds": list(reports), "rows": rows,
            "gains": gains, "minutes_per_seed": {s: r["total_minutes"] for s, r in reports.items()},
            "machine": first["machine"], "settings": {s: r["settings"] for s, r in reports.items()}}


def _pm(cell: dict) -> str:
    if cell["mean"] is None:
        return "n/a"
    return f"{cell['mean']:.1f}" + (f" ± {cell['sd']:.1f}" if cell["sd"] is not None else "")


def markdown(summary: dict) -> str:
    seeds, classes = summary["seeds"], summary["classes"]
    lines = [f"# Sim-to-real over {len(seeds)} seeds: synthetic training, real {summary['target']}", "",
             "Each seed is a whole `segkit bench sim2real --seed S` with its defaults: 600 CamVid-style veis-gen images "
             "generated from the seed, DeepLab and Mask R-CNN trained from ImageNet with the seed, pseudo-labels and the "
             "retrain. mIoU (%) on CamVid val (a val split: tuned on), mean ± sample standard deviation over the seeds "
             "that ran the row.", "",
             "| row | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± sd | things | stuff |",
             "|---|" + "---|" * (len(seeds) + 3)]
    for row in summary["rows"].values():
        cells = [f"{row['per_seed'][s]:.1f}" if s in row["per_seed"] else "not run" for s in seeds]
        lines.append(f"| {row['row']} | " + " | ".join(cells) + f" | **{_pm(row['mIoU'])}** | {_pm(row['mIoU_things'])} | "
                     f"{_pm(row['mIoU_stuff'])} |")
    lines += ["", "Gains measured within each seed (same synthetic data and models), mIoU points:", "",
              "| gain | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± sd |", "|---|" + "---|" * (len(seeds) + 1)]
    for title, gain in summary["gains"].items():
        cells = [f"{gain['per_seed'][s]:+.1f}" if s in gain["per_seed"] else "" for s in seeds]
        lines.append(f"| {title} | " + " | ".join(cells) + f" | {_pm(gain)} |")
    lines += ["", "Per class, IoU (%) mean ± sd:", "", "| row | " + " | ".join(classes) + " |", "|---|" + "---|" * len(classes)]
    for row in summary["rows"].values():
        lines.append(f"| {row['row']} | " + " | ".join(_pm(row["iou"][c]) for c in classes) + " |")
    machine = summary["machine"]
    minutes = ", ".join(f"seed {s}: {m:.0f}" for s, m in summary["minutes_per_seed"].items())
    lines += ["", f"Minutes per seed (every stage, generation included; the oracle only where it ran): {minutes}. "
              f"Machine: {describe_machine(machine)}, {machine.get('platform') or 'platform not recorded'}."]
    return "\n".join(lines) + "\n"


def chart(summary: dict, path: Path) -> None:
    rows = list(summary["rows"].values())
    seed_bars(path, [r["row"].split(" (")[0] for r in rows], [list(r["per_seed"].values()) for r in rows],
              value_label=f"mIoU on {summary['target']} (%)",
              title=f"{len(summary['seeds'])} seeds: mean ± sd (bars), each seed (dots)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--camvid", type=Path, required=True)
    parser.add_argument("--runs", type=Path, default=Path("runs/sim2real_seeds"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--oracle-seeds", type=int, nargs="*", default=[0], help="the seeds that also train the oracle")
    parser.add_argument("--results", type=Path, default=RESULTS, help=f"where the table, JSON and chart go ({RESULTS})")
    args = parser.parse_args(argv)
    if not (args.camvid / "val.txt").is_file():
        parser.error(f"--camvid {args.camvid}: no val.txt there (a CamVid folder as distributed)")
    if len(set(args.seeds)) < 2:
        parser.error("--seeds: give at least two different seeds (a spread needs two)")
    reports = {}
    for seed in args.seeds:
        reports[seed] = run_seed(seed, args.camvid.resolve(), args.runs, seed in args.oracle_seeds)
        print(f"seed {seed}: " + ", ".join(f"{n} {r['mIoU']:.1f}" for n, r in reports[seed]["rows"].items()), flush=True)
    summary, results = summarise(reports), args.results
    results.mkdir(parents=True, exist_ok=True)
    (results / "sim2real_seeds.md").write_text(markdown(summary))
    (results / "sim2real_seeds.json").write_text(json.dumps(summary, indent=1) + "\n")
    chart(summary, results / "sim2real_seeds.png")
    print((results / "sim2real_seeds.md").read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
