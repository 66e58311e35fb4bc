"""The report of `make gpu-check`: gpu_check.json (everything measured), gpu_check.md, gpu_check.png."""
from __future__ import annotations

import json
from pathlib import Path

SLOWER = 0.95  # ours below this fraction of the plain loop's images/s is called slower (timing noise is ~2%)


def _number(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def markdown(report: dict) -> str:
    env = report["environment"]
    where = env.get("gpu", "CPU")
    lines = ["# GPU check", ""]
    if report["dry_run"]:
        lines += [f"**Dry run on the CPU at toy sizes: {report['reason']}.** The figures below only show that every "
                  "part runs; they say nothing about GPU speed.", ""]
    lines += [f"{where}; Python {env['python']}, torch {env['torch']}, torchvision {env['torchvision']}"
              + (f", CUDA {env['cuda']}" if env.get("cuda") else "") + f"; {report['seconds']} s in all.", "",
              "## Models", "",
              "Images/s of one training step (segkit's `train_one_step`, and a plain torchvision-reference loop on the "
              "same model, batch and SGD), of inference, and peak GPU memory (GiB).", "",
              "| model | precision | size x batch | ours train | plain train | ours/plain | inference | peak train | peak inference |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in report["models"]:
        if "error" in row:
            lines.append(f"| {row['model']} | {row['precision']} | | {row['error']} | | | | | |")
            continue
        ratio = row["ours_vs_plain"]
        flag = " (slower)" if ratio < SLOWER else ""
        lines.append(f"| {row['model']} | {row['precision']} | {row['size'][0]}x{row['size'][1]} x {row['batch']} | "
                     f"{_number(row['ours_train_images_s'])} | {_number(row['plain_train_images_s'])} | {ratio:.2f}{flag} | "
                     f"{_number(row['inference_images_s'])} | {_number(row['ours_train_peak_gib'], 2)} | "
                     f"{_number(row['inference_peak_gib'], 2)} |")
    lines += ["", "## Prediction (segkit.predict.segment)", "", "| size | flip | window | images/s | peak GiB |",
              "|---|---|---|---|---|"]
    for row in report["prediction"]:
        window = "x".join(map(str, row["window"])) or "whole image"
        lines.append(f"| {row['size'][0]}x{row['size'][1]} | {row['flip']} | {window} | {_number(row['images_s'], 2)} | "
                     f"{_number(row['peak_gib'], 2)} |")
    lines += ["", "## DistributedDataParallel (`segkit train` under torchrun)", "",
              "| processes | batch per process | exit | seconds | first losses | last loss |", "|---|---|---|---|---|---|"]
    for name, run in report["ddp"].items():
        losses = run["losses"]
        lines.append(f"| {name.split('_')[0]} | {run['batch_per_process']} | {run['returncode']} | {run['seconds']} | "
                     f"{', '.join(map(str, losses[:3]))} | {losses[-1] if losses else 'n/a'} |")
        if run["error"]:
            lines.append(f"|  | error: {' / '.join(run['error'])} | | | | |")
    for part, error in report.get("errors", {}).items():
        lines += ["", f"**{part} failed**: {error}"]
    real = report.get("real")
    lines += ["", "## Real run (CamVid oracle)", ""]
    if real is None:
        lines.append("Not run: no --camvid folder given.")
    elif real["row"] is None:
        lines.append(f"Failed (exit {real['returncode']}): {' / '.join(real['error'])}")
    else:
        lines.append(f"{real['iterations']} steps in {real['seconds']} s: mIoU {real['row']['mIoU']} (CamVid val, 11 classes).")
    return "\n".join(lines) + "\n"


def chart(report: dict, path: Path) -> None:
    from segkit.bench.charts import grouped_bars

    rows = [r for r in report["models"] if "error" not in r]
    series = {"segkit train step": [r["ours_train_images_s"] for r in rows],
              "plain torchvision-style loop": [r["plain_train_images_s"] for r in rows]}
    grouped_bars(path, [f"{r['model']} {r['precision']}" for r in rows], series, horizontal=True,
                 value_label="training images/s" + (" (CPU dry run, toy sizes)" if report["dry_run"] else ""))


def write_report(out: Path, report: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "gpu_check.md").write_text(markdown(report))
    chart(report, out / "gpu_check.png")
