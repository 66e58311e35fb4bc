"""The sim2real report: sim2real.md, sim2real.json and a per-class chart, beside the paper's CamVid numbers."""
from __future__ import annotations

import json
import os
import platform
from pathlib import Path

from segkit import labels
from segkit.bench.stages import MARKER
from segkit.bench.charts import grouped_bars
from segkit.bench.suite import percent, row_key
from segkit.bench.targets import describe_generator
from segkit.config import flat
from segkit.data.labels_io import read_classes, space_of

ROWS = {  # row -> (title, what it needs, the paper's CamVid row beside it)
    "deeplab": ("DeepLab (synthetic only)", "seg:veis", "GTA5+VEIS"),
    "ours": ("Ours (DeepLab + Mask R-CNN, fused)", "fuse:veis", "Ours"),
    "deeplab_psgt": ("DeepLab & ps-GT", "seg:retrain", None),
    "ours_psgt": ("Ours & ps-GT", "fuse:retrain", "Ours & pseudo-GT"),
    "oracle": ("Oracle (DeepLab on the target's real labels)", "seg:oracle", None),
}
# Saleh et al., Table 4: mIoU (%) on CamVid over the 11 classes.
PAPER_CAMVID = {"GTA5": 44.6, "GTA5+VEIS": 44.4, "Ours": 47.6, "Ours & pseudo-GT": 48.8}


def prediction_folder(config, row: str) -> Path:
    """Where a row's train-id maps are: the fused ones for fusion rows, DeepLab's for the others."""
    kind, key = row_key(config, ROWS[row][1])
    return config.out / "predictions" / (f"fused_{key}" if kind == "fuse" else f"seg_{key}")


def _cell(value) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def stage_seconds(out: Path) -> dict[str, float]:
    """What each cached stage took when it ran (skipped reruns keep the first run's time)."""
    times = {}
    for marker in sorted(Path(out).rglob(MARKER)):
        record = json.loads(marker.read_text())
        times[record.get("stage", marker.parent.name)] = record.get("seconds", 0.0)
    return times


def cpu_model() -> str | None:
    """The processor's name (Linux): one seed's numbers move with the machine, so reports say which it was."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or None
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), None)


def describe_machine(machine: dict) -> str:
    """A report's ``machine`` in a line (reports before 12-07 recorded no CPU model)."""
    return (f"{machine.get('cpus')} CPUs ({machine.get('cpu') or 'model not recorded'}, "
            f"{machine.get('cpu_capability') or '?'}), torch {machine.get('torch')} on {machine.get('device')}")


