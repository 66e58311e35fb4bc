"""Every benchmark script's chart, on made-up results: a PNG of the data given, and no figure left open."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from PIL import Image


@pytest.fixture
def heights(monkeypatch):
    """Each closed figure's bar heights (widths for horizontal bars)."""
    seen = []
    close = plt.close

    def record(figure):
        axes = figure.axes[0]
        seen.append([bar.get_width() if axes.yaxis_inverted() else bar.get_height() for bar in axes.patches])
        close(figure)

    monkeypatch.setattr(plt, "close", record)
    return seen


def _png(path: Path) -> bool:
    return Image.open(path).format == "PNG" and plt.get_fignums() == []


def test_recipe_sweep_chart(tmp_path, monkeypatch, heights, benchmark_script):
    module = benchmark_script("recipe_sweep")
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    module._chart({"sgd_crop": {"oracle": {"row": {"mIoU": 39.5}}, "deeplab": {"row": {"mIoU": 27.2}}},
                   "adamw_whole": {"oracle": {"row": {"mIoU": 54.3}}}})
    assert _png(tmp_path / "recipe_sweep.png")
    assert heights == [[39.5, 54.3, 27.2, 0]]  # oracle bars, then synthetic only (adamw_whole's not run)


def test_generator_ablation_chart_closes_its_figure(tmp_path, monkeypatch, heights, benchmark_script):
    module = benchmark_script("generator_ablation")
    monkeypatch.setattr(module, "RESULTS", tmp_path)
    rows = [{"variant": "baseline", "deeplab_mIoU": 30.0, "iou": {"Road": 80.0, "Car": 40.0}},
            {"variant": "full", "deeplab_mIoU": 35.0, "iou": {"Road": 85.0, "Car": 45.0}}]
    module._chart(rows, ["Road", "Car"])
    assert _png(tmp_path / "ablation.png")  # before: its figure was never closed
    assert heights == [[80.0, 40.0, 30.0, 85.0, 45.0, 35.0]]


def test_gpu_check_chart(tmp_path, heights, benchmark_script):
    module = benchmark_script("gpu_check_report")
    report = {"dry_run": True, "models": [
        {"model": "deeplab", "precision": "fp32", "ours_train_images_s": 4.0, "plain_train_images_s": 3.5},
        {"model": "maskrcnn", "precision": "bf16", "error": "out of memory"},
        {"model": "maskrcnn", "precision": "fp32", "ours_train_images_s": 1.0, "plain_train_images_s": 1.25}]}
    module.chart(report, tmp_path / "gpu_check.png")
    assert _png(tmp_path / "gpu_check.png")
    assert heights == [[4.0, 1.0, 3.5, 1.25]]  # the failed model has no bars


def test_sim2real_seeds_chart(tmp_path, heights, benchmark_script):
    module = benchmark_script("sim2real_seeds")
    summary = {"target": "camvid:val", "seeds": [0, 1, 2],
               "rows": {"deeplab": {"row": "DeepLab (synthetic only)", "per_seed": {0: 34.0, 1: 30.0, 2: 32.0}},
                        "oracle": {"row": "Oracle (DeepLab on the target's real labels)", "per_seed": {0: 54.0}}}}
    module.chart(summary, tmp_path / "seeds.png")
    assert _png(tmp_path / "seeds.png")
    assert heights == [[32.0, 54.0]]
