"""The bar charts of every suite report and benchmark script: grouped bars (a bar per series in each category) and
seed bars (mean ± sample sd over seeds, a dot per seed). matplotlib is imported only when a chart is drawn."""
from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path


def grouped_bars(path: Path, categories: Sequence[str], series: Mapping[str, Sequence[float | None]], *,
                 value_label: str, title: str = "", horizontal: bool = False) -> None:
    """One group per category, one bar per series in it (legend: the series' names); a value of None draws no bar.
    ``horizontal``: categories down the side, first at the top."""
    import numpy as np

    plt = _pyplot()
    count = max(1, len(series))
    width = 0.8 / count
    if horizontal:
        size = (10, 0.3 * len(categories) * max(1, count / 2) + 1.5)
    else:
        size = (min(16, max(8, 0.6 * len(categories) * max(1, count / 2))), 4)
    figure, axes = plt.subplots(figsize=size)
    try:
        positions = np.arange(len(categories))
        draw = axes.barh if horizontal else axes.bar
        for index, (name, values) in enumerate(series.items()):
            heights = [0 if v is None else v for v in values]
            draw(positions + (index - (count - 1) / 2) * width, heights, width, label=name)
        if horizontal:
            axes.set_yticks(positions, categories, fontsize=7)
            axes.invert_yaxis()
            axes.set_xlabel(value_label)
        else:
            axes.set_xticks(positions, categories, rotation=30, ha="right")
            axes.set_ylabel(value_label)
        if title:
            axes.set_title(title)
        axes.legend(fontsize=8)
        _save(figure, path)
    finally:
        plt.close(figure)


def seed_bars(path: Path, labels: Sequence[str], values_per_seed: Sequence[Sequence[float | None]], *,
              value_label: str, title: str = "") -> None:
    """A bar per label at the mean of its seeds' values, the sample standard deviation as its error bar (none for
    one seed), and a dot per seed; None values (a seed without that number) are left out."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(max(8, 0.9 * len(labels)), 3.5))
    try:
        for x, values in enumerate(values_per_seed):
            values = [v for v in values if v is not None]
            if not values:
                continue
            spread = statistics.stdev(values) if len(values) > 1 else 0
            axes.bar(x, statistics.fmean(values), 0.6, yerr=spread, capsize=4, color="#9ab")
            axes.plot([x] * len(values), values, "k.", markersize=6)
        axes.set_xticks(range(len(labels)), labels, rotation=15, ha="right", fontsize=8)
        axes.set_ylabel(value_label)
        if title:
            axes.set_title(title)
        _save(figure, path)
    finally:
        plt.close(figure)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, and the same output on every machine
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path: Path) -> None:
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
