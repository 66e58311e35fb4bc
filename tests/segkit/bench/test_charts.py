"""The one chart module: every bar where its data says, a PNG written, and the figure closed (even on failure)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from segkit.bench.charts import grouped_bars, seed_bars


@pytest.fixture
def drawn(monkeypatch):
    """The figures the charts closed, to read their bars back."""
    figures = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda figure: figures.append(figure) or close(figure))
    return figures


def test_grouped_bars_draw_each_series_per_category(tmp_path, drawn):
    path = tmp_path / "deep" / "bars.png"
    grouped_bars(path, ["Road", "Car", "Sky"], {"this run": [80.0, None, 90.5], "paper": [85.0, 40.0, 91.0]},
                 value_label="IoU (%)", title="row")
    assert Image.open(path).format == "PNG" and plt.get_fignums() == []
    axes = drawn[0].axes[0]
    assert [bar.get_height() for bar in axes.patches] == [80.0, 0, 90.5, 85.0, 40.0, 91.0]  # None: no bar
    assert [round(bar.get_x() + bar.get_width() / 2, 6) for bar in axes.patches] == [-0.2, 0.8, 1.8, 0.2, 1.2, 2.2]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["this run", "paper"]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["Road", "Car", "Sky"]
    assert axes.get_ylabel() == "IoU (%)" and axes.get_title() == "row"


def test_horizontal_bars_list_categories_top_down(tmp_path, drawn):
    grouped_bars(tmp_path / "h.png", ["a fp32", "b bf16"], {"ours": [10.0, 20.0], "plain": [11.0, 19.0]},
                 value_label="images/s", horizontal=True)
    axes = drawn[0].axes[0]
    assert [bar.get_width() for bar in axes.patches] == [10.0, 20.0, 11.0, 19.0]
    assert axes.yaxis_inverted() and axes.get_xlabel() == "images/s"
    assert [t.get_text() for t in axes.get_yticklabels()] == ["a fp32", "b bf16"]


def test_seed_bars_are_means_with_a_dot_per_seed(tmp_path, drawn):
    seed_bars(tmp_path / "s.png", ["DeepLab", "Ours", "none yet"], [[34.0, 30.0, 32.0], [37.0, None], []],
              value_label="mIoU (%)", title="3 seeds")
    axes = drawn[0].axes[0]
    assert [bar.get_height() for bar in axes.patches] == [32.0, 37.0]  # a label without values has no bar
    dots = [list(line.get_ydata()) for line in axes.lines if line.get_marker() == "."]
    assert dots == [[34.0, 30.0, 32.0], [37.0]]
    assert Image.open(tmp_path / "s.png").format == "PNG"


def test_a_failed_save_still_closes_the_figure(tmp_path):
    (tmp_path / "taken.png").mkdir()
    with pytest.raises(OSError):
        grouped_bars(tmp_path / "taken.png", ["a"], {"x": [1.0]}, value_label="v")
    with pytest.raises(OSError):
        seed_bars(tmp_path / "taken.png", ["a"], [[1.0]], value_label="v")
    assert plt.get_fignums() == []
