"""Images per second of `veis-gen generate` with every output written, and where the time goes.

    python benchmarks/generate_speed.py [--count 40] [--large-count 12] [--workers N] [--scenes mixed]

Runs 1024x512 and 2048x1024 into a temporary folder (removed afterwards) and prints a table. The stage split
is summed over workers (busy time per image); images/s is wall-clock, from the first image to the last.
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

from veis_gen.generate import STAGES, GenerateConfig, generate


def run(size: str, count: int, workers: int, scenes: str, seed: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="veis-speed-"))
    try:
        start = time.perf_counter()
        result = generate(GenerateConfig(out=folder / "out", scenes=scenes, count=count, size=size, seed=seed,
                                         workers=workers, progress=False))
        total = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"size": size, "workers": workers, "images": result["made"], "rate": result["made"] / result["seconds"],
            "total": total, "stages": {k: 1000 * v / result["made"] for k, v in result["stages"].items()},
            "kinds": result["kinds"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40, help="images at 1024x512")
    parser.add_argument("--large-count", type=int, default=12, help="images at 2048x1024 (0: skip)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--scenes", default="mixed")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="also write speed.md and speed.json into this folder")
    args = parser.parse_args()
    machine = (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
               f"backend {os.environ.get('PYOPENGL_PLATFORM') or 'auto'}")
    print(f"machine: {machine}")
    plan = [("1024x512", args.count, 1), ("1024x512", args.count, args.workers), ("2048x1024", args.large_count, args.workers)]
    rows = [run(size, count, workers, args.scenes, args.seed) for size, count, workers in plan if count > 0]
    header = f"{'size':>10} {'workers':>7} {'images':>6} {'img/s':>6} " + " ".join(f"{s + ' ms':>10}" for s in STAGES)
    lines = [header] + [f"{r['size']:>10} {r['workers']:>7} {r['images']:>6} {r['rate']:>6.2f} "
                        + " ".join(f"{r['stages'][s]:>10.0f}" for s in STAGES) + f"   {r['kinds']}" for r in rows]
    print("\n".join(lines))
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "speed.json").write_text(json.dumps({"machine": machine, "scenes": args.scenes, "rows": rows}, indent=1) + "\n")
        (args.out / "speed.md").write_text(f"# veis-gen generate speed ({args.scenes} scenes, every output written)\n\n"
                                           f"Machine: {machine}. Stage times are per image, summed over workers.\n\n"
                                           "```\n" + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    main()