def write_report(config, results: dict[str, dict], detector: dict[str, dict]) -> dict:
    from functools import partial

    import torch

    from segkit.data import catalog
    from segkit.device import choose_device
    from segkit.formats.atomic import write_json, write_text

    pct = partial(percent, digits=2)  # the report's percentages keep two decimals
    space = space_of(catalog.get(config.target, roots=config.roots))
    classes, things = space.classes, space.things
    rows = {}
    for name, metrics in results.items():
        title, _, paper_row = ROWS[name]
        rows[name] = {"row": title, "paper_row": paper_row, "paper_mIoU": PAPER_CAMVID.get(paper_row),
                      "mIoU": pct(metrics.get("mIoU")), "mIoU_things": pct(metrics.get("mIoU_foreground")),
                      "mIoU_stuff": pct(metrics.get("mIoU_background")),
                      "pixel_accuracy": pct(metrics.get("pixel_accuracy")),
                      "iou": {c: pct(metrics.get(f"IoU-{c}")) for c in classes}}
    times = stage_seconds(config.out)
    machine = {"cpus": os.cpu_count(), "cpu": cpu_model(), "cpu_capability": torch.backends.cpu.get_cpu_capability(),
               "platform": platform.platform(), "python": platform.python_version(), "torch": torch.__version__,
               "device": choose_device(config.device).type}
    report = {"target": config.target, "classes": list(classes), "things": list(things), "rows": rows,
              "detector": {name: {c: {k: (pct(v) if k.endswith(("recall", "precision")) else v) for k, v in s.items()}
                                  for c, s in per_class.items()} for name, per_class in detector.items()},
              "paper_camvid_table4": PAPER_CAMVID, "stage_seconds": times,
              "total_minutes": round(sum(times.values()) / 60, 1), "machine": machine,
              "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in flat(config).items()}}
    report["confusions"] = {name: _where_pixels_went(config, name, space) for name in ("deeplab", "ours") if name in rows}
    if "deeplab" in rows and "ours" in rows and rows["ours"]["mIoU"] is not None:
        report["fusion_gain_mIoU"] = round(rows["ours"]["mIoU"] - rows["deeplab"]["mIoU"], 2)
    if "deeplab" in rows and "oracle" in rows:
        report["gap_to_oracle_mIoU"] = round(rows["oracle"]["mIoU"] - rows["deeplab"]["mIoU"], 2)
    write_text(config.out / "sim2real.md", _markdown(config, report))
    write_json(config.out / "sim2real.json", report, indent=1)
    grouped_bars(config.out / "sim2real.png", classes,
                 {f"{row['row']}: {_cell(row['mIoU'])}": [row["iou"][c] for c in classes] for row in rows.values()},
                 value_label="IoU (%)",
                 title=f"Synthetic-only training, real {config.target}: IoU per class (legend: mIoU)")
    _examples(config, list(results), space)
    return report


def _where_pixels_went(config, row: str, space: labels.ClassSpace, top: int = 3) -> dict[str, dict[str, float]]:
    """For each class, the share (%) of its labelled pixels predicted as each of the ``top`` commonest classes."""
    import numpy as np

    from segkit.data import catalog
    from segkit.evaluation.semantic import confusion_matrix
    from segkit.formats.png import read_png

    classes, void = space.classes, space.void
    size = max(len(classes), void) + 1
    total = np.zeros((size, size), dtype=np.int64)
    folder = prediction_folder(config, row)
    for record in catalog.get(config.target, roots=config.roots):
        if record.label is None:
            continue
        predicted = space.from_train_id[read_png(folder / f"{record.name}_pred.png")]
        total += confusion_matrix(read_classes(record), predicted, size)
    result = {}
    for index, name in enumerate(classes):
        row_counts = total[index]
        if row_counts.sum() == 0:
            continue
        order = np.argsort(-row_counts, kind="stable")[:top]
        result[name] = {(classes[j] if j < len(classes) else "void"): round(100 * row_counts[j] / row_counts.sum(), 1)
                        for j in order if row_counts[j] > 0}
    return result


def _examples(config, rows: list[str], space: labels.ClassSpace, count: int = 4) -> None:
    """sim2real_examples.png: for a few target images, the image, its labels and each row's prediction, in the
    target's classes (coloured as their Cityscapes counterparts; void black)."""
    import numpy as np

    from segkit.data import catalog
    from segkit.data.torch_data import read_image
    from segkit.formats.png import read_png, write_png

    records = [r for r in catalog.get(config.target, roots=config.roots) if r.label is not None]
    picks = [records[i] for i in np.linspace(0, len(records) - 1, min(count, len(records))).round().astype(int)]
    classes, void = space.classes, space.void
    palette = np.zeros((256, 3), np.uint8)
    for index, name in enumerate(classes):
        palette[index] = labels.BY_NAME[labels.CAMVID_REPRESENTATIVE.get(name, name)].color
    if void < 256:
        palette[void] = 0
    folders = [prediction_folder(config, name) for name in rows]
    lines = []
    for record in picks:
        cells = [read_image(record.image), palette[read_classes(record)]]
        cells += [palette[space.from_train_id[read_png(folder / f"{record.name}_pred.png")]] for folder in folders]
        lines.append(np.concatenate([np.pad(c, ((2, 2), (2, 2), (0, 0)), constant_values=255) for c in cells], axis=1))
    write_png(config.out / "sim2real_examples.png", np.concatenate(lines, axis=0))


def _markdown(config, report: dict) -> str:
    classes, rows = report["classes"], report["rows"]
    if list(rows) == ["oracle"]:
        setup = (f"The oracle alone: segmenter {config.seg.model} ({config.seg.iterations} steps of "
                 f"{config.seg.batch_size}, from {config.seg.init}) trained on {config.oracle}; no synthetic data. ")
    else:
        made = config.veis or f"generated at {config.size or 'the target size'} with {describe_generator(config)}"
        setup = (f"Trained only on {config.source_count if not config.veis else 'the given'} veis-gen images "
                 f"({made}); segmenter {config.seg.model} "
                 f"({config.seg.iterations} steps of {config.seg.batch_size}), detector {config.det.model} "
                 f"({config.det.iterations} steps of {config.det.batch_size}), both from {config.seg.init}. "
                 f"Pseudo-labels ({config.pseudo_mode}) on {', '.join(config.unlabeled)} (labels unused), retrain "
                 f"{config.retrain_iterations} steps"
                 f"{f' in each of {config.pseudo_rounds} self-training rounds' if config.pseudo_rounds > 1 else ''}. The oracle trains the same segmenter on {config.oracle}. ")
    lines = [f"# Sim-to-real: synthetic training, real {config.target}", "",
             setup + f"IoU (%) on {config.target}; the paper's CamVid mIoU (Table 4) beside each row where it has one.", "",
             "| row | paper | mIoU | things | stuff | " + " | ".join(classes) + " |",
             "|---|---|---|---|---|" + "---|" * len(classes)]
    for row in rows.values():
        lines.append(f"| {row['row']} | {_cell(row['paper_mIoU'])} | {_cell(row['mIoU'])} | {_cell(row['mIoU_things'])} | "
                     f"{_cell(row['mIoU_stuff'])} | " + " | ".join(_cell(row["iou"][c]) for c in classes) + " |")
    lines.append("")
    if "fusion_gain_mIoU" in report:
        lines.append(f"Fusion: Ours - DeepLab = {report['fusion_gain_mIoU']:+.2f} mIoU (paper, CamVid: +3.2 over GTA5+VEIS).")
    if "gap_to_oracle_mIoU" in report:
        lines.append(f"Oracle - DeepLab (synthetic only) = {report['gap_to_oracle_mIoU']:.2f} mIoU.")
    for name, per_class in report["detector"].items():
        lines += ["", f"## What the detector pasted ({rows[name]['row']})", "",
                  "Recall: the share of a class's real pixels that a pasted mask of that class covers; precision: the "
                  "share of its pasted (labelled) pixels that are that class; DeepLab recall: the same for DeepLab alone.", "",
                  "| class | real pixels | pasted pixels | recall | precision | DeepLab recall |", "|---|---|---|---|---|---|"]
        for c, s in per_class.items():
            lines.append(f"| {c} | {s['real_pixels']} | {s['pasted_pixels']} | {_cell(s['recall'])} | "
                         f"{_cell(s['precision'])} | {_cell(s['deeplab_recall'])} |")
    for name, per_class in report["confusions"].items():
        lines += ["", f"## Where each class's real pixels went ({rows[name]['row']})", "",
                  "| class | predicted as (% of its labelled pixels) |", "|---|---|"]
        lines += [f"| {c} | " + ", ".join(f"{p} {v:.1f}" for p, v in went.items()) + " |" for c, went in per_class.items()]
    machine = report["machine"]
    lines += ["", f"Machine: {machine['cpus']} CPU(s), {machine['platform']}, Python {machine['python']}, torch "
              f"{machine['torch']}, on {machine['device']}. Stages took {report['total_minutes']} min in all:", ""]
    lines += [f"- {stage}: {seconds / 60:.1f} min" for stage, seconds in report["stage_seconds"].items()]
    lines += ["", "Examples (`sim2real_examples.png`), one target image a line: the image, its labels, then "
              + ", ".join(row["row"] for row in rows.values()) + "."]
    return "\n".join(lines) + "\n"
