"""Images per second of `veis-gen generate` with every output written, and where the time goes.

    python benchmarks/generate_speed.py [--row NAME ...] [--count 40] [--workers N] [--out DIR]

Each row is a generator setting run into a temporary folder (removed afterwards). Images/s is the steady state:
wall-clock from the moment as many images are done as there are workers (start-up, mesh building and caches
behind them) to the last image, as ``generate`` reports it; the whole run's rate, start-up included, is beside it. The
stage split is busy time per image, summed over workers.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from segkit.bench.sim2real_report import cpu_model
from segkit.bench.targets import TARGET_GENERATOR
from veis_gen.generate import STAGES, GenerateConfig, generate

CAMVID = {"scenes": "complex", **TARGET_GENERATOR["camvid"]}
# name -> (size, settings): the default complex scenes, CamVid's style at its size, and issue 23's settings on it
ROWS = {
    "default_complex": ("1024x512", {"scenes": "complex"}),
    "default_mixed": ("1024x512", {"scenes": "mixed"}),
    "camvid": ("480x360", CAMVID),
    "camvid_sky": ("480x360", {**CAMVID, "sky": "graded"}),
    "camvid_shadows": ("480x360", {**CAMVID, "shadows": True}),
    "camvid_all": ("480x360", {**CAMVID, "sky": "graded", "shadows": True, "cyclists_ahead": 0.5}),
    "default_shadows": ("1024x512", {"scenes": "complex", "shadows": True}),
}


def run(name: str, count: int, workers: int, seed: int) -> dict:
    size, settings = ROWS[name]
    folder = Path(tempfile.mkdtemp(prefix="veis-speed-"))
    try:
        start = time.perf_counter()
        result = generate(GenerateConfig(out=folder / "out", count=count, size=size, seed=seed, workers=workers,
                                         progress=False, **settings))
        total = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    steady = result["steady_images"] / result["steady_seconds"] if result.get("steady_seconds") else None
    return {"row": name, "size": size, "settings": settings, "workers": workers, "images": result["made"],
            "steady_rate": steady, "rate": result["made"] / total, "total": total,
            "stages": {k: 1000 * v / result["made"] for k, v in result["stages"].items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--row", action="append", choices=list(ROWS), help="default: every row")
    parser.add_argument("--count", type=int, default=40, help="images per row")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write speed.md and speed.json into this folder")
    args = parser.parse_args()
    if args.count < 2 * args.workers + 2:
        parser.error(f"--count {args.count}: too few images for a steady state with {args.workers} workers")
    machine = (f"{platform.machine()} {cpu_model() or ''}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"backend {os.environ.get('PYOPENGL_PLATFORM') or 'auto'}")
    print(f"machine: {machine}")
    rows = [run(name, args.count, args.workers, args.seed) for name in args.row or list(ROWS)]
    header = (f"{'row':>16} {'size':>9} {'workers':>7} {'images':>6} {'steady/s':>8} {'all/s':>6} "
              + " ".join(f"{s + ' ms':>10}" for s in STAGES))
    lines = [header] + [f"{r['row']:>16} {r['size']:>9} {r['workers']:>7} {r['images']:>6} {r['steady_rate'] or 0:>8.2f} "
                        f"{r['rate']:>6.2f} " + " ".join(f"{r['stages'][s]:>10.0f}" for s in STAGES) for r in rows]
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "speed.json").write_text(json.dumps({"machine": machine, "date": time.strftime("%Y-%m-%d"),
                                                         "rows": rows}, indent=1) + "\n")
        settings = "\n".join(f"- {name}: {size}, {json.dumps(s)}" for name, (size, s) in ROWS.items()
                             if name in {r['row'] for r in rows})
        (args.out / "speed.md").write_text(
            "# veis-gen generate speed (every output written)\n\n"
            f"Machine: {machine}. steady/s: images per second once as many images are done as there are workers; all/s: the "
            "whole run, start-up included. Stage times are per image, summed over workers.\n\n"
            "```\n" + "\n".join(lines) + "\n```\n\nRows:\n" + settings + "\n")


if __name__ == "__main__":
    main()
